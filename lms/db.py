"""Declarative base, naming convention and the UTC datetime type."""
import logging
from datetime import UTC, datetime

from flask import current_app, has_app_context
from sqlalchemy import DateTime, MetaData, String, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

# INSERT with ON CONFLICT, per dialect: SQLAlchemy has no dialect-neutral form of it.
UPSERT_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The app's clock, read by views, jobs and column defaults: the real time, unless the
    configuration pins it (`PINNED_NOW`, a test setting: the suite's pages, services and data then
    share one instant, whatever the hour the suite runs at)."""
    if has_app_context():
        pinned = current_app.config.get("PINNED_NOW")
        if pinned is not None:
            return pinned
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime stored in UTC; SQLite's naive values come back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION), type_annotation_map={datetime: UTCDateTime}
    )


def configure_sqlite(engine: Engine) -> None:
    """WAL, enforced foreign keys and a busy timeout on every SQLite connection; reads through a
    memory map, so that scanning many rows (search, counts) does not pay a system call per page;
    deleted rows overwritten with zeros (secure_delete), so an erased record leaves no readable bytes
    in the file's free pages; and `folded`'s unicode_lower."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("PRAGMA mmap_size=268435456")  # 256 MB of the file, shared with the OS page cache
        cursor.close()
        dbapi_connection.create_function("unicode_lower", 1, _unicode_lower, deterministic=True)


class folded(FunctionElement):  # noqa: N801 - reads as the SQL function it stands for
    """SQL: a text in lower case by Unicode's rules: on SQLite Python's str.lower (its own lower()
    changes only A to Z, so "MÜLLER" would not find "Müller" and "GÖRLITZ" would be another region
    than "Görlitz"), on PostgreSQL lower() by the database's locale (a UTF-8 one, see
    docs/operations.md; it lowers letter by letter, so "İ" and a final "Σ" come out unlike Python's).
    Fold both sides of a comparison, so that one engine lowers both: `folded(Region.name) == folded(name)`."""

    type = String()
    inherit_cache = True
    name = "folded"


@compiles(folded)
def _lower(element, compiler, **kw) -> str:
    function = "unicode_lower" if compiler.dialect.name == "sqlite" else "lower"
    return f"{function}({compiler.process(element.clauses, **kw)})"


def _unicode_lower(text):
    return text.lower() if isinstance(text, str) else text  # NULL stays NULL, as with lower()


def warn_of_a_locale_without_umlauts(engine: Engine, logger: logging.Logger) -> None:
    """Say in the log, at the first connection of each process, when PostgreSQL's lower() changes
    only A to Z (a database created in the plain C locale): `folded` searches then miss "MÜLLER"
    for "müller", and the fix is a database created with a UTF-8 locale (docs/operations.md)."""
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "first_connect")
    def _check(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT lower('ÄÖÜ') = 'äöü', current_setting('lc_ctype')")
            lowers_umlauts, ctype = cursor.fetchone()
        dbapi_connection.rollback()
        if not lowers_umlauts:
            logger.warning("database locale %s lowers only A to Z: searches that ignore case miss umlauts "
                           "(create the database with a UTF-8 locale, see docs/operations.md)", ctype)


# Full-text search tables are engine-specific (FTS5 on SQLite, tsvector on PostgreSQL): the migration
# creates them with raw SQL, so schema comparisons leave them out.
UNMODELLED_TABLE_PREFIX = "search_document_fts"


def include_name(name, type_, parent_names) -> bool:
    """Alembic filter: compare every table but the engine-specific search tables."""
    return not (type_ == "table" and name and name.startswith(UNMODELLED_TABLE_PREFIX))
