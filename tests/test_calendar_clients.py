"""Every calendar text the app writes gives, in three real parsers, the instants the database holds.

icalendar, vobject and Mozilla's ical.js (the parser inside Thunderbird, run by node through
tests/icaljs_instants.mjs) read each feed, download and invitation mail; each event's start and end
must be exactly the stored UTC instant, which is also what Python's zoneinfo makes of the written
text. The dates cover both DST periods, both change days (the spring gap, the autumn hour that
happens twice) and three years.
"""
import json
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import vobject
from icalendar import Calendar
from sqlalchemy import select

from lms.beratung import services as beratung_services
from lms.beratung.models import Consultation
from lms.extensions import db
from lms.ical import BERLIN
from lms.kalender import services
from lms.module import services as module_services
from lms.module.models import OfferingDate
from lms.module.services import DateInput, OfferingInput
from lms.netzwerk import bodies as network_bodies
from lms.netzwerk import meetings
from lms.netzwerk.models import Meeting
from lms.notifications.models import OutboxMessage
from tests.conftest import login_as
from tests.kalender.conftest import book, create_expert, free_slots  # noqa: F401 - shared fixtures
from tests.module.conftest import create_module, trainer  # noqa: F401 - shared fixtures

ROOT = Path(__file__).parent.parent
SCRIPT = Path(__file__).parent / "icaljs_instants.mjs"
PLANNED = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# (start, end) in UTC: summer and winter in 2026, 2027 and 2029, and the change days of 2027; the even
# ones are one offering's dates, the odd ones another's (an offering's dates must not overlap).
DATES = [
    (utc(2026, 9, 22, 7, 0), utc(2026, 9, 22, 14, 0)),  # CEST: 09:00–16:00
    (utc(2026, 12, 15, 8, 0), utc(2026, 12, 15, 15, 0)),  # CET
    (utc(2027, 3, 28, 0, 30), utc(2027, 3, 28, 3, 30)),  # 01:30 CET to 05:30 CEST, across the spring gap
    (utc(2027, 3, 28, 1, 0), utc(2027, 3, 28, 2, 0)),  # 03:00–04:00 CEST, right after the gap
    (utc(2027, 10, 31, 0, 30), utc(2027, 10, 31, 1, 30)),  # the first 02:30 CEST to the second 02:30 CET
    (utc(2027, 10, 31, 1, 0), utc(2027, 10, 31, 2, 30)),  # the second 02:00 CET to 03:30 CET
    (utc(2027, 10, 30, 23, 30), utc(2027, 10, 31, 0, 30)),  # 01:30 CEST to the first 02:30
    (utc(2027, 7, 1, 6, 0), utc(2027, 7, 1, 13, 0)),  # CEST
    (utc(2029, 1, 15, 8, 0), utc(2029, 1, 15, 15, 0)),  # CET
    (utc(2029, 7, 10, 7, 0), utc(2029, 7, 10, 14, 0)),  # CEST
]
# Consultations (one hour in a window from 08:00 Berlin): booked a week ahead of these moments.
BOOKED_FROM = [utc(2026, 6, 1, 9), utc(2027, 1, 10, 9), utc(2029, 8, 1, 9)]
PLACE = ("Rathaus; Saal 2, Eingang \\ Hof 🏛 " * 10)[:300]  # as long as the column holds


@pytest.fixture
def app_config():
    return {"FEED_HORIZON_MONTHS": 48}  # feeds reach to 2030: every date of DATES is in them


@pytest.fixture(autouse=True)
def _feeds_read_in_summer_2026(monkeypatch):
    """The feeds are read on 1 September 2026: 30 days back and 48 months ahead hold every date."""
    monkeypatch.setattr("lms.kalender.views.utcnow", lambda: utc(2026, 9, 1, 8))


def _icaljs(calendars: list[bytes]) -> list[list[dict]]:
    """ical.js's instants for many calendars, from one node process."""
    node = shutil.which("node")
    assert node, "node is needed (Node.js 20+, see README)"
    assert (ROOT / "node_modules" / "ical.js").is_dir(), "run `npm ci --no-audit --no-fund` first"
    result = subprocess.run([node, str(SCRIPT)], input=json.dumps([body.decode() for body in calendars]),
                            capture_output=True, text=True, cwd=ROOT, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _seconds(moment: datetime) -> int:
    return int(moment.timestamp())


def _zoneinfo(body: bytes) -> list[tuple[str, int, int]]:
    """What Python's zoneinfo makes of each event's written DTSTART and DTEND (TZID or UTC)."""
    def instant(event: str, name: str) -> int:
        value = re.search(rf"^{name}(;TZID=Europe/Berlin)?:(\d{{8}}T\d{{6}})(Z?)$", event, re.MULTILINE)
        assert value, (name, event)
        zone = UTC if value[3] else BERLIN
        assert bool(value[1]) != bool(value[3]), event  # either TZID or UTC, never floating
        return _seconds(datetime.strptime(value[2], "%Y%m%dT%H%M%S").replace(tzinfo=zone))

    text = body.decode().replace("\r\n ", "").replace("\r\n", "\n")
    return [(re.search(r"^UID:(.*)$", event, re.MULTILINE)[1], instant(event, "DTSTART"), instant(event, "DTEND"))
            for event in text.split("BEGIN:VEVENT")[1:]]


def _icalendar(body: bytes) -> list[tuple[str, int, int]]:
    return [(str(event["UID"]), _seconds(event["DTSTART"].dt), _seconds(event["DTEND"].dt))
            for event in Calendar.from_ical(body).walk("VEVENT")]


def _icalendar_texts(body: bytes) -> list[tuple[str, str]]:
    return [(str(event["SUMMARY"]), str(event.get("LOCATION", ""))) for event in Calendar.from_ical(body).walk("VEVENT")]


def _vobject(body: bytes) -> list[tuple[str, int, int]]:
    calendar = vobject.readOne(body.decode())
    return [(event.uid.value, _seconds(event.dtstart.value), _seconds(event.dtend.value))
            for event in calendar.contents.get("vevent", [])]


def _vobject_texts(body: bytes) -> list[tuple[str, str]]:
    return [(event.summary.value, event.location.value if hasattr(event, "location") else "")
            for event in vobject.readOne(body.decode()).contents.get("vevent", [])]


def _stored() -> dict[str, tuple[int, int]]:
    """The instants the database holds, by the UID's part before the host."""
    dates = {f"offering-date-{row.id}": (_seconds(row.starts_at), _seconds(row.ends_at))
             for row in db.session.scalars(select(OfferingDate))}
    bookings = {f"consultation-{row.id}": (_seconds(row.starts_at), _seconds(row.ends_at))
                for row in db.session.scalars(select(Consultation))}
    meetings = {f"meeting-{row.id}": (_seconds(row.starts_at), _seconds(row.ends_at))
                for row in db.session.scalars(select(Meeting))}
    return dates | bookings | meetings


def _mails() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.calendar.is_not(None))
                                   .order_by(OutboxMessage.id)))


def _check_every_parser(calendars: dict[str, bytes], *, stored_then: dict[str, dict] | None = None) -> int:
    """Assert that all three parsers and zoneinfo give the stored instants (for a mail: those stored when
    it was written, *stored_then*); return the number of events checked."""
    names = list(calendars)
    checked = 0
    for name, icaljs in zip(names, _icaljs([calendars[name] for name in names]), strict=True):
        body = calendars[name]
        stored = (stored_then or {}).get(name) or _stored()
        expected = [(uid, *stored[uid.split("@")[0]]) for uid, _, _ in _icalendar(body)]
        assert expected, name
        assert _zoneinfo(body) == expected, name
        assert _icalendar(body) == expected, name
        assert _vobject(body) == expected, name
        assert [(event["uid"], event["start"], event["end"]) for event in icaljs] == expected, name
        texts = _icalendar_texts(body)  # and the same text: names with ;,\ and emoji, long places
        assert _vobject_texts(body) == texts, name
        assert [(event["summary"], event["location"]) for event in icaljs] == texts, name
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", body.decode()), name
        checked += len(expected)
    return checked


@pytest.fixture
def schedule(create_user, create_module, create_region, trainer, create_expert, book):  # noqa: F811 - fixtures
    """Offerings with DATES in a region (one a person is enrolled on), consultations of that person as booker
    and of an expert who is also enrolled, a public body's meeting the person is invited to, and the mails
    of booking, confirming, moving and cancelling, inviting and moving the meeting."""
    region = create_region("Görlitz")
    person = create_user("partner", name='Jana "JJ" Łukasz; Kita Sonne, Team \\ 🌻')
    profile = create_expert(name="Dr. Özlem Yıldız, M.A.; Fachberatung ^ 🧸")
    expert = profile.user
    offerings = []
    for index, dimension in enumerate(("internal", "performance")):
        module = create_module(title=f"Zeitumstellung {index}\x0b; Teil 1, \\ Nacht 🌙", dimension=dimension,
                               summary="Zeile 1\nZeile 2; mit, Kommas \\ " + "ä€" * 200, audiences=("youth_welfare", "expert"))
        first = min(start for start, _ in DATES)
        offerings.append(module_services.create_offering(trainer, module, OfferingInput(
            capacity=12, registration_deadline=first - timedelta(days=7), region_id=region.id, moderated=False,
            trainer_ids=[], dates=[DateInput(starts_at=start, ends_at=end, location=PLACE)
                                   for start, end in DATES[index::2]]), open_registration=True, now=PLANNED))
    db.session.commit()
    for user in (person, expert):
        module_services.enrol(user, offerings[0], now=PLANNED)
    db.session.commit()
    mails = {}  # mail name -> the instants stored when it was written

    def sent():
        db.session.commit()
        for mail in _mails():
            mails.setdefault(f"mail {mail.id} ({mail.calendar_method})", (mail.calendar.encode(), _stored()))

    bookings = []
    for moment in BOOKED_FROM:
        bookings.append(book(person, profile, now=moment))
        sent()
    beratung_services.confirm(expert, bookings[1], now=BOOKED_FROM[1])
    sent()
    beratung_services.cancel(person, bookings[2], reason="Termin entfällt", now=BOOKED_FROM[2])
    sent()
    # No expert window lies in the night, so the autumn hour that happens twice is set directly.
    night = bookings[0]
    night.starts_at, night.ends_at = utc(2027, 10, 31, 0, 30), utc(2027, 10, 31, 1, 30)
    beratung_services.confirm(expert, night, now=PLANNED)
    sent()
    # A public body the person sits in, with a meeting across the autumn change of 2026, moved once.
    keeper = create_user("coordinator", region=region, name="Koordination; Görlitz \\ 🧭")
    body = network_bodies.save_body(keeper, None, network_bodies.BodyInput(
        region_id=region.id, kind="forum", name="Netzwerkforum; Görlitz, \\ Ost 🌍", public=True), now=PLANNED)
    network_bodies.add_person(keeper, body, person.email)
    meeting = meetings.plan_meeting(keeper, body, meetings.MeetingInput(
        starts_at=utc(2026, 10, 24, 23, 30), ends_at=utc(2026, 10, 25, 0, 30), place=PLACE,
        online_url="https://meet.example.org/forum"), now=PLANNED)
    sent()
    meetings.change_meeting(keeper, meeting, meetings.MeetingInput(
        starts_at=utc(2026, 10, 25, 0, 30), ends_at=utc(2026, 10, 25, 1, 30), place=PLACE), now=PLANNED)
    sent()
    return {"region": region, "person": person, "expert": expert, "offerings": offerings, "bookings": bookings,
            "mails": mails, "body": body}


def _feed(client, user, scope):
    row = services.ensure_token(user, scope=scope, now=PLANNED)
    db.session.commit()
    return _get(client, f"/kalender/{services.token_value(row)}.ics")


def _get(client, url) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.headers["Content-Type"].startswith("text/calendar"), url
    return response.data


def test_every_calendar_the_app_writes_reads_alike_in_icalendar_vobject_and_icaljs(client, schedule):
    offerings, region = schedule["offerings"], schedule["region"]
    calendars = {
        f"{scope} feed of {who}": _feed(client, schedule[who], scope)
        for who in ("person", "expert") for scope in ("all", "consultations")
    }
    calendars |= {url: _get(client, url) for url in [
        "/kalender/angebote.ics", f"/kalender/module/{offerings[0].module_id}.ics",
        f"/kalender/module/{offerings[1].module_id}.ics", f"/kalender/regionen/{region.id}.ics",
        "/kalender/dimension/internal.ics", "/kalender/dimension/performance.ics",
        f"/kalender/gremien/{schedule['body'].id}.ics",
        *(f"/qualifizierung/angebote/{offering.id}/termine.ics" for offering in offerings),
        *(f"/kalender/termine/{date.id}.ics" for offering in offerings for date in offering.dates),
    ]}
    login_as(client, schedule["person"])
    calendars |= {f"/kalender/beratungen/{booking.id}.ics": _get(client, f"/kalender/beratungen/{booking.id}.ics")
                  for booking in schedule["bookings"]}
    mails = schedule["mails"]
    assert {name.split("(")[1] for name in mails} == {"REQUEST)", "CANCEL)"} and len(mails) == len(_mails())
    calendars |= {name: body for name, (body, _) in mails.items()}

    checked = _check_every_parser(calendars, stored_then={name: stored for name, (_, stored) in mails.items()})

    person_feed = calendars["all feed of person"]
    assert len(_icalendar(person_feed)) == len(offerings[0].dates) + 3 + 1  # 3 bookings, 1 meeting of her forum
    assert len(_icalendar(calendars["all feed of expert"])) == len(offerings[0].dates) + 3
    assert b"DTSTART:20271031T003000Z\r\nDTEND:20271031T013000Z\r\n" in person_feed  # ambiguous: in UTC
    assert b"DTSTART;TZID=Europe/Berlin:20260922T090000\r\n" in calendars["/kalender/angebote.ics"]
    assert b"DTSTART:20271031T003000Z\r\n" in list(calendars.values())[-3]  # the night booking's mail
    body_feed = calendars[f"/kalender/gremien/{schedule['body'].id}.ics"]
    assert b"DTSTART:20261025T003000Z\r\n" in body_feed and b"meet.example.org" not in body_feed  # no link for all
    assert checked > 60
