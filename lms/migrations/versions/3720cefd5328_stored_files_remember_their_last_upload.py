"""stored files remember their last upload (the sweep of unused files spares recent ones)

Revision ID: 3720cefd5328
Revises: e837055d6a94
Create Date: 2026-12-04 01:39:33
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '3720cefd5328'
down_revision = 'e837055d6a94'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stored_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('used_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE stored_file SET used_at = created_at")
    with op.batch_alter_table('stored_file', schema=None) as batch_op:
        batch_op.alter_column('used_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_index(batch_op.f('ix_stored_file_used_at'), ['used_at'], unique=False)


def downgrade():
    with op.batch_alter_table('stored_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stored_file_used_at'))
        batch_op.drop_column('used_at')
