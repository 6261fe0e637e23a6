"""iCalendar building blocks shared by downloads, feeds and invitation mails.

Domains describe their dated things as neutral `CalendarEvent` records; this module turns them into
RFC 5545 text with a Europe/Berlin VTIMEZONE, stable UIDs and CRLF line ends.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from icalendar.prop import vDuration

BERLIN = ZoneInfo("Europe/Berlin")
PRODID = "-//Netzwerke fuer Kinderschutz//lms//DE"


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    stamp: datetime
    location: str = ""
    description: str = ""
    url: str = ""
    sequence: int = 0
    status: str = "CONFIRMED"  # CONFIRMED, TENTATIVE or CANCELLED
    last_modified: datetime | None = None
    confidential: bool = False
    categories: tuple[str, ...] = field(default_factory=tuple)
    organizer: str = ""  # e-mail address; invitations (METHOD:REQUEST/CANCEL) need one
    attendees: tuple[str, ...] = field(default_factory=tuple)


def to_vevent(record: CalendarEvent) -> Event:
    event = Event()
    event.add("uid", record.uid)
    event.add("dtstamp", record.stamp)
    event.add("dtstart", record.starts_at.astimezone(BERLIN))
    event.add("dtend", record.ends_at.astimezone(BERLIN))
    event.add("summary", record.summary)
    event.add("sequence", record.sequence)
    event.add("status", record.status)
    if record.last_modified:
        event.add("last-modified", record.last_modified)
    if record.location:
        event.add("location", record.location)
    if record.description:
        event.add("description", record.description)
    if record.url:
        event.add("url", record.url)
    if record.confidential:
        event.add("class", "CONFIDENTIAL")
    if record.organizer:
        event.add("organizer", f"mailto:{record.organizer}")
    for attendee in record.attendees:
        event.add("attendee", f"mailto:{attendee}")
    return event


def build_calendar(records, *, name: str | None = None, method: str | None = None,
                   refresh: timedelta | None = None) -> bytes:
    """Serialize *records* as one VCALENDAR with the Europe/Berlin VTIMEZONE.

    *refresh* tells subscribing clients how often to poll.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("name", name)
        calendar.add("x-wr-calname", name)
    if refresh:
        calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(refresh))
    for record in records:
        calendar.add_component(to_vevent(record))
    calendar.add_missing_timezones()
    return calendar.to_ical()
