"""Shared fixtures: the app on a migrated database, factories, a fixed now, login and a real SMTP server.

The database is SQLite in a temporary file, or PostgreSQL when LMS_TEST_DATABASE_URL is set (CI runs
both; under pytest-xdist each worker has its own). The schema comes from the Alembic migrations, once
per session; the app is built once per configuration; each test leaves empty tables.
"""
import contextlib
import contextvars
import email
import itertools
import os
import socket
import threading
from datetime import UTC, datetime
from email import policy
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask, current_app
from flask.testing import FlaskClient
from sqlalchemy import delete, event, inspect, text

from lms import create_app
from lms.auth import services as auth_services
from lms.auth.models import Region, RegionKind
from lms.config import TestConfig
from lms.extensions import db, limiter

# "Now" for the tests: one constant instant, and the app's clock (`lms.db.utcnow`) is pinned to it
# (PINNED_NOW), so pages, jobs, signed links and the tests' own data share it whatever the day and hour
# the suite runs. Only what must follow the real clock does: the browser, Flask's session cookie and
# the sign-in throttle's windows (Flask-Limiter).
FIXED_NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
PASSWORD = "Richtig-Geheim-42"


def make_config(database_url: str, **overrides) -> type:
    """The test configuration on *database_url*, with the app's clock pinned to FIXED_NOW."""
    return type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": database_url, "PINNED_NOW": FIXED_NOW,
                                          **overrides})


def pytest_report_header(config):
    url = os.environ.get("LMS_TEST_DATABASE_URL")
    return f"lms test database: {url.split('@')[-1] if url else 'SQLite (temporary file)'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """SQLite in a temporary file of this worker, or LMS_TEST_DATABASE_URL; under pytest-xdist each
    worker (gw0, gw1, ...) gets a PostgreSQL database of its own beside the given one."""
    url = os.environ.get("LMS_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return _worker_database(url, worker) if worker else url


def _worker_database(url: str, worker: str) -> str:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    given = make_url(url)
    name = f"{given.database}_{worker}"
    engine = create_engine(given, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return given.set(database=name).render_as_string(hide_password=False)


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


_APPS: dict[str, tuple[Flask, dict]] = {}  # one app per distinct app_config, for the whole run
_IN_USE: list[Flask] = []  # the app whose pooled connections are open


@pytest.fixture
def app(migrated_database, app_config, tmp_path):
    """The app, built once per configuration for the whole run (building one cost a fifth of a second,
    a good part of a short test). Each test gets its own instance folder, the configuration as built
    (a test may change `app.config`), empty tables and empty in-process memories afterwards."""
    key = repr(sorted(app_config.items()))
    if key not in _APPS:
        app = create_app(make_config(migrated_database, **app_config))
        app.test_client_class = IsolatedClient
        with app.app_context():
            _no_fsync(db.engine)
        _APPS[key] = app, dict(vars(limiter))
    app, limiter_state = _APPS[key]
    _use_connections_of(app)
    # Flask-Limiter's limiter is one object that the last app built configured (enabled or not, its
    # store): give it back this app's settings.
    vars(limiter).update(limiter_state)
    config = dict(app.config)
    app.instance_path = str(tmp_path / "instance")
    try:
        with app.app_context():
            yield app
            empty_tables()
    finally:
        app.config.clear()
        app.config.update(config)
        forget_memories(app)


def _use_connections_of(app: Flask) -> None:
    """Only one app at a time keeps pooled connections (PostgreSQL's connection limit counts every
    app of the run): switching apps closes the previous one's; consecutive tests of one app reuse them."""
    if _IN_USE and _IN_USE[0] is not app:
        with _IN_USE[0].app_context():
            db.engine.dispose()
    _IN_USE[:] = [app]


def _no_fsync(engine) -> None:
    """A test database need not survive a power cut: SQLite skips its fsync on every commit (a third
    of the time of a short test). The app's own pragmas (WAL, foreign keys) are checked in test_app."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", lambda connection, _record: connection.execute("PRAGMA synchronous=OFF"))


def forget_memories(app: Flask) -> None:
    """What a process keeps between requests: answered feed polls, recently built feed bodies, fragments."""
    from lms.kalender.polling import EXTENSION

    app.extensions[EXTENSION].forget()
    app.extensions.pop("lms.feed_bodies", None)
    app.extensions.pop("lms.fragments", None)  # the tables are emptied: versions start again


def empty_tables() -> None:
    """Delete every row the test left, children first: on PostgreSQL in one round trip (a statement per
    table cost a fifth of a short test there), on SQLite, in-process, a statement at a time."""
    db.session.remove()
    tables = reversed(db.metadata.sorted_tables)
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("; ".join(f'DELETE FROM "{table.name}"' for table in tables))
        else:
            for table in tables:
                connection.execute(delete(table))


_SEEDED: dict[str, tuple[dict[str, list[dict]], dict[Path, bytes]]] = {}


def seed_once(name: str, seed) -> None:
    """Fill the empty database with what *seed* writes and commit: the first time in this process by
    running it, later by copying back the rows and stored files it wrote (the whole demo takes 1.5 s
    to seed and a tenth of that to copy). Only for seeds whose data is the same every time: the app's
    clock is pinned, and rows keep their ids."""
    files = Path(current_app.instance_path) / "files"
    if name in _SEEDED:
        rows, stored = _SEEDED[name]
        with db.engine.begin() as connection:
            for table in db.metadata.sorted_tables:
                if rows[table.name]:
                    connection.execute(table.insert(), rows[table.name])
            _continue_sequences(connection, rows)
        for relative, data in stored.items():
            (files / relative).parent.mkdir(parents=True, exist_ok=True)
            (files / relative).write_bytes(data)
        return
    seed()
    db.session.commit()
    with db.engine.connect() as connection:  # by key, so a row that refers to an earlier one of its table follows it
        rows = {table.name: [dict(row._mapping) for row in connection.execute(
            table.select().order_by(*table.primary_key.columns))] for table in db.metadata.sorted_tables}
    stored = {path.relative_to(files): path.read_bytes() for path in files.rglob("*") if path.is_file()}
    _SEEDED[name] = rows, stored


def _continue_sequences(connection, rows) -> None:
    """Let PostgreSQL's id sequences go on after the copied rows. They usually are past them already,
    but a test that downgrades and upgrades the schema (test_migrations) starts them again at 1, and a
    later copy would then hand out ids that the copied rows hold."""
    if connection.dialect.name != "postgresql":
        return  # SQLite gives the next id after the largest one in the table
    serial = [(table.name, table.autoincrement_column.name) for table in db.metadata.sorted_tables
              if rows[table.name] and table.autoincrement_column is not None]
    connection.exec_driver_sql("; ".join(
        f"SELECT setval(pg_get_serial_sequence('\"{name}\"', '{column}'), (SELECT max(\"{column}\") FROM \"{name}\"))"
        for name, column in serial))


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


@pytest.fixture(scope="session")
def s3_endpoint() -> str:
    """A real S3 API on loopback: moto's standalone server in a process of its own (the suite's stand-in
    for MinIO or Ceph RGW; it speaks the same HTTP API to boto3)."""
    import subprocess
    import sys
    import time
    import urllib.request

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("moto's S3 server did not start") from None
            time.sleep(0.1)
    yield url
    server.terminate()
    server.wait(timeout=10)


def s3_settings(endpoint: str, bucket: str) -> dict:
    """The app settings for *bucket* on the test S3 server (created if new)."""
    import boto3

    settings = {"FILE_STORAGE": f"s3://{bucket}/lms", "S3_ENDPOINT_URL": endpoint, "S3_REGION": "eu-central-1",
                "S3_ACCESS_KEY_ID": "test-key", "S3_SECRET_ACCESS_KEY": "test-secret"}
    client = boto3.client("s3", endpoint_url=endpoint, region_name="eu-central-1", aws_access_key_id="test-key",
                          aws_secret_access_key="test-secret")
    with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
        client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    return settings


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
