"""network: institutions and binding contacts remember when their owner was asked to confirm them

Revision ID: f2758773ebd0
Revises: 96330b6d955e
Create Date: 2026-12-03 07:56:22.891124

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f2758773ebd0'
down_revision = '96330b6d955e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('binding_contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.drop_column('reminded_at')

    with op.batch_alter_table('binding_contact', schema=None) as batch_op:
        batch_op.drop_column('reminded_at')

