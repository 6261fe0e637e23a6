"""Enrolment history and attendance marks go RETENTION_HISTORY_DAYS after the offering's last date (one
day either side); the enrolments, completions and certificates, the record that lasts, stay."""
from datetime import timedelta

from sqlalchemy import func, select

from lms.extensions import db
from lms.module import services
from lms.module.models import Attendance, Certificate, Completion, Enrolment, EnrolmentEvent
from lms.module.tasks import purge_history
from tests.conftest import FIXED_NOW


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _attended_offering(trainer, create_offering, person, *, ended_days_ago: int) -> int:
    offering = create_offering(dates=1, starts_in=timedelta(days=-ended_days_ago, hours=-3))
    enrolment = services.enrol(person, offering, actor=trainer, now=FIXED_NOW - timedelta(days=ended_days_ago + 30))
    services.record_attendance(trainer, offering, {(enrolment.id, offering.dates[0].id): True}, now=FIXED_NOW)
    return enrolment.id


def test_history_past_the_setting_goes_and_the_record_stays(app, trainer, create_offering, create_user):
    app.config["RETENTION_HISTORY_DAYS"] = 100
    person = create_user()
    young = _attended_offering(trainer, create_offering, person, ended_days_ago=99)
    old = _attended_offering(trainer, create_offering, create_user(), ended_days_ago=102)
    db.session.commit()
    records = count(Completion), count(Certificate), count(Enrolment)
    assert records[0] == 2
    assert count(EnrolmentEvent, EnrolmentEvent.enrolment_id == old) > 0
    assert purge_history(now=FIXED_NOW) > 0
    db.session.commit()
    db.session.expire_all()
    assert count(EnrolmentEvent, EnrolmentEvent.enrolment_id == old) == 0
    assert count(Attendance, Attendance.enrolment_id == old) == 0
    assert count(EnrolmentEvent, EnrolmentEvent.enrolment_id == young) > 0
    assert count(Attendance, Attendance.enrolment_id == young) == 1
    assert (count(Completion), count(Certificate), count(Enrolment)) == records
    assert purge_history(now=FIXED_NOW) == 0  # nothing twice
