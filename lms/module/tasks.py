"""Scheduled work of the qualification package: closing registrations whose deadline has passed and
reminding participants of their dates (the scheduler calls `close_registrations` and
`remind_participants`)."""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from lms.extensions import db
from lms.module.models import (
    Attendance,
    Enrolment,
    EnrolmentEvent,
    EnrolmentStatus,
    Offering,
    OfferingDate,
    OfferingState,
)
from lms.module.services.mail import _notify
from lms.module.services.seats import _lock_offering


def close_due_registrations(*, now: datetime) -> int:
    """Mark open offerings whose deadline has passed; the enrol service checks the deadline anyway."""
    return db.session.execute(
        update(Offering)
        .where(Offering.registration_closed.is_(False), Offering.registration_deadline <= now)
        .values(registration_closed=True)
        .execution_options(synchronize_session=False)
    ).rowcount


REMINDER_LEAD = 24  # hours before a date


def send_date_reminders(*, now: datetime) -> int:
    """Queue the reminder for each date starting within a day, once per date (claimed by update).

    Each date is claimed under its offering's lock and only while it is still due, so a date moved
    or an offering cancelled meanwhile is seen, and the mail states the time the database holds.
    """
    window = (OfferingDate.starts_at > now, OfferingDate.starts_at <= now + timedelta(hours=REMINDER_LEAD))
    due = db.session.scalars(
        select(OfferingDate)
        .join(Offering)
        .where(OfferingDate.reminder_sent_at.is_(None), *window, Offering.state != OfferingState.CANCELLED)
    ).all()
    sent = 0
    for date in due:
        offering = date.offering
        _lock_offering(offering)  # also rereads the offering's dates, this one included
        if offering.state == OfferingState.CANCELLED:
            continue
        claimed = db.session.execute(
            update(OfferingDate)
            .where(OfferingDate.id == date.id, OfferingDate.reminder_sent_at.is_(None), *window)
            .values(reminder_sent_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount == 1
        if not claimed:
            continue
        participants = db.session.scalars(
            select(Enrolment).where(Enrolment.offering_id == date.offering_id,
                                    Enrolment.status == EnrolmentStatus.ENROLLED)
        ).all()
        for enrolment in participants:
            _notify(enrolment, "reminder", now=now, date=date)
            sent += 1
    db.session.flush()
    return sent


def close_registrations(*, now) -> None:
    """The scheduler's job: close the registrations whose deadline has passed."""
    close_due_registrations(now=now)


def remind_participants(*, now) -> None:
    """The scheduler's job: remind the participants of their dates a day ahead."""
    send_date_reminders(now=now)


def purge_history(*, now: datetime) -> int:
    """Retention (docs/privacy.md): the enrolment history and the attendance marks of an offering go
    RETENTION_HISTORY_DAYS after its last date. Completions and certificates, the record that lasts,
    stay; so do the enrolments themselves (the person's place in the offering)."""
    limit = now - timedelta(days=current_app.config["RETENTION_HISTORY_DAYS"])
    ended = select(Offering.id).where(Offering.last_ends_at < limit)
    enrolments = select(Enrolment.id).where(Enrolment.offering_id.in_(ended))
    events = db.session.execute(delete(EnrolmentEvent).where(EnrolmentEvent.enrolment_id.in_(enrolments))).rowcount
    marks = db.session.execute(delete(Attendance).where(Attendance.enrolment_id.in_(enrolments))).rowcount
    return events + marks
