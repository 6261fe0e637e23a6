"""data protection: accounts remember when they were deactivated and when they were erased

Revision ID: d5f6b1c2e3a4
Revises: c4e5a0b1d2f3
Create Date: 2026-12-03 15:40:00

An account deactivated before this migration counts its retention from the upgrade.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd5f6b1c2e3a4'
down_revision = 'c4e5a0b1d2f3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(sa.text('UPDATE "user" SET deactivated_at = CURRENT_TIMESTAMP WHERE active = :no').bindparams(no=False))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
        batch_op.drop_column('deactivated_at')
