"""search vectors stored inline on PostgreSQL

A document's tsvector is about 2 kB, just over the size at which PostgreSQL moves values out of
the row (TOAST); matching and ranking then fetched the vectors from the TOAST table, which took most
of a broad search's time. STORAGE MAIN keeps both vectors in the row (the title's too: otherwise it
is the one moved out to make room); the existing rows are rewritten so that they move in. The
rewrite holds an exclusive lock on the search table (searches wait; a few seconds at 20,000
instruments) and leaves the old row versions to VACUUM (autovacuum, or by hand after upgrading).
SQLite (FTS5) has nothing to change.

Revision ID: 5d1c0e7a9b42
Revises: ee28f0610851
Create Date: 2026-11-23 02:10:00
"""
from alembic import op

revision = '5d1c0e7a9b42'
down_revision = 'ee28f0610851'
branch_labels = None
depends_on = None


def _storage(kind: str) -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(f"ALTER TABLE search_document_fts ALTER COLUMN vector SET STORAGE {kind}, "
               f"ALTER COLUMN title_vector SET STORAGE {kind}")
    # New values (an unchanged one would keep its place), stored by the new rule.
    op.execute("UPDATE search_document_fts SET vector = vector || ''::tsvector, "
               "title_vector = title_vector || ''::tsvector")


def upgrade():
    _storage('MAIN')


def downgrade():
    _storage('EXTENDED')
