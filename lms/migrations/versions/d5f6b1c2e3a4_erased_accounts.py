"""data protection: erased accounts

Revision ID: d5f6b1c2e3a4
Revises: c4e5a0b1d2f3
Create Date: 2026-12-03 15:40:00

"""

# revision identifiers, used by Alembic.
revision = 'd5f6b1c2e3a4'
down_revision = 'c4e5a0b1d2f3'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
