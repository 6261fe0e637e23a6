"""legal pages: the operator's Impressum, privacy notice and accessibility statement

Revision ID: a9d3e5f7c1b2
Revises: f2c8a4d6b1e3
Create Date: 2026-12-02 05:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a9d3e5f7c1b2'
down_revision = 'f2c8a4d6b1e3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('legal_text',
    sa.Column('slug', sa.String(length=30), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_legal_text_updated_by_id_user'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('slug', name=op.f('pk_legal_text'))
    )


def downgrade():
    op.drop_table('legal_text')
