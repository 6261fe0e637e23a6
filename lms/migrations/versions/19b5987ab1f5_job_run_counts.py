"""scheduled jobs count their runs and failures, for /metrics

Revision ID: 19b5987ab1f5
Revises: e6a7c2d3f4b5
Create Date: 2026-12-03 21:32:23
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '19b5987ab1f5'
down_revision = 'e6a7c2d3f4b5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('runs', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('failures', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.drop_column('failures')
        batch_op.drop_column('runs')
