"""The mails of qualification: status mails to a participant and the calendar invitations they carry.

Every service that changes a person's place writes its mail through `_notify` (or `_date_mail` for a
single date), in the same transaction as the change.
"""
from dataclasses import replace
from datetime import datetime

from sqlalchemy import func, select

from lms.extensions import db
from lms.ical import build_calendar
from lms.links import external_url
from lms.module.ical import date_event
from lms.module.models import Enrolment, EnrolmentEvent, EnrolmentStatus, Offering, OfferingDate, OfferingState
from lms.notifications.services import queue_mail

#
# Invitations (RFC 5546 iTIP). A person holds an offering's dates in their calendar exactly while
# their enrolment has a seat: the "enrolled" and "promoted" mails carry METHOD:REQUEST (CONFIRMED,
# PARTSTAT ACCEPTED); a withdrawal, a removal or a cancelled offering carries METHOD:CANCEL for the
# same UIDs (`offering-date-<id>@<domain>`, as in the feeds). Waitlist and request mails carry none;
# trainers get none either, their private feed shows what they teach.
#
# One iTIP object holds exactly one event: Outlook and Google read only the first of several. So
# the status mail carries the offering's first date that has not ended yet, and each further one
# gets a short mail of its own (date_invitation, date_cancelled). Dates already over get nothing.
#
# SEQUENCE is the date's own plus the number of status changes of the person's enrolment, and
# DTSTAMP moves with the enrolment's last change: what the private feed writes
# (`lms.kalender.services.events`), so feed and mail agree and every later message counts higher.

INVITATION_TEMPLATES = {"REQUEST": "date_invitation", "CANCEL": "date_cancelled"}


def _status_changes(enrolment: Enrolment) -> int:
    return db.session.scalar(select(func.count(EnrolmentEvent.id)).where(EnrolmentEvent.enrolment_id == enrolment.id))


def _participants(offering: Offering) -> list[tuple[Enrolment, int]]:
    """The offering's enrolled participants who do not teach it, each with its number of status changes."""
    changes = (select(func.count(EnrolmentEvent.id)).where(EnrolmentEvent.enrolment_id == Enrolment.id)
               .correlate(Enrolment).scalar_subquery())
    rows = db.session.execute(
        select(Enrolment, changes)
        .where(Enrolment.offering_id == offering.id, Enrolment.status == EnrolmentStatus.ENROLLED)
        .order_by(Enrolment.id)
    ).all()
    return [(enrolment, count) for enrolment, count in rows if not offering.taught_by(enrolment.user)]


def _invitation(enrolment: Enrolment, date: OfferingDate, method: str, *, changes: int,
                dropped: bool = False) -> str:
    """The iTIP text of one date for *enrolment*'s person, with *changes* the enrolment's status changes.

    A CANCEL of a withdrawal or removal marks the person's answer DECLINED; a cancelled offering or a
    *dropped* date (removed from the offering) is CANCELLED for everyone, the person's answer unchanged.
    """
    withdrawn = method == "CANCEL" and not dropped and date.offering.state != OfferingState.CANCELLED
    event = date_event(date, withdrawn=withdrawn, extra_sequence=changes, changed=enrolment.updated_at,
                       attendee=enrolment.user)
    if dropped:
        event = replace(event, status="CANCELLED")
    return build_calendar([event], method=method).decode()


def _date_mail(enrolment: Enrolment, offering: Offering, date: OfferingDate, method: str, calendar: str, *,
               now: datetime, changed: bool = False) -> None:
    """A short mail carrying one date's invitation (REQUEST) or its cancellation (CANCEL).

    *offering* is given because a date removed from it no longer points to it.
    """
    user = enrolment.user
    queue_mail(
        recipient=user.email, template=f"module/{INVITATION_TEMPLATES[method]}", locale=user.locale, now=now,
        user=user, offering=offering, module=offering.module, date=date, changed=changed,
        link=external_url("module.offering", offering_id=offering.id), calendar=calendar, calendar_method=method,
    )


def _notify(enrolment: Enrolment, template: str, *, now: datetime, method: str | None = None, **context) -> None:
    """Mail *enrolment*'s person; with *method* ("REQUEST" or "CANCEL") also the upcoming dates'
    invitations: the first in this mail, each further one in a mail of its own."""
    offering = enrolment.offering
    user = enrolment.user
    upcoming = []
    if method and not offering.taught_by(user):
        upcoming = sorted((date for date in offering.dates if date.ends_at > now), key=lambda date: date.starts_at)
    changes = _status_changes(enrolment) if upcoming else 0
    calendars = [_invitation(enrolment, date, method, changes=changes) for date in upcoming]
    queue_mail(
        recipient=user.email, template=f"module/{template}", locale=user.locale, now=now,
        user=user, offering=offering, module=offering.module,
        link=external_url("module.offering", offering_id=offering.id),
        calendar=calendars[0] if calendars else None, calendar_method=method if calendars else None, **context,
    )
    for date, calendar in zip(upcoming[1:], calendars[1:]):
        _date_mail(enrolment, offering, date, method, calendar, now=now)
