"""case access log: the reason an admin gave for having a booker's name shown

Revision ID: c5f3a8e1d2b4
Revises: b7e2d4a9c1f3
Create Date: 2026-12-02 00:50:00.000000
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c5f3a8e1d2b4'
down_revision = 'b7e2d4a9c1f3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_access', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.String(length=500), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('case_access', schema=None) as batch_op:
        batch_op.drop_column('reason')
