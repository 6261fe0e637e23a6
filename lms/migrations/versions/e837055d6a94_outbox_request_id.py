"""a mail remembers the request or job run that queued it (X-Request-ID)

Revision ID: e837055d6a94
Revises: e881d14942aa
Create Date: 2026-12-03 22:05:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e837055d6a94'
down_revision = 'e881d14942aa'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('request_id')
