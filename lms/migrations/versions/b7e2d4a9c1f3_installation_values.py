"""installation values: the calendar UID domain, fixed once per installation

Revision ID: b7e2d4a9c1f3
Revises: 8d2a4c6e9b13
Create Date: 2026-12-01 23:40:00.000000

Calendar UIDs were built from the host of LMS_BASE_URL. An installation that already holds dates or
consultations keeps that host as its UID domain, so the events calendars have already imported keep
their UIDs; a new one gets a generated domain when it first needs one (lms/installation.py).
"""
import os
from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b7e2d4a9c1f3'
down_revision = '8d2a4c6e9b13'
branch_labels = None
depends_on = None


def _base_url() -> str:
    try:
        from flask import current_app
        return current_app.config["BASE_URL"]
    except (ImportError, RuntimeError, KeyError):
        return os.environ.get("LMS_BASE_URL", "http://127.0.0.1:5000")


def upgrade():
    table = op.create_table('installation_value',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_installation_value'))
    )
    connection = op.get_bind()
    used = any(connection.execute(sa.text(f"SELECT 1 FROM {name} LIMIT 1")).first()
               for name in ('offering_date', 'consultation'))
    host = urlsplit(_base_url()).netloc
    if used and host:
        op.bulk_insert(table, [{'name': 'uid_domain', 'value': host}])


def downgrade():
    op.drop_table('installation_value')
