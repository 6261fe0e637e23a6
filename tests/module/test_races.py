"""A form sent twice at once (a double click, two tabs) saves once and answers no 500."""
from datetime import timedelta

from sqlalchemy import func, select

from lms.auth.models import User
from lms.db import utcnow
from lms.extensions import db
from lms.module import services
from lms.module.models import Attendance, Certificate, Offering
from tests.conftest import in_parallel


def test_attendance_recorded_twice_in_parallel_is_saved_once(app, create_user, create_module, create_offering,
                                                             trainer, now):
    offering = create_offering(create_module(), starts_in=timedelta(days=-7), dates=2)
    person = create_user("coordinator")
    enrolment = services.enrol(person, offering, actor=trainer, now=now - timedelta(days=10))
    db.session.commit()
    marks = {(enrolment.id, date.id): True for date in offering.dates}

    trainer_id, offering_id = trainer.id, offering.id  # read here: the threads must not touch this session

    def record():
        services.record_attendance(db.session.get(User, trainer_id), db.session.get(Offering, offering_id), marks,
                                   now=utcnow())

    assert in_parallel(app, [record] * 6) == []
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 2
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
