"""Periodic jobs run in an app context, commit their work or roll it back, and run in one process only."""
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError

from lms import jobruns, leadership
from lms.auth.models import Region
from lms.db import utcnow
from lms.extensions import db
from lms.notifications.models import OutboxMessage
from lms.scheduler import Job, add_jobs, run_job
from tests.conftest import FIXED_NOW


def test_a_job_commits_its_work(app, now):
    def add_region(*, now):
        db.session.add(Region(name="Erzgebirgskreis", kind="district"))

    run_job(app, Job("add_region", add_region, "OUTBOX_INTERVAL_SECONDS"))
    assert db.session.scalar(select(func.count(Region.id))) == 1


def test_a_failing_job_leaves_nothing_behind_and_does_not_raise(app):
    def half_done(*, now):
        db.session.add(Region(name="Halb", kind="district"))
        db.session.flush()
        raise RuntimeError("boom")

    run_job(app, Job("half_done", half_done, "OUTBOX_INTERVAL_SECONDS"))
    assert db.session.scalar(select(func.count(Region.id))) == 0


def test_every_job_is_scheduled_with_its_interval(app):
    scheduler = BackgroundScheduler()
    add_jobs(app, scheduler)
    job = scheduler.get_job("deliver_outbox")
    assert job.trigger.interval.total_seconds() == app.config["OUTBOX_INTERVAL_SECONDS"]


def test_one_holder_leads_until_its_lease_expires(app):
    start = FIXED_NOW
    assert leadership.acquire("a", seconds=8, now=start)
    assert not leadership.acquire("b", seconds=8, now=start + timedelta(seconds=1))
    assert leadership.acquire("a", seconds=8, now=start + timedelta(seconds=4))  # the heartbeat
    assert not leadership.acquire("b", seconds=8, now=start + timedelta(seconds=11.9))
    assert leadership.acquire("b", seconds=8, now=start + timedelta(seconds=12))  # a fell silent
    assert not leadership.acquire("a", seconds=8, now=start + timedelta(seconds=13))
    assert leadership.current().holder == "b"
    leadership.release("b")
    assert leadership.acquire("c", seconds=8, now=utcnow())  # a clean stop hands over at once


def test_of_simultaneous_first_candidates_exactly_one_leads(app):
    barrier, results = threading.Barrier(6), []

    def candidate(name):
        with app.app_context():
            barrier.wait()
            results.append(leadership.acquire(name, seconds=8))
            db.session.remove()

    threads = [threading.Thread(target=candidate, args=(f"host:{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 5 + [True]


def test_a_job_of_a_scheduler_that_lost_the_lease_commits_nothing(app):
    def add_region(*, now):
        db.session.add(Region(name="Erzgebirgskreis", kind="district"))

    assert leadership.acquire("old", seconds=8, now=FIXED_NOW - timedelta(seconds=30))
    assert leadership.acquire("new", seconds=8, now=FIXED_NOW)  # "old" froze, "new" took over
    run_job(app, Job("add_region", add_region, "OUTBOX_INTERVAL_SECONDS"), lease=("old", 8))
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Region.id))) == 0
    assert jobruns.last_runs() == {}  # nor the record of its run
    run_job(app, Job("add_region", add_region, "OUTBOX_INTERVAL_SECONDS"), lease=("new", 8))
    assert db.session.scalar(select(func.count(Region.id))) == 1
    assert leadership.current().expires_at == FIXED_NOW + timedelta(seconds=8)


def test_a_job_stops_at_its_next_claim_when_leadership_is_lost_midway(app):
    """Each commit is fenced, not only the last: the first batch stays, the rest never happens."""
    def two_steps(*, now):
        db.session.add(Region(name="Erster Schritt", kind="district"))
        db.session.commit()
        leadership.acquire("new", seconds=8, now=now + timedelta(seconds=9))  # meanwhile: taken over
        db.session.add(Region(name="Zweiter Schritt", kind="district"))
        db.session.commit()

    assert leadership.acquire("old", seconds=8, now=FIXED_NOW)
    run_job(app, Job("two_steps", two_steps, "OUTBOX_INTERVAL_SECONDS"), lease=("old", 8))
    db.session.expire_all()
    assert db.session.scalars(select(Region.name)).all() == ["Erster Schritt"]


def test_a_transaction_a_frozen_scheduler_left_open(migrated_database, tmp_path):
    """PostgreSQL ends it after a lease (the scheduler's connections say so); SQLite has no server to
    do that: the frozen writer keeps the write lock and nobody else writes (docs/operations.md)."""
    engine = create_engine(migrated_database)
    leadership.bound_idle_transactions(engine, 1)
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect() as connection:
                assert connection.exec_driver_sql("SHOW idle_in_transaction_session_timeout").scalar() == "1s"
                connection.exec_driver_sql("SELECT 1")
                time.sleep(1.5)  # idle inside the transaction, as a frozen process would be
                with pytest.raises(DBAPIError, match="idle-in-transaction timeout"):
                    connection.exec_driver_sql("SELECT 1")
            with engine.connect() as connection:  # the pool let the dead connection go
                assert connection.exec_driver_sql("SELECT 2").scalar() == 2
        else:
            with closing(sqlite3.connect(engine.url.database)) as frozen, \
                    closing(sqlite3.connect(engine.url.database, timeout=0.2)) as other:
                frozen.execute("BEGIN IMMEDIATE")
                time.sleep(1.5)
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
                frozen.rollback()  # it wakes
                other.execute("BEGIN IMMEDIATE")
                other.rollback()
    finally:
        engine.dispose()


# The real thing: `lms scheduler` processes on the suite's database, delivering mail to a real SMTP
# server while the leader is killed, paused and cut off from the database.

def _scheduler(env, log):
    return subprocess.Popen([Path(sys.executable).with_name("lms"), "scheduler"], env=env,
                            stdout=log, stderr=subprocess.STDOUT)


def _queue(count: int, batch: str) -> None:
    for n in range(count):
        db.session.add(OutboxMessage(recipient=f"{batch}{n}@example.org", subject=f"{batch}-{n}", body="b",
                                     created_at=FIXED_NOW, not_before=FIXED_NOW))
    db.session.commit()


def _wait(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        db.session.rollback()
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s: {what}")


def _leader_pid() -> int | None:
    lease = leadership.current()
    return int(lease.holder.split(":")[1]) if lease and lease.expires_at > utcnow_real() else None


def utcnow_real():
    return datetime.now(UTC)


def _freeze(pid: int) -> None:
    """SIGSTOP *pid*. On SQLite, a process frozen inside a write keeps the file's only write lock and
    nobody writes until it wakes (lms/leadership.py): there, freeze it again until it holds none."""
    for _ in range(50):
        os.kill(pid, signal.SIGSTOP)
        if db.engine.dialect.name != "sqlite":
            return
        try:
            with closing(sqlite3.connect(db.engine.url.database, timeout=1)) as connection:
                connection.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError:  # database is locked: frozen mid-write
            os.kill(pid, signal.SIGCONT)
            time.sleep(0.1)
    raise AssertionError("the scheduler never paused outside a write")


def test_exactly_one_scheduler_runs_through_kill_pause_and_dropped_connections(
        app, migrated_database, smtp_server, tmp_path):
    env = {name: value for name, value in os.environ.items() if not name.startswith("LMS_")}
    env.update(LMS_DATABASE_URL=migrated_database, LMS_INSTANCE_PATH=str(tmp_path), LMS_SECRET_KEY="s",
               LMS_CASE_KEY=app.config["CASE_KEY"], LMS_MAIL_SERVER="127.0.0.1",
               LMS_MAIL_PORT=str(app.config["MAIL_PORT"]), LMS_SCHEDULER_LEASE_SECONDS="2",
               LMS_OUTBOX_INTERVAL_SECONDS="1")
    processes = {}
    with open(tmp_path / "schedulers.log", "w") as log:
        try:
            _run_through(env, log, processes, smtp_server)
        except AssertionError as failure:
            log.flush()
            raise AssertionError(f"{failure}\n{(tmp_path / 'schedulers.log').read_text()[-4000:]}") from None
    output = (tmp_path / "schedulers.log").read_text()
    assert "waits:" in output and "holds the lease" in output and "lost the lease" in output


def _run_through(env, log, processes, smtp_server):
    try:
        for _ in range(2):
            process = _scheduler(env, log)
            processes[process.pid] = process
        leader = _wait(_leader_pid, 20, "a scheduler leads")
        assert leader in processes
        delivered = lambda: sorted(message["Subject"] for message in smtp_server.messages)  # noqa: E731
        expected = []

        def deliver(batch):
            _queue(5, batch)
            expected.extend(f"{batch}-{n}" for n in range(5))
            _wait(lambda: len(smtp_server.messages) >= len(expected), 30, f"batch {batch} delivered")

        deliver("first")

        processes[leader].kill()  # a crash: no hand-over
        processes[leader].wait()
        killed_at = time.monotonic()
        successor = _wait(lambda: (pid := _leader_pid()) not in (None, leader) and pid, 15, "the standby takes over")
        assert time.monotonic() - killed_at < 10
        deliver("after-kill")

        standby = _scheduler(env, log)
        processes[standby.pid] = standby
        time.sleep(1)
        _freeze(successor)  # its lease runs out
        try:
            third = _wait(lambda: (pid := _leader_pid()) not in (None, successor) and pid, 15, "takes over from the frozen")
            assert third == standby.pid
            deliver("while-frozen")
        finally:
            os.kill(successor, signal.SIGCONT)  # it wakes, finds the lease gone and stands by
        time.sleep(3)
        assert _leader_pid() == third
        if db.engine.dialect.name == "postgresql":  # cut every scheduler's connections
            db.session.remove()
            with db.engine.connect() as connection:
                connection.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
            db.engine.dispose()
        deliver("after-drop")
        time.sleep(3)  # anything sent twice would have arrived by now
        assert delivered() == sorted(expected)
        assert _leader_pid() in processes and processes[_leader_pid()].poll() is None
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        for process in processes.values():
            process.wait(timeout=15)
