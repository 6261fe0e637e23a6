"""data protection: mails that carry a sign-in link are marked, and each scheduled job's last run is kept

Revision ID: e6a7c2d3f4b5
Revises: d5f6b1c2e3a4
Create Date: 2026-12-03 15:40:00

Delivered password-reset and invitation mails already in the outbox lose their body with the
retention job; the mark applies to mails queued from now on.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e6a7c2d3f4b5'
down_revision = 'd5f6b1c2e3a4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('carries_link', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        'job_run',
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ok', sa.Boolean(), nullable=False),
        sa.Column('detail', sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_job_run')),
    )


def downgrade():
    op.drop_table('job_run')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('carries_link')
