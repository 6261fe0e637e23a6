"""The mails of a booking: the neutral booking facts with the calendar part, and the reminders a day
and an hour before.

One place for what a mail about a consultation may say, whatever changed.
"""
from datetime import datetime, timedelta

from sqlalchemy import select, update

from lms.auth.models import User
from lms.beratung.catalogue import FORMAT_LABELS
from lms.beratung.ical import invitation
from lms.beratung.models import Consultation, ConsultationStatus
from lms.extensions import db
from lms.links import external_url
from lms.notifications.services import queue_mail


def _notify(consultation: Consultation, template: str, *, to: User, now: datetime, method: str | None = None,
            **context) -> None:
    """A mail with the neutral booking facts only, and the calendar part if *method* is given."""
    queue_mail(
        recipient=to.email, template=f"beratung/{template}", locale=to.locale, now=now, user=to,
        consultation=consultation, as_expert=to.id == consultation.expert_id,
        format_label=FORMAT_LABELS[consultation.format],
        link=external_url("beratung.consultation", consultation_id=consultation.id),
        calendar=invitation(consultation, method) if method else None, calendar_method=method, **context,
    )


REMINDERS = (
    ("reminded_day_at", timedelta(hours=24), "reminder_day"),
    ("reminded_hour_at", timedelta(hours=1), "reminder_hour"),
)


def send_consultation_reminders(*, now: datetime) -> int:
    """Remind both sides of confirmed bookings a day and an hour before; each reminder once.

    Each is claimed by a conditional update of its column, so a restarted or a second scheduler
    finds it taken. The day reminder is skipped for bookings made less than a day ahead.
    """
    sent = 0
    for column_name, lead, template in REMINDERS:
        column = getattr(Consultation, column_name)
        due = db.session.scalars(select(Consultation).where(
            Consultation.status == ConsultationStatus.CONFIRMED, column.is_(None),
            Consultation.starts_at > now, Consultation.starts_at <= now + lead)).all()
        for consultation in due:
            claimed = db.session.execute(
                update(Consultation).where(Consultation.id == consultation.id, column.is_(None))
                .values({column_name: now}).execution_options(synchronize_session=False)
            ).rowcount == 1
            if not claimed:
                continue
            if lead > timedelta(hours=1) and (consultation.scheduled_at > consultation.starts_at - lead
                                              or consultation.starts_at <= now + timedelta(hours=1)):
                continue
            for person in (consultation.booker, consultation.expert):
                if person is not None and person.is_active:
                    _notify(consultation, template, to=person, now=now)
                    sent += 1
    db.session.flush()
    return sent
