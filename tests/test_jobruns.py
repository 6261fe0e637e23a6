"""Each scheduled run is recorded in the database (so it survives a restart): ok with the job's count,
or failed with the error's class only, after the job's own work was rolled back."""
from datetime import timedelta

from sqlalchemy import func, select

from lms import audit, create_app, jobruns
from lms.auth.models import Region
from lms.extensions import db
from lms.scheduler import JOBS, Job, run_job
from tests.conftest import FIXED_NOW, make_config


def test_a_run_records_the_count_and_replaces_the_last_one(app):
    run_job(app, Job("counting", lambda *, now: 12, "RETENTION_INTERVAL_SECONDS"))
    run_job(app, Job("counting", lambda *, now: 3, "RETENTION_INTERVAL_SECONDS"))
    run_job(app, Job("silent", lambda *, now: None, "RETENTION_INTERVAL_SECONDS"))
    runs = jobruns.last_runs()
    assert (runs["counting"].ok, runs["counting"].detail, runs["counting"].started_at) == (True, "3", FIXED_NOW)
    assert runs["silent"].detail == ""
    assert db.session.scalar(select(func.count()).select_from(jobruns.JobRun)) == 2


def test_a_failure_is_recorded_without_the_jobs_work_or_its_message(app):
    def half_done(*, now):
        db.session.add(Region(name="Halb", kind="district"))
        db.session.flush()
        raise ValueError("a secret: reset link https://lms.test/r/geheim")

    run_job(app, Job("half_done", half_done, "RETENTION_INTERVAL_SECONDS"))
    run = jobruns.last_runs()["half_done"]
    assert (run.ok, run.detail) == (False, "ValueError")
    assert db.session.scalar(select(func.count(Region.id))) == 0


def test_what_became_due_is_purged_by_a_new_app_and_the_run_stays_readable(app, create_user, migrated_database):
    """Across a restart: the state is only in the database, so another app instance on it does the work."""
    admin = create_user("admin")
    audit.record(admin, "region.create", now=FIXED_NOW - timedelta(days=729), name="jung")
    audit.record(admin, "region.create", now=FIXED_NOW - timedelta(days=731), name="alt")
    db.session.commit()
    restarted = create_app(make_config(migrated_database))
    try:
        run_job(restarted, {job.name: job for job in JOBS}["purge_audit_trail"])
    finally:
        with restarted.app_context():
            db.engine.dispose()
    db.session.remove()  # the first app's session starts afresh as well
    assert db.session.scalar(select(func.count()).select_from(audit.AuditEntry)) == 1
    run = jobruns.last_runs()["purge_audit_trail"]
    assert (run.ok, run.detail, run.finished_at) == (True, "1", FIXED_NOW)


def test_a_retention_period_below_one_day_is_refused_at_startup():
    import pytest

    from lms.config import from_environment

    assert from_environment({"LMS_RETENTION_AUDIT_DAYS": "1"}) == {"RETENTION_AUDIT_DAYS": 1}
    with pytest.raises(ValueError, match="at least 1 day"):
        from_environment({"LMS_RETENTION_OUTBOX_BODY_DAYS": "0"})
