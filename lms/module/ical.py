"""Offering dates as neutral calendar event records, for downloads, feeds and invitations."""
from lms.i18n import _l
from lms.ical import CalendarEvent
from lms.links import external_url
from lms.module.models import OfferingDate, OfferingState


def date_event(date: OfferingDate, *, waiting: bool = False, withdrawn: bool = False,
               extra_sequence: int = 0) -> CalendarEvent:
    """One date of an offering. *waiting* (waitlist, request) makes it TENTATIVE; a withdrawn
    enrolment or a cancelled offering makes it CANCELLED. The UID never changes for the date."""
    offering = date.offering
    module = offering.module
    cancelled = withdrawn or offering.state == OfferingState.CANCELLED
    changed = max(date.updated_at, offering.updated_at)
    link = external_url("module.offering", offering_id=offering.id)
    return CalendarEvent(
        uid=f"offering-date-{date.id}@{link.split('/')[2]}", starts_at=date.starts_at, ends_at=date.ends_at,
        summary=module.title + (str(_l(" (Warteliste)")) if waiting else ""), stamp=changed, last_modified=changed,
        location=date.location or date.online_url, description=module.summary, url=link,
        sequence=date.sequence + extra_sequence,
        status="CANCELLED" if cancelled else ("TENTATIVE" if waiting else "CONFIRMED"),
    )
