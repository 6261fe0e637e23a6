"""network: meetings planned as a series point to the series' first meeting

Revision ID: fe3550f6ae74
Revises: 14d3901d1fca
Create Date: 2026-12-03 11:34:25.127456

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'fe3550f6ae74'
down_revision = '14d3901d1fca'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('series_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_meeting_series_id'), ['series_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_meeting_series_id_meeting'), 'meeting', ['series_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_meeting_series_id_meeting'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_meeting_series_id'))
        batch_op.drop_column('series_id')

