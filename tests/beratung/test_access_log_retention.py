"""The case access log goes after RETENTION_CASE_ACCESS_DAYS, one day either side, through the job."""
from datetime import timedelta

from sqlalchemy import select

from lms import jobruns
from lms.beratung.models import CaseAccess
from lms.beratung.tasks import purge_case_access
from lms.extensions import db
from lms.scheduler import JOBS, run_job
from tests.conftest import FIXED_NOW


def _access(days_ago: int) -> None:
    db.session.add(CaseAccess(consultation_id=1, case_code=f"FB-{days_ago}", user_id=None, action="read",
                              at=FIXED_NOW - timedelta(days=days_ago)))


def test_entries_past_the_setting_go_and_younger_ones_stay(app):
    app.config["RETENTION_CASE_ACCESS_DAYS"] = 30
    for days in (29, 31):
        _access(days)
    db.session.commit()
    assert purge_case_access(now=FIXED_NOW) == 1
    db.session.commit()
    assert db.session.scalars(select(CaseAccess.case_code)).all() == ["FB-29"]


def test_the_scheduled_job_purges_and_records_its_run(app):
    for days in (364, 366, 500):
        _access(days)
    db.session.commit()
    run_job(app, {job.name: job for job in JOBS}["purge_case_access"])
    assert db.session.scalars(select(CaseAccess.case_code)).all() == ["FB-364"]
    run = jobruns.last_runs()["purge_case_access"]
    assert (run.ok, run.detail) == (True, "2")
