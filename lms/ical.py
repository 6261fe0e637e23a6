"""iCalendar building blocks shared by downloads, feeds and invitation mails.

Domains describe their dated things as neutral `CalendarEvent` records; this module turns them into
RFC 5545 text with a Europe/Berlin VTIMEZONE, stable UIDs and CRLF line ends.

The VTIMEZONE states the rule (yearly RRULEs for the last Sundays of March and October), as
Outlook, Google, Apple and tzurl.org write it, so every client reads it alike and for every year:
the list of RDATEs that icalendar's add_missing_timezones() writes is read by Mozilla's ical.js
(Thunderbird) and vobject as its first value only, which put summer dates an hour off. A moment
whose Berlin wall time is ambiguous (the autumn hour that happens twice) or does not exist is
written in UTC, since a wall time with TZID cannot say which one is meant. (The rule holds from
1996; before that, Berlin's autumn change fell in September.)

Calendars poll feeds all day, so the text is written directly rather than through icalendar's
component objects, which cost several times the serialization itself. The output is what
icalendar writes for the same events, property by property, with the same escaping and line
folding; tests/test_ical.py compares the two, giving icalendar the same VTIMEZONE. One difference:
NAME and X-WR-CALNAME are escaped as the TEXT values RFC 7986 says they are.
"""
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from flask import current_app
from icalendar.prop import vDuration

from lms.db import utcnow
from lms.inputs import clean_text
from lms.installation import uid_domain

BERLIN = ZoneInfo("Europe/Berlin")


def berlin_today(now: datetime | None = None) -> date:
    """The day it is in Berlin at *now*, by default the app's clock: "today" for validity and due
    dates. Never the UTC date, which is still yesterday's until 01:00 (02:00 in summer)."""
    return (now or utcnow()).astimezone(BERLIN).date()


def from_berlin(day, clock) -> datetime:
    """A wall-clock time in Europe/Berlin (as people type it into a form) as an aware UTC datetime."""
    return datetime.combine(day, clock, tzinfo=BERLIN).astimezone(UTC)

PRODID = "-//Netzwerke fuer Kinderschutz//lms//DE"
# Raise when the text written for the same events changes, so cached feeds and their ETags renew.
WRITER_VERSION = 3
BERLIN_VTIMEZONE = (
    "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"
    "BEGIN:DAYLIGHT\r\nDTSTART:19810329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
    "TZNAME:CEST\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\nDTSTART:19961027T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    "TZNAME:CET\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
)


@dataclass(frozen=True)
class Organizer:
    """ORGANIZER of an invitation: the person replies go to. The mail itself comes from the app's
    sender, named in SENT-BY (RFC 5545 3.2.18), so clients show on whose behalf it was sent."""

    email: str
    name: str = ""
    sent_by: str = ""


def organizer(email: str | None, name: str) -> Organizer:
    """The person replies go to, the app's sender named as sending for them; *email* None: the
    sender itself (the issuing body), which needs no SENT-BY."""
    sender = parseaddr(current_app.config["MAIL_SENDER"])[1]
    email = email or sender
    return Organizer(email, name, sent_by="" if email == sender else sender)


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str = ""
    role: str = "REQ-PARTICIPANT"  # CHAIR, REQ-PARTICIPANT, OPT-PARTICIPANT
    partstat: str = "NEEDS-ACTION"  # ACCEPTED, TENTATIVE, DECLINED, NEEDS-ACTION
    rsvp: bool = False  # whether a reply by mail is asked for


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
    organizer: Organizer | None = None  # invitations (METHOD:REQUEST/CANCEL) need one
    attendees: tuple[Attendee, ...] = field(default_factory=tuple)


def event_uid(kind: str, number: int) -> str:
    """The UID of a dated thing, e.g. "consultation-12@lms-3f09c2a1b4d5.invalid": the same in every
    feed, download and invitation, and independent of LMS_BASE_URL (`lms.installation`)."""
    return f"{kind}-{number}@{uid_domain()}"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _moment(name: str, moment: datetime) -> str:
    """DTSTART or DTEND: the Berlin wall time with TZID, or UTC where the wall time is ambiguous
    (the repeated autumn hour) or, for a time given in Berlin, does not exist (the spring gap)."""
    local = moment.astimezone(UTC).astimezone(BERLIN)
    given = moment.replace(tzinfo=None) if getattr(moment.tzinfo, "key", None) == BERLIN.key else None
    repeated = local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()
    if repeated or given not in (None, local.replace(tzinfo=None)):
        return f"{name}:{_utc(moment)}"
    return f"{name};TZID=Europe/Berlin:{local.strftime('%Y%m%dT%H%M%S')}"


def _text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): control characters removed (e.g. Word's soft line break,
    U+000B, which the RFC forbids and some parsers refuse), backslash, semicolon, comma and line
    breaks escaped."""
    return (clean_text(value).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _param(value: str) -> str:
    """A parameter value such as CN: RFC 6868 caret escapes for caret, line break and double quote,
    quoted when it holds a character that ends a parameter (as icalendar writes it)."""
    value = clean_text(value).replace("^", "^^").replace("\r\n", "^n").replace("\n", "^n").replace('"', "^'")
    return f'"{value}"' if any(char in value for char in ",;:\u2019") else value


def _address(name: str, params: dict[str, str], email: str) -> str:
    """An ORGANIZER or ATTENDEE line, its parameters in alphabetical order as icalendar writes them."""
    given = "".join(f";{key}={_param(value)}" for key, value in sorted(params.items()) if value)
    return f"{name}{given}:mailto:{email}"


def _attendee(person: Attendee) -> str:
    return _address("ATTENDEE", {"CN": person.name, "PARTSTAT": person.partstat, "ROLE": person.role,
                                 "RSVP": "TRUE" if person.rsvp else "FALSE"}, person.email)


def _fold(line: str) -> str:
    """Fold a content line into pieces of at most 74 octets, never splitting a character or an
    escape sequence (RFC 5545 3.1), as icalendar does."""
    if len(line) < 75 and line.isascii():
        return line
    pieces, current, size = [], [], 0
    for char in line:
        width = len(char.encode())
        if current and size + width >= 75:
            carried = [current.pop()] if len(current) > 1 and current[-1] in "\\^" else []
            pieces.append("".join(current))
            current, size = carried, sum(len(c.encode()) for c in carried)
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def _vevent(record: CalendarEvent) -> list[str]:
    """The content lines of one event, in icalendar's order: its canonical properties first, then
    the others alphabetically."""
    lines = [
        f"SUMMARY:{_text(record.summary)}",
        _moment("DTSTART", record.starts_at),
        _moment("DTEND", record.ends_at),
        f"DTSTAMP:{_utc(record.stamp)}",
        f"UID:{_text(record.uid)}",
        f"SEQUENCE:{record.sequence}",
    ]
    rest = [_attendee(person) for person in record.attendees]
    if record.confidential:
        rest.append("CLASS:CONFIDENTIAL")
    if record.description:
        rest.append(f"DESCRIPTION:{_text(record.description)}")
    if record.last_modified:
        rest.append(f"LAST-MODIFIED:{_utc(record.last_modified)}")
    if record.location:
        rest.append(f"LOCATION:{_text(record.location)}")
    if record.organizer:
        organizer = record.organizer
        rest.append(_address("ORGANIZER", {"CN": organizer.name, "SENT-BY": organizer.sent_by and
                                           f"mailto:{organizer.sent_by}"}, organizer.email))
    rest.append(f"STATUS:{_text(record.status)}")
    if record.url:
        rest.append(f"URL:{record.url}")
    return ["BEGIN:VEVENT", *lines, *rest, "END:VEVENT"]


def build_calendar(records, *, name: str | None = None, method: str | None = None,
                   refresh: timedelta | None = None) -> bytes:
    """Serialize *records* as one VCALENDAR with the Europe/Berlin VTIMEZONE (also when it holds no
    events: clients take a subscribed calendar's zone from it).

    *refresh* tells subscribing clients how often to poll.
    """
    header = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{_text(PRODID)}", "CALSCALE:GREGORIAN"]
    if method:
        header.append(f"METHOD:{_text(method)}")
    if name:
        header += [f"NAME:{_text(name)}", f"X-WR-CALNAME:{_text(name)}"]
    if refresh:
        duration = vDuration(refresh).to_ical().decode()
        header += [f"REFRESH-INTERVAL;VALUE=DURATION:{duration}", f"X-PUBLISHED-TTL:{duration}"]
    events = [line for record in records for line in _vevent(record)]
    parts = ["\r\n".join(_fold(line) for line in header), "\r\n", BERLIN_VTIMEZONE]
    if events:
        parts += ["\r\n".join(_fold(line) for line in events), "\r\n"]
    parts.append("END:VCALENDAR\r\n")
    return "".join(parts).encode()
