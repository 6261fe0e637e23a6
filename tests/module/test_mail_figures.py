"""Mails state what the database says: figures in them hold once the deciding transaction committed."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, update

from lms.auth.models import User
from lms.db import utcnow
from lms.extensions import db
from lms.ical import BERLIN
from lms.module import services, tasks
from lms.module.models import (
    Admission,
    Enrolment,
    EnrolmentStatus,
    Offering,
    OfferingDate,
)
from lms.notifications.models import OutboxMessage
from tests.conftest import in_parallel

POSITION = re.compile(r"Platz (\d+) der Warteliste")


def _mailed_positions(offering) -> dict[str, int]:
    """Recipient -> the waitlist position stated in their mail about *offering*."""
    bodies = db.session.execute(
        select(OutboxMessage.recipient, OutboxMessage.body)
        .where(OutboxMessage.subject == f"Warteliste: {offering.module.title}")
    ).all()
    return {recipient: int(POSITION.search(body).group(1)) for recipient, body in bodies}


def _queue(offering) -> list[Enrolment]:
    db.session.expire_all()
    return list(db.session.scalars(
        select(Enrolment).where(Enrolment.offering_id == offering.id, Enrolment.status == EnrolmentStatus.WAITLISTED)
        .order_by(Enrolment.queued_at, Enrolment.id)
    ))


def test_waitlist_mails_in_a_burst_state_the_positions_of_the_database(app, create_user, create_offering):
    offering = create_offering(capacity=1)
    people = [create_user("coordinator") for _ in range(50)]

    def sign_up(user_id):
        def call():
            now = utcnow()  # as a request does: the clock first, then loading, then the service
            user, target = db.session.get(User, user_id), db.session.get(Offering, offering.id)
            services.enrol(user, target, now=now)
        return call

    assert in_parallel(app, [sign_up(person.id) for person in people]) == []
    queue = _queue(offering)
    assert len(queue) == 49
    mailed = _mailed_positions(offering)
    assert sorted(mailed.values()) == list(range(1, 50))
    assert {enrolment.user.email: mailed[enrolment.user.email] for enrolment in queue} == {
        enrolment.user.email: place for place, enrolment in enumerate(queue, start=1)
    }


def test_a_request_that_comes_later_queues_behind_even_with_an_earlier_clock(create_user, create_offering, now):
    offering = create_offering(capacity=1)
    services.enrol(create_user("coordinator"), offering, now=now)
    first, second = create_user("coordinator"), create_user("coordinator")
    services.enrol(first, offering, now=now + timedelta(minutes=2))
    services.enrol(second, offering, now=now + timedelta(minutes=1))  # its clock is earlier, its turn later
    db.session.commit()
    assert [enrolment.user_id for enrolment in _queue(offering)] == [first.id, second.id]
    assert _mailed_positions(offering) == {first.email: 1, second.email: 2}


def test_a_withdrawal_during_a_burst_hands_the_seat_on_and_keeps_the_mails_true(app, create_user, create_offering,
                                                                                 now):
    offering = create_offering(capacity=1)
    holder = create_user("coordinator")
    seat = services.enrol(holder, offering, now=now)
    people = [create_user("coordinator") for _ in range(19)]
    db.session.commit()

    def withdraw():
        services.cancel_enrolment(db.session.get(User, holder.id), db.session.get(Enrolment, seat.id), now=utcnow())

    def sign_up(user_id):
        def call():
            now = utcnow()
            services.enrol(db.session.get(User, user_id), db.session.get(Offering, offering.id), now=now)
        return call

    calls = [sign_up(person.id) for person in people]
    calls.insert(5, withdraw)
    assert in_parallel(app, calls) == []
    queue = _queue(offering)
    assert db.session.get(Offering, offering.id).seats_taken == 1  # the freed seat did not stay empty
    assert len(queue) == 18
    mailed = _mailed_positions(offering)
    # Only the one who moved up can have left the line since a mail was written.
    assert {mailed[e.user.email] - place for place, e in enumerate(queue, start=1)} <= {0, 1}


@pytest.mark.parametrize("shift,reminded", [(timedelta(hours=1), True), (timedelta(days=3), False)])
def test_a_reminder_states_the_time_of_a_date_moved_while_the_job_ran(app, create_user, create_offering, now, shift,
                                                                      reminded):
    offering = create_offering(starts_in=timedelta(hours=20), deadline_before=timedelta(hours=2))
    person = create_user("coordinator")
    services.enrol(person, offering, now=now - timedelta(days=1))
    db.session.commit()
    date = offering.dates[0]
    old_start, new_start = date.starts_at, date.starts_at + shift
    moved = []

    def move_after_the_job_chose_its_dates(_conn, _cursor, statement, *args):
        if not moved and statement.lstrip().startswith("SELECT") and "reminder_sent_at IS NULL" in statement:
            moved.append(True)  # a trainer's change commits between the job's choice and its claim
            with db.engine.begin() as other:
                other.execute(update(OfferingDate).where(OfferingDate.id == date.id)
                              .values(starts_at=new_start, ends_at=new_start + timedelta(hours=7)))

    event.listen(db.engine, "after_cursor_execute", move_after_the_job_chose_its_dates)
    try:
        sent = tasks.send_date_reminders(now=now)
        db.session.commit()
    finally:
        event.remove(db.engine, "after_cursor_execute", move_after_the_job_chose_its_dates)
    assert moved and sent == (1 if reminded else 0)
    bodies = db.session.scalars(select(OutboxMessage.body).where(OutboxMessage.subject.startswith("Erinnerung"))).all()
    if reminded:
        assert len(bodies) == 1
        assert f"{new_start.astimezone(BERLIN):%H:%M}" in bodies[0]
        assert f"{old_start.astimezone(BERLIN):%H:%M}" not in bodies[0]
    else:
        assert bodies == []
        db.session.expire_all()
        assert db.session.get(OfferingDate, date.id).reminder_sent_at is None  # it goes out before its new time


def test_parallel_admissions_of_one_person_keep_one_admission(app, create_user, create_offering, trainer):
    offering = create_offering()
    person = create_user("coordinator")

    ids = trainer.id, offering.id, person.id  # read here: the threads must not touch this session

    def admit():
        actor, target, user = db.session.get(User, ids[0]), db.session.get(Offering, ids[1]), db.session.get(User, ids[2])
        services.admit(actor, target, user, reason="Vorkenntnisse", now=utcnow())

    assert in_parallel(app, [admit] * 8) == []
    assert db.session.scalar(select(func.count()).select_from(Admission)) == 1
