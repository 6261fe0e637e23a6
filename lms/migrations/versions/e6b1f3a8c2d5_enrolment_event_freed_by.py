"""enrolment history: the enrolment whose seat a promotion from the waitlist took

Revision ID: e6b1f3a8c2d5
Revises: d4e7b2c9a6f1
Create Date: 2026-12-02 04:10:00.000000
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e6b1f3a8c2d5'
down_revision = 'd4e7b2c9a6f1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enrolment_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('freed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_enrolment_event_freed_by_id_enrolment'), 'enrolment', ['freed_by_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('enrolment_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_enrolment_event_freed_by_id_enrolment'), type_='foreignkey')
        batch_op.drop_column('freed_by_id')
