"""Periodic jobs run in an app context, commit their work or roll it back, and run in one process only."""
import time

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select

from lms.auth.models import Region
from lms.extensions import db
from lms.scheduler import Job, add_jobs, run_job, try_scheduler_lock


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


def test_only_one_scheduler_holds_the_lock(app):
    with db.engine.connect() as first, db.engine.connect() as second:
        assert try_scheduler_lock(first)
        # PostgreSQL: the advisory lock keeps a second worker idle; SQLite runs a single process anyway.
        assert try_scheduler_lock(second) is (db.engine.dialect.name != "postgresql")
        first.invalidate()  # the worker's process ends: its connection closes and the lock is free
    # The server frees the lock when its backend for that connection has exited, a moment after the
    # socket closed; a standby polls (every 30 s in production), so the test polls briefly too.
    deadline = time.monotonic() + 5
    with db.engine.connect() as after_release:
        while not try_scheduler_lock(after_release) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert try_scheduler_lock(after_release)
