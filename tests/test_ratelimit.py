"""The sign-in throttle's store: counters in the app's database, shared by processes, safe when down."""
import contextlib
import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import flask_migrate
import pytest
from limits.storage import MemoryStorage, storage_from_string
from sqlalchemy import func, select, update

from lms import create_app
from lms.auth import services as auth_services
from lms.extensions import db, limiter
from lms.ratelimit import DatabaseStorage, RateLimitCounter, purge_rate_limit_counters
from lms.scheduler import Job, run_job
from tests.conftest import PASSWORD, free_port, make_config


def _real_now():
    """The throttle counts in real time, not on the app's clock that the tests pin."""
    return datetime.now(UTC)


PROJECT_ROOT = Path(__file__).resolve().parent.parent
CLOSED_PORT = free_port()  # nothing listens there
UNREACHABLE_REDIS = {"RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{CLOSED_PORT}"}


@pytest.fixture
def store(app):
    return DatabaseStorage("lms-database://")


def _login(client, email, password=PASSWORD):
    return client.post("/anmelden", data={"email": email, "password": password})


def _counter(key):
    return db.session.scalar(select(RateLimitCounter).where(RateLimitCounter.key == key).execution_options(
        populate_existing=True))


def _age(key, seconds):
    """Move *key*'s window end *seconds* into the past."""
    with db.engine.begin() as connection:
        connection.execute(update(RateLimitCounter).where(RateLimitCounter.key == key).values(
            expires_at=_real_now() - timedelta(seconds=seconds)))


# The store's semantics, on the suite's database (SQLite or PostgreSQL)

def test_the_database_store_is_the_default(app):
    assert isinstance(limiter.storage, DatabaseStorage)
    assert isinstance(storage_from_string("lms-database://"), DatabaseStorage)


def test_incr_counts_within_the_window_and_get_reads_the_count(store):
    before = time.time()
    assert [store.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert store.incr("k", 60, amount=2) == 5
    assert store.get("k") == 5 and store.get("other") == 0
    assert before + 59 <= store.get_expiry("k") <= time.time() + 60


def test_a_window_keeps_its_end_while_it_counts(store):
    store.incr("k", 60)
    first_end = store.get_expiry("k")
    store.incr("k", 600)
    assert store.get_expiry("k") == pytest.approx(first_end, abs=0.01)


def test_an_expired_window_reads_zero_and_starts_anew(store):
    store.incr("k", 60)
    store.incr("k", 60)
    _age("k", 1)
    assert store.get("k") == 0
    assert store.get_expiry("k") == pytest.approx(time.time(), abs=2)
    assert store.incr("k", 60) == 1
    assert store.get_expiry("k") > time.time() + 58


def test_clear_and_reset_forget_counts(store):
    store.incr("a", 60)
    store.incr("b", 60)
    store.clear("a")
    assert store.get("a") == 0 and store.get("b") == 1
    store.incr("c", 60)
    assert store.reset() == 2
    assert db.session.scalar(select(func.count()).select_from(RateLimitCounter)) == 0


def test_the_purge_deletes_only_expired_counters(store):
    store.incr("old", 60)
    store.incr("live", 60)
    _age("old", 1)
    assert purge_rate_limit_counters(now=_real_now()) == 1
    assert _counter("old") is None and _counter("live").count == 1


def test_incr_purges_expired_counters_now_and_then(store, monkeypatch):
    store.incr("old", 60)
    _age("old", 1)
    monkeypatch.setattr(DatabaseStorage, "PURGE_ONE_IN", 1)
    store.incr("new", 60)
    assert _counter("old") is None


def test_the_purge_runs_as_a_scheduled_job(app, store):
    # The counters run on the real clock (the limits library reads it), so the job must too: unpin the
    # app's clock as in production, else the test fails whenever the suite runs after 09:00 UTC.
    app.config["PINNED_NOW"] = None
    store.incr("old", 60)
    _age("old", 1)
    run_job(app, Job("purge_rate_limit_counters", purge_rate_limit_counters, "RETENTION_INTERVAL_SECONDS"))
    assert _counter("old") is None


def test_long_keys_stay_distinct(store):
    stem = "LIMITER/login-account:" + "a" * 300
    store.incr(stem + "1@example.org", 60)
    assert store.incr(stem + "2@example.org", 60) == 1
    assert store.get(stem + "1@example.org") == 1


def test_the_count_commits_apart_from_the_request_session(store):
    store.incr("k", 60)
    db.session.rollback()
    assert store.get("k") == 1


def test_check_reports_a_reachable_store(store):
    assert store.check() is True


def test_concurrent_hits_get_distinct_counts(app, store):
    threads_count = 12
    counts, errors = [], []
    start = threading.Barrier(threads_count)

    def hit():
        with app.app_context():
            start.wait()
            try:
                counts.append(store.incr("crowded", 60))
            except Exception as error:  # reported below, with the counts
                errors.append(error)

    threads = [threading.Thread(target=hit) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(counts) == list(range(1, threads_count + 1))
    assert store.get("crowded") == threads_count


# Through the sign-in page and the health check

def test_failed_sign_ins_are_counted_in_the_database(client, create_user):
    create_user(email="ziel@example.org")
    for _ in range(2):
        assert _login(client, "ziel@example.org", "falsch-falsch").status_code == 401
    rows = db.session.scalars(select(RateLimitCounter)).all()
    assert sorted(row.count for row in rows) == [2, 2]  # per account and per address
    assert any("ziel@example.org" in row.key for row in rows)


def _readiness(client) -> tuple[int, dict]:
    response = client.get("/readyz?check=database&check=ratelimit")
    return response.status_code, {name: check["status"] for name, check in response.get_json()["checks"].items()}


def test_readyz_reports_the_rate_limit_store(client):
    assert _readiness(client) == (200, {"database": "ok", "ratelimit": "ok"})


def test_readyz_without_the_database_reports_both_unreachable(tmp_path):
    app = create_app(make_config(f"sqlite:///{tmp_path}/missing/dir/lms.sqlite"))
    assert _readiness(app.test_client()) == (503, {"database": "unreachable", "ratelimit": "unreachable"})


@pytest.mark.parametrize("app_config", [{"RATELIMIT_STORAGE_URI": "memory://"}])
def test_the_memory_store_stays_possible(app, client, create_user):
    assert isinstance(limiter.storage, MemoryStorage)
    create_user(email="ziel@example.org")
    for _ in range(5):
        assert _login(client, "ziel@example.org", "falsch-falsch").status_code == 401
    assert _login(client, "ziel@example.org").status_code == 429


@pytest.mark.parametrize("app_config", [UNREACHABLE_REDIS])
def test_a_redis_store_boots_with_short_timeouts(app):
    options = limiter.storage.storage.connection_pool.connection_kwargs
    assert options["socket_connect_timeout"] == 1 and options["socket_timeout"] == 1


@pytest.mark.parametrize("app_config", [UNREACHABLE_REDIS])
def test_an_unreachable_store_falls_back_to_memory_and_readyz_says_so(client, create_user):
    create_user(email="ziel@example.org")
    assert _readiness(client) == (503, {"database": "ok", "ratelimit": "unreachable"})

    statuses = [_login(client, "ziel@example.org", "falsch-falsch").status_code for _ in range(5)]
    assert statuses == [401] * 5
    assert _login(client, "ziel@example.org").status_code == 429  # still throttled, in this process
    assert _login(client, "andere@example.org", "falsch-falsch").status_code == 401

    assert _readiness(client) == (503, {"database": "ok", "ratelimit": "fallback"})


@pytest.mark.parametrize("app_config", [UNREACHABLE_REDIS])
def test_an_unreachable_store_never_turns_a_sign_in_into_a_500(client, create_user):
    create_user(email="k@example.org")
    assert _login(client, "k@example.org").status_code == 302
    client.post("/abmelden")
    assert _login(client, "k@example.org", "falsch-falsch").status_code == 401
    assert client.post("/passwort-vergessen", data={"email": "k@example.org"}).status_code == 302


def test_a_store_that_dies_after_the_check_loses_the_count_not_the_sign_in(client, create_user, monkeypatch):
    create_user(email="k@example.org")

    def unreachable(*args, **kwargs):
        raise ConnectionError("store went away")

    monkeypatch.setattr(DatabaseStorage, "incr", unreachable)
    assert _login(client, "k@example.org", "falsch-falsch").status_code == 401


# Several processes: gunicorn -w 4 on one SQLite file, default configuration

def _request(port, method, path, *, form=None, cookie=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Connection": "close"}
    if cookie:
        headers["Cookie"] = cookie
    if form is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=urlencode(form) if form is not None else None, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Set-Cookie"), response.read().decode()
    finally:
        connection.close()


def _worker_pids(access_log: Path, method: str, path: str) -> set[str]:
    lines = access_log.read_text().splitlines() if access_log.exists() else []
    return {line.split()[0] for line in lines if line.split()[1:3] == [method, path]}


def _wait_for_workers(port, process, access_log, *, count, seconds):
    """Poll /healthz until *count* different workers have answered it."""
    deadline = time.monotonic() + seconds
    while len(_worker_pids(access_log, "GET", "/healthz")) < count:
        assert process.poll() is None, "gunicorn exited"
        assert time.monotonic() < deadline, "gunicorn's workers did not answer in time"
        with contextlib.suppress(OSError):
            _request(port, "GET", "/healthz")
        time.sleep(0.05)


def test_the_throttle_holds_across_gunicorn_workers(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'lms.sqlite'}"
    setup = create_app(make_config(database_url))
    with setup.app_context():
        flask_migrate.upgrade()
        for email in ("ziel@example.org", "andere@example.org"):
            auth_services.create_user(email=email, name="Ziel", roles=["coordinator"], password=PASSWORD, now=_real_now())
        db.session.commit()
        db.engine.dispose()

    port = free_port()
    access_log = tmp_path / "access.log"
    environ = {name: value for name, value in os.environ.items() if not name.startswith("LMS_")}
    environ.update(
        LMS_DATABASE_URL=database_url, LMS_SECRET_KEY="gunicorn-test-secret", LMS_INSTANCE_PATH=str(tmp_path / "instance"),
    )
    # --preload imports the app once, then forks: four processes with memory of their own (the
    # in-memory store fails this test), booted in seconds rather than four imports on two cores.
    # --max-requests 1 retires a worker after each request, so every attempt meets a process that
    # has counted nothing itself (the kernel would otherwise hand most of them to one worker).
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "4", "--preload", "--max-requests", "1", "-b", f"127.0.0.1:{port}",
         "--access-logfile", str(access_log), "--access-logformat", "%(p)s %(m)s %(U)s %(s)s", "lms:create_app()"],
        cwd=PROJECT_ROOT, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    try:
        _wait_for_workers(port, process, access_log, count=2, seconds=20)
        status, set_cookie, page = _request(port, "GET", "/anmelden")
        assert status == 200
        cookie = set_cookie.split(";")[0]
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

        def sign_in(email, password):
            form = {"csrf_token": token, "email": email, "password": password}
            return _request(port, "POST", "/anmelden", form=form, cookie=cookie)[0]

        statuses = [sign_in("ziel@example.org", "falsch-falsch") for _ in range(6)]
        assert statuses == [401] * 5 + [429]
        assert sign_in("ziel@example.org", PASSWORD) == 429
        assert sign_in("andere@example.org", PASSWORD) == 302
        time.sleep(0.2)  # the last access-log lines
        assert len(_worker_pids(access_log, "POST", "/anmelden")) == 8, "each attempt met a fresh worker"
    finally:
        # The master and its workers, at once: a graceful stop only costs seconds of interpreter shutdown.
        os.killpg(process.pid, signal.SIGKILL)
        _, errors = process.communicate(timeout=10)
    assert b"Traceback" not in errors, errors.decode()
    with setup.app_context():
        counts = db.session.execute(select(RateLimitCounter.key, RateLimitCounter.count)).all()
        assert [count for key, count in counts if "login-account:ziel@example.org" in key] == [5]
        db.engine.dispose()
