"""The direct iCalendar writer gives what the icalendar library writes for the same events."""
from datetime import UTC, datetime, timedelta

import vobject
from icalendar import Calendar, Event
from icalendar.prop import vDuration

from lms.ical import BERLIN, PRODID, CalendarEvent, build_calendar

START = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # the night of the change to summer time
TRICKY = CalendarEvent(
    uid="offering-date-1@lms.test", starts_at=START, ends_at=START + timedelta(hours=7),
    summary="Rechtliche Grundlagen; Teil 1, mit \\ Backslash und einem sehr langen Titel über äöü ß " * 2,
    stamp=START, location="Rathaus, Saal 2", description="Zeile 1\nZeile 2; Komma, Ende " + "€" * 40,
    url="http://lms.test/qualifizierung/angebote/1", sequence=3, status="TENTATIVE", last_modified=START,
)
INVITATION = CalendarEvent(
    uid="consultation-1@lms.test", starts_at=START + timedelta(days=200), ends_at=START + timedelta(days=200, hours=1),
    summary="Fachberatung – vertraulich", stamp=START + timedelta(microseconds=5), confidential=True,
    organizer="lms@example.org", attendees=("e@example.org", "p@example.org"), status="CANCELLED",
    location="Telefon: 0351 1",
)


def reference(records, *, name=None, method=None, refresh=None) -> bytes:
    """The same calendar built with icalendar's component objects."""
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
        event = Event()
        event.add("uid", record.uid)
        event.add("dtstamp", record.stamp)
        event.add("dtstart", record.starts_at.astimezone(BERLIN))
        event.add("dtend", record.ends_at.astimezone(BERLIN))
        event.add("summary", record.summary)
        event.add("sequence", record.sequence)
        event.add("status", record.status)
        for key, value in (("last-modified", record.last_modified), ("location", record.location),
                           ("description", record.description), ("url", record.url)):
            if value:
                event.add(key, value)
        if record.confidential:
            event.add("class", "CONFIDENTIAL")
        if record.organizer:
            event.add("organizer", f"mailto:{record.organizer}")
        for attendee in record.attendees:
            event.add("attendee", f"mailto:{attendee}")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def test_events_are_written_byte_for_byte_as_icalendar_writes_them():
    for options in ({}, {"name": "Meine Termine", "refresh": timedelta(hours=1)}, {"method": "REQUEST"},
                    {"method": "CANCEL", "name": "Fachberatung"}):
        assert build_calendar([TRICKY, INVITATION], **options) == reference([TRICKY, INVITATION], **options), options
        assert build_calendar([], **options) == reference([], **options), options


def test_calendar_names_are_escaped_text_that_parsers_read_back():
    # icalendar writes and reads these two names unescaped; RFC 7986 and RFC 5545 (3.8.8.2) make
    # them TEXT, and vobject (like calendar apps) reads the escapes back.
    body = build_calendar([TRICKY], name="Termine, alle; a\\b")
    assert b"\r\nNAME:Termine\\, alle\\; a\\\\b\r\n" in body
    assert b"X-WR-CALNAME:Termine\\, alle\\; a\\\\b\r\n" in body
    assert vobject.readOne(body.decode()).x_wr_calname.value == "Termine, alle; a\\b"
    (event,) = Calendar.from_ical(body).walk("VEVENT")
    assert str(event["SUMMARY"]) == TRICKY.summary and str(event["DESCRIPTION"]) == TRICKY.description
