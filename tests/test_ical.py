"""The direct iCalendar writer gives what the icalendar library writes for the same events."""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import vobject
from icalendar import Calendar, Event
from icalendar.prop import vCalAddress, vDuration

from lms.ical import BERLIN, BERLIN_VTIMEZONE, PRODID, Attendee, CalendarEvent, Organizer, build_calendar

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
    organizer=Organizer("e@example.org", "Dr. Erika Muster, M.A.", sent_by="lms@example.org"),
    attendees=(Attendee("e@example.org", "Dr. Erika Muster, M.A.", role="CHAIR", partstat="ACCEPTED"),
               Attendee("p@example.org", 'Paula "Pia" O\u2019Neill; Kita ^Sonne^ 🌻', rsvp=True)), status="CANCELLED",
    location="Telefon: 0351 1",
)
REPEATED = CalendarEvent(  # 02:30 to 02:30: the first and the second time the autumn hour comes round
    uid="offering-date-2@lms.test", starts_at=datetime(2027, 10, 31, 0, 30, tzinfo=UTC),
    ends_at=datetime(2027, 10, 31, 1, 30, tzinfo=UTC), summary="Nachtschicht", stamp=START,
)
GAP = CalendarEvent(  # 02:30 on the spring change day does not exist on Berlin clocks
    uid="offering-date-3@lms.test", starts_at=datetime(2027, 3, 28, 2, 30, tzinfo=ZoneInfo("Europe/Berlin")),
    ends_at=datetime(2027, 3, 28, 4, 0, tzinfo=BERLIN), summary="Frühschicht", stamp=START,
)
RECORDS = [TRICKY, INVITATION, REPEATED, GAP]


def _icalendar_moment(moment: datetime) -> datetime:
    """What lms/ical.py writes, as icalendar's value: UTC where the Berlin wall time is ambiguous or missing."""
    local = moment.astimezone(UTC).astimezone(BERLIN)
    missing = moment.tzinfo is BERLIN and moment.replace(tzinfo=None) != local.replace(tzinfo=None)
    ambiguous = local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()
    return moment.astimezone(UTC) if missing or ambiguous else local


def _timezone():
    return Calendar.from_ical(f"BEGIN:VCALENDAR\r\n{BERLIN_VTIMEZONE}END:VCALENDAR\r\n").walk("VTIMEZONE")[0]


def reference(records, *, name=None, method=None, refresh=None) -> bytes:
    """The same calendar built with icalendar's component objects, given the same VTIMEZONE."""
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
        event.add("dtstart", _icalendar_moment(record.starts_at))
        event.add("dtend", _icalendar_moment(record.ends_at))
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
            organizer = vCalAddress(f"mailto:{record.organizer.email}")
            organizer.params["CN"] = record.organizer.name
            if record.organizer.sent_by:
                organizer.params["SENT-BY"] = f"mailto:{record.organizer.sent_by}"
            event.add("organizer", organizer)
        for person in record.attendees:
            attendee = vCalAddress(f"mailto:{person.email}")
            attendee.params.update({"CN": person.name, "ROLE": person.role, "PARTSTAT": person.partstat,
                                    "RSVP": "TRUE" if person.rsvp else "FALSE"})
            event.add("attendee", attendee)
        calendar.add_component(event)
    calendar.subcomponents.insert(0, _timezone())  # where add_missing_timezones() puts it
    return calendar.to_ical()


def _same_timezone_text(body: bytes) -> bytes:
    """*body* with icalendar's spelling of the VTIMEZONE replaced by ours, once they are shown equal.

    icalendar writes RRULE parts in its own order (BYDAY before BYMONTH); we keep the order Outlook
    and tzurl.org use. Both say the same, so the component is compared property by property."""
    ours = _timezone()
    theirs = ours.to_ical()
    if theirs not in body:
        return body
    assert Calendar.from_ical(theirs) == ours
    assert [item for part in ours.walk() for item in part.property_items()] == [
        item for part in Calendar.from_ical(theirs).walk() for item in part.property_items()]
    return body.replace(theirs, BERLIN_VTIMEZONE.encode())


def test_events_are_written_byte_for_byte_as_icalendar_writes_them():
    for options in ({}, {"name": "Meine Termine", "refresh": timedelta(hours=1)}, {"method": "REQUEST"},
                    {"method": "CANCEL", "name": "Fachberatung"}):
        expected = _same_timezone_text(reference(RECORDS, **options))
        assert BERLIN_VTIMEZONE.encode() in expected, options
        assert build_calendar(RECORDS, **options) == expected, options
        assert build_calendar([], **options) == _same_timezone_text(reference([], **options)), options


def test_the_timezone_states_the_rule_for_every_year_and_ambiguous_times_are_written_in_utc():
    body = build_calendar(RECORDS).decode()
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n" in body and "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n" in body
    assert "RDATE" not in body and "COMMENT" not in body
    assert "DTSTART:20271031T003000Z\r\nDTEND:20271031T013000Z\r\n" in body
    assert "DTSTART:20270328T013000Z\r\nDTEND;TZID=Europe/Berlin:20270328T040000\r\n" in body
    assert "DTSTART;TZID=Europe/Berlin:20260329T013000\r\nDTEND;TZID=Europe/Berlin:20260329T093000\r\n" in body


def test_calendar_names_are_escaped_text_that_parsers_read_back():
    # icalendar writes and reads these two names unescaped; RFC 7986 and RFC 5545 (3.8.8.2) make
    # them TEXT, and vobject (like calendar apps) reads the escapes back.
    body = build_calendar([TRICKY], name="Termine, alle; a\\b")
    assert b"\r\nNAME:Termine\\, alle\\; a\\\\b\r\n" in body
    assert b"X-WR-CALNAME:Termine\\, alle\\; a\\\\b\r\n" in body
    assert vobject.readOne(body.decode()).x_wr_calname.value == "Termine, alle; a\\b"
    (event,) = Calendar.from_ical(body).walk("VEVENT")
    assert str(event["SUMMARY"]) == TRICKY.summary and str(event["DESCRIPTION"]) == TRICKY.description
