"""case content encrypted per consultation

Revision ID: c4e5a0b1d2f3
Revises: 96aa1235cc2f
Create Date: 2026-12-03 15:40:00

"""

# revision identifiers, used by Alembic.
revision = 'c4e5a0b1d2f3'
down_revision = '96aa1235cc2f'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
