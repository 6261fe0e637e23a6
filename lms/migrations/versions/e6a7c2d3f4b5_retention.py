"""data protection: retention of personal data

Revision ID: e6a7c2d3f4b5
Revises: d5f6b1c2e3a4
Create Date: 2026-12-03 15:40:00

"""

# revision identifiers, used by Alembic.
revision = 'e6a7c2d3f4b5'
down_revision = 'd5f6b1c2e3a4'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
