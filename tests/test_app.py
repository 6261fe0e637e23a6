"""The application shell: configuration, health, errors, headers, assets, time zone."""
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from flask import render_template_string
from sqlalchemy import create_engine, literal, select, text
from sqlalchemy.engine import make_url

from lms import create_app
from lms.config import from_environment
from lms.db import folded
from lms.extensions import db
from tests.conftest import login_as, make_config


def test_without_configuration_sqlite_and_a_generated_secret_live_in_instance(tmp_path, monkeypatch):
    for name in list(os.environ):
        if name.startswith("LMS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'lms.sqlite'}"
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(app.config["SECRET_KEY"]) >= 32
    assert create_app().config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_processes_starting_at_once_agree_on_one_generated_key(tmp_path):
    """The first start of several workers at once: every one reads the same, complete key."""
    import threading

    from lms.config import instance_secret_key

    barrier, keys, errors = threading.Barrier(8), [], []

    def start():
        barrier.wait()
        try:
            keys.append(instance_secret_key(tmp_path / "instance"))
        except Exception as error:  # reported below
            errors.append(repr(error))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(keys) == 8 and len(set(keys)) == 1 and len(keys[0]) >= 32
    assert [path.name for path in (tmp_path / "instance").iterdir()] == ["secret_key"]  # no temporary left


def test_environment_variables_configure_the_app():
    values = from_environment({
        "LMS_DATABASE_URL": "postgresql+psycopg://u:p@db/lms", "LMS_SECRET_KEY": "s", "LMS_MAIL_PORT": "587",
        "LMS_MAIL_USE_TLS": "true", "LMS_MAX_UPLOAD_MB": "5", "LMS_BASE_URL": "https://lms.example.org",
    })
    assert values == {
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u:p@db/lms", "SECRET_KEY": "s", "MAIL_PORT": 587,
        "MAIL_USE_TLS": True, "MAX_CONTENT_LENGTH": 5 * 1024 * 1024, "BASE_URL": "https://lms.example.org",
    }


def test_database_connections_are_configured(app, database_url):
    """SQLite: WAL, foreign keys, busy timeout. PostgreSQL: the suite really runs on it when asked to."""
    assert db.engine.url.render_as_string(hide_password=False) == database_url
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "sqlite":
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 10000
            assert connection.execute(text("PRAGMA secure_delete")).scalar() == 1  # erased rows leave zeros
        else:
            assert (db.engine.dialect.name, db.engine.dialect.driver) == ("postgresql", "psycopg")
            assert connection.execute(text("SHOW server_version_num")).scalar() >= "150000"


def test_a_database_whose_locale_lowers_only_a_to_z_is_named_in_the_log(database_url, tmp_path, caplog):
    """The suite's database lowers umlauts (PostgreSQL in a UTF-8 locale, SQLite by the app's own
    function) and nothing is logged; a PostgreSQL database made in the C locale is named."""
    def first_connection(url) -> str:
        app = create_app(make_config(url))
        app.instance_path = str(tmp_path)
        with app.app_context():
            lowered = db.session.scalar(select(folded(literal("ÄÖÜ"))))
            db.session.remove()
            db.engine.dispose()
        return lowered

    assert first_connection(database_url) == "äöü"
    assert "lowers only A to Z" not in caplog.text
    if make_url(database_url).get_backend_name() != "postgresql":
        return
    url = make_url(database_url)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}_c" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{url.database}_c" TEMPLATE template0 LC_CTYPE "C" LC_COLLATE "C"'))
    try:
        assert first_connection(url.set(database=f"{url.database}_c").render_as_string(hide_password=False)) == "ÄÖÜ"
        assert "database locale C lowers only A to Z" in caplog.text
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}_c" WITH (FORCE)'))
        admin.dispose()


def test_starting_the_app_does_not_import_the_pdf_library(tmp_path):
    """fpdf and fontTools load when the first PDF is made, not in every process's start (lms.pdf)."""
    probe = "import sys; from lms import create_app; create_app(); print(sorted({'fpdf', 'fontTools'} & set(sys.modules)))"
    env = {**{key: value for key, value in os.environ.items() if not key.startswith("LMS_")},
           "LMS_INSTANCE_PATH": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_unknown_page_gets_a_german_404(client):
    response = client.get("/gibt-es-nicht")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.get_data(as_text=True)


def test_oversized_request_gets_a_german_413(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/anmelden", data={"email": "x" * 5000})
    assert response.status_code == 413
    assert "Datei zu groß" in response.get_data(as_text=True)


def test_server_error_gets_a_german_500_and_rolls_back(migrated_database, create_region):
    app = create_app(make_config(migrated_database, PROPAGATE_EXCEPTIONS=False))  # its own: a route is added

    @app.get("/kaputt")
    def broken():
        db.session.execute(text("UPDATE region SET name = 'halb gespeichert'"))
        raise RuntimeError("boom")

    region = create_region("Unverändert")
    with app.app_context():
        response = app.test_client().get("/kaputt")
    assert response.status_code == 500
    assert "unerwarteter Fehler" in response.get_data(as_text=True)
    db.session.refresh(region)
    assert region.name == "Unverändert"


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_posts_without_csrf_token_are_refused(client, create_user):
    user = create_user(email="k@example.org")
    response = client.post("/anmelden", data={"email": "k@example.org", "password": "Richtig-Geheim-42"})
    assert response.status_code == 400
    assert "Das Formular ist abgelaufen" in response.get_data(as_text=True)
    login_as(client, user)
    assert client.post("/abmelden").status_code == 400


def test_security_headers(client):
    headers = client.get("/anmelden").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "same-origin"


def test_signed_in_pages_are_not_cached(client, create_user):
    login_as(client, create_user())
    assert client.get("/konto").headers["Cache-Control"] == "private, no-store"


def test_design_system_is_served_from_the_npm_package(client):
    response = client.get("/assets/kern/kern.min.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert client.get("/assets/kern/../../package.json").status_code == 404
    assert client.get("/assets/other/x.css").status_code == 404


def test_assets_are_linked_by_content_and_cached_for_a_year(client, tmp_path, app):
    import re

    links = re.findall(r'(?:href|src)="(/(?:static|assets)/[^"?]+)\?v=(\w+)"', client.get("/anmelden").get_data(as_text=True))
    assert {path for path, _ in links} >= {"/assets/kern/kern.min.css", "/static/lms.css", "/static/lms.js"}
    for path, version in links:
        response = client.get(f"{path}?v={version}")
        assert response.status_code == 200
        assert set(response.headers["Cache-Control"].split(", ")) == {"public", "max-age=31536000", "immutable"}
        stale = client.get(f"{path}?v=000000000000")  # an old page's address: served, not pinned for a year
        assert stale.status_code == 200 and "immutable" not in stale.headers["Cache-Control"]
    # A changed file gets a new address.
    static = tmp_path / "static"
    static.mkdir()
    (static / "lms.css").write_text("a{}")
    app.static_folder = str(static)
    with app.test_request_context():
        from flask import url_for

        first = url_for("static", filename="lms.css")
        os.utime(static / "lms.css", ns=(1, 1))
        (static / "lms.css").write_text("b{}")
        assert url_for("static", filename="lms.css") != first


def test_pages_are_german_by_default_and_english_on_request(client):
    assert "Anmelden" in client.get("/anmelden").get_data(as_text=True)
    english = client.get("/anmelden", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert "Sign in" in english and 'lang="en"' in english


def test_the_users_language_wins_over_the_browser(client, create_user):
    login_as(client, create_user(locale="en"))
    page = client.get("/konto", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "My account" in page


@pytest.mark.parametrize("moment,shown", [
    (datetime(2026, 1, 15, 9, 0, tzinfo=UTC), "15.01.2026, 10:00"),  # CET
    (datetime(2026, 7, 15, 9, 0, tzinfo=UTC), "15.07.2026, 11:00"),  # CEST
    (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), "29.03.2026, 01:30"),  # before the spring change
    (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "29.03.2026, 03:30"),  # after it
])
def test_times_are_stored_in_utc_and_shown_in_berlin(app, moment, shown):
    with app.test_request_context():
        assert render_template_string("{{ moment | datetime }}", moment=moment) == shown


def test_naive_datetimes_are_refused_by_the_database_layer(app, create_user):
    user = create_user()
    user.last_login_at = datetime(2026, 1, 1, 12, 0)
    with pytest.raises(Exception, match="naive datetime"):
        db.session.flush()
    db.session.rollback()


def test_datetimes_come_back_aware_in_utc(app, create_user, now):
    user = create_user()
    db.session.expire_all()
    assert user.created_at == now and user.created_at.tzinfo is not None


def test_https_base_url_makes_cookies_secure(database_url):
    app = create_app(make_config(database_url, BASE_URL="https://lms.example.org"))
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert not create_app(make_config(database_url)).config["SESSION_COOKIE_SECURE"]


@pytest.mark.parametrize("app_config", [{"PROXY_HOPS": 1, "LOGIN_LIMIT_PER_ADDRESS": "2 per 15 minutes"}])
def test_behind_a_proxy_the_throttle_counts_the_forwarded_client_address(client):
    def attempt(address):
        return client.post("/anmelden", data={"email": f"x{address}@example.org", "password": "falsch-falsch"},
                           headers={"X-Forwarded-For": address}).status_code

    assert [attempt("10.0.0.1"), attempt("10.0.0.1"), attempt("10.0.0.1")] == [401, 401, 429]
    assert attempt("10.0.0.2") == 401
