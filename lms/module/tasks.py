"""Scheduled work of the qualification package: closing registrations whose deadline has passed and
reminding participants of their dates (the scheduler calls `close_registrations` and
`remind_participants`)."""
from datetime import datetime, timedelta

from sqlalchemy import select, update

from lms.extensions import db
from lms.module.models import Enrolment, EnrolmentStatus, Offering, OfferingDate, OfferingState
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
