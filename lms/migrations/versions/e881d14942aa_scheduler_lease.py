"""exactly one scheduler: the leader's lease replaces PostgreSQL's advisory lock

Revision ID: e881d14942aa
Revises: 19b5987ab1f5
Create Date: 2026-12-03 21:40:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e881d14942aa'
down_revision = '19b5987ab1f5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'scheduler_lease',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('holder', sa.String(length=200), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('renewed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_lease')),
    )


def downgrade():
    op.drop_table('scheduler_lease')
