"""Offering dates as neutral calendar event records, for downloads, feeds and invitations."""
from datetime import datetime

from flask import current_app

from lms.auth.models import User
from lms.i18n import _l
from lms.ical import Attendee, CalendarEvent, Organizer, event_uid, organizer
from lms.links import external_url
from lms.module.models import Offering, OfferingDate, OfferingState


def organizer_of(offering: Offering) -> Organizer:
    """Who answers for an offering's dates: its lead trainer (the first of its trainers, else of its
    module's, by name), else the issuing body (CERTIFICATE_ISSUER at the sender's address)."""
    lead = next(iter(offering.trainers or offering.module.trainers), None)
    if lead is None:
        return organizer(None, current_app.config["CERTIFICATE_ISSUER"])
    return organizer(lead.email, lead.name)


def date_event(date: OfferingDate, *, waiting: bool = False, withdrawn: bool = False, extra_sequence: int = 0,
               changed: datetime | None = None, attendee: User | None = None) -> CalendarEvent:
    """One date of an offering. *waiting* (waitlist, request) makes it TENTATIVE; a withdrawn
    enrolment or a cancelled offering makes it CANCELLED. The UID never changes for the date.

    *extra_sequence* and *changed* are the person's own changes (their enrolment's status changes
    and its last change), so DTSTAMP and LAST-MODIFIED move whenever SEQUENCE does. *attendee*
    makes it an invitation to that person, organized by `organizer_of` the offering.
    """
    offering = date.offering
    module = offering.module
    cancelled = withdrawn or offering.state == OfferingState.CANCELLED
    changed = max(filter(None, (date.updated_at, offering.updated_at, changed)))
    link = external_url("module.offering", offering_id=offering.id)
    status = "CANCELLED" if cancelled else ("TENTATIVE" if waiting else "CONFIRMED")
    people = {}
    if attendee is not None:
        answer = "DECLINED" if withdrawn else ("TENTATIVE" if waiting else "ACCEPTED")
        people = {"organizer": organizer_of(offering),
                  "attendees": (Attendee(attendee.email, attendee.name, partstat=answer),)}
    return CalendarEvent(
        uid=event_uid("offering-date", date.id), starts_at=date.starts_at, ends_at=date.ends_at,
        summary=module.title + (str(_l(" (Warteliste)")) if waiting else ""), stamp=changed, last_modified=changed,
        location=date.location or date.online_url, description=module.summary, url=link,
        sequence=date.sequence + extra_sequence, status=status, **people,
    )
