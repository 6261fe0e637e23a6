"""Shared fixtures: the app on a migrated database, factories, a fixed now, login and a real SMTP server.

The database is SQLite in a temporary file, or PostgreSQL when LMS_TEST_DATABASE_URL is set (CI runs
both). The schema comes from the Alembic migrations, once per session; each test leaves empty tables.
"""
import contextvars
import email
import itertools
import os
import socket
import threading
from datetime import UTC, datetime
from email import policy

import flask_migrate
import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete, inspect, text

from lms import create_app
from lms.auth import services as auth_services
from lms.auth.models import Region, RegionKind
from lms.config import TestConfig
from lms.extensions import db

# "Now" for the tests: 09:00 UTC today, fixed for the whole run. It follows the calendar (rather than
# a constant date) because pages and the browser read the real clock: dates built from it must lie in
# the real future.
FIXED_NOW = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
PASSWORD = "Richtig-Geheim-42"


def make_config(database_url: str, **overrides) -> type:
    return type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": database_url, **overrides})


def pytest_report_header(config):
    url = os.environ.get("LMS_TEST_DATABASE_URL")
    return f"lms test database: {url.split('@')[-1] if url else 'SQLite (temporary file)'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return os.environ.get("LMS_TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


def drop_everything() -> None:
    """Empty the test database completely: the engine-specific search tables, the models' tables
    and Alembic's version table."""
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS search_document_fts"))
        if db.engine.dialect.name == "postgresql":
            connection.execute(text("DROP FUNCTION IF EXISTS search_document_fts_sync() CASCADE"))
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    assert inspect(db.engine).get_table_names() == []


@pytest.fixture(scope="session")
def migrated_database(database_url, tmp_path_factory) -> str:
    app = create_app(make_config(database_url))
    with app.app_context():
        drop_everything()
        flask_migrate.upgrade()
        db.engine.dispose()
    return database_url


@pytest.fixture
def app_config() -> dict:
    """Override in a module or folder to change settings for its tests."""
    return {}


class IsolatedClient(FlaskClient):
    """Runs each request in a fresh context, so it gets its own app context, `g` and database
    session, as in production, and never shares state with the test's own session."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(migrated_database, app_config, tmp_path):
    app = create_app(make_config(migrated_database, **app_config))
    app.test_client_class = IsolatedClient
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        yield app
        empty_tables()


def empty_tables() -> None:
    """Delete every row the test left, children first, and close the connections."""
    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(delete(table))
    db.engine.dispose()


def in_parallel(app, calls) -> list[str]:
    """Run each call in its own thread with its own app context and session, all released at once,
    committing each; return the errors (as repr) of those that failed."""
    barrier, errors = threading.Barrier(len(calls), timeout=60), []

    def run(call):
        with app.app_context():
            barrier.wait()
            try:
                call()
                db.session.commit()
            except Exception as error:  # reported to the caller
                db.session.rollback()
                errors.append(repr(error))

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def now() -> datetime:
    return FIXED_NOW


@pytest.fixture
def create_region(app):
    def _create(name="Dresden", kind=RegionKind.CITY) -> Region:
        region = Region(name=name, kind=kind)
        db.session.add(region)
        db.session.commit()
        return region

    return _create


@pytest.fixture
def create_user(app):
    counter = itertools.count(1)

    def _create(role="coordinator", *, roles=None, email=None, name=None, password=PASSWORD, region=None,
                sector=None, active=True, locale=None):
        number = next(counter)
        roles = roles or [role]
        if "partner" in roles and sector is None:
            sector = "youth_welfare"
        user = auth_services.create_user(
            email=email or f"person{number}@example.org", name=name or f"Person {number}", roles=roles,
            password=password, region=region, sector=sector, locale=locale, now=FIXED_NOW,
        )
        user.active = active
        db.session.commit()
        return user

    return _create


def login_as(client, user) -> None:
    """Sign *user* in for *client* as the sign-in page does: a login session, and its key in the cookie."""
    auth_services.start_session(user, now=FIXED_NOW)
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailCatcher:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on loopback; the app is configured to deliver to it."""
    from aiosmtpd.controller import Controller

    catcher = MailCatcher()
    controller = Controller(catcher, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    yield catcher
    controller.stop()


@pytest.fixture
def count_queries(app):
    """Count the SQL statements run inside a `with count_queries() as counter:` block."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def _count():
        statements = []

        def _record(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", _record)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", _record)

    return _count
