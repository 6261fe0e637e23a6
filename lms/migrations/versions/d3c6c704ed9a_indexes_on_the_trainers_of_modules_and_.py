"""trainers of modules and offerings indexed by person: start page, lists and feeds ask what she teaches

Revision ID: d3c6c704ed9a
Revises: 848a7332d3a8
Create Date: 2026-12-07 07:53:53
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd3c6c704ed9a'
down_revision = '848a7332d3a8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_module_trainer_user_id', 'module_trainer', ['user_id'], unique=False)
    op.create_index('ix_offering_trainer_user_id', 'offering_trainer', ['user_id'], unique=False)


def downgrade():
    op.drop_index('ix_offering_trainer_user_id', table_name='offering_trainer')
    op.drop_index('ix_module_trainer_user_id', table_name='module_trainer')
