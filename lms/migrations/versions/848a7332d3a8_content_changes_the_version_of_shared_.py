"""content changes: the version of shared page fragments

Revision ID: 848a7332d3a8
Revises: 9f14a7da6da7
Create Date: 2026-12-07 01:55:27
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '848a7332d3a8'
down_revision = '9f14a7da6da7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('content_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_change')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('content_change', schema=None) as batch_op:
        batch_op.create_index('ix_content_change_topic_id', ['topic', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('content_change', schema=None) as batch_op:
        batch_op.drop_index('ix_content_change_topic_id')

    op.drop_table('content_change')
