"""Calendar feeds: content, RFC 5545 shape (two parsers), updates, cancellations, tokens, HTTP caching."""
import logging
from datetime import timedelta
from pathlib import Path

import pytest
import vobject
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from sqlalchemy import select

from lms.extensions import db
from lms.kalender import services
from lms.kalender.models import FeedCache
from lms.logmask import MaskTokens
from lms.module import services as module_services
from lms.module.services import DateInput, OfferingInput
from tests.conftest import FIXED_NOW, login_as

GOLDEN = Path(__file__).parent / "golden"


def _events(body: bytes):
    return list(Calendar.from_ical(body).walk("VEVENT"))


def _feed_url(user):
    row = services.ensure_token(user, now=FIXED_NOW)
    db.session.commit()
    return f"/kalender/{services.token_value(row)}.ics"


def _check_rfc5545(body: bytes, *, urls: bool = True) -> None:
    """What real clients need, checked on the raw text and by two independent parsers. Every feed,
    empty or not, carries the VTIMEZONE; every event its URL unless *urls* is false."""
    text = body.decode("utf-8")
    assert "\n" not in text.replace("\r\n", "")  # CRLF line ends only
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))  # folded
    calendar = Calendar.from_ical(body)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    for event in calendar.walk("VEVENT"):
        for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "SEQUENCE", "STATUS", "LAST-MODIFIED",
                     *(["URL"] if urls else [])):
            assert name in event, name
        assert event["DTSTART"].dt.tzinfo is not None  # never floating
        # Berlin wall time, or UTC where that is ambiguous (tests/test_calendar_clients.py)
        assert event["DTSTART"].params.get("TZID") == "Europe/Berlin" or event["DTSTART"].to_ical().endswith(b"Z")
    parsed = vobject.readOne(text)  # a second, independent parser
    assert len(list(parsed.contents.get("vevent", []))) == len(calendar.walk("VEVENT"))


def test_private_feed_holds_enrolled_waitlisted_and_taught_dates(client, create_user, create_offering, trainer, now):
    person = create_user("coordinator")
    seat = create_offering(capacity=5, dates=2)
    full = create_offering(capacity=1)
    module_services.enrol(create_user("coordinator"), full, now=now)
    module_services.enrol(person, seat, now=now)
    module_services.enrol(person, full, now=now)
    db.session.commit()
    response = client.get(_feed_url(person))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    _check_rfc5545(response.data)
    summaries = sorted((str(e["SUMMARY"]), str(e["STATUS"])) for e in _events(response.data))
    assert summaries == [(seat.module.title, "CONFIRMED")] * 2 + [(f"{full.module.title} (Warteliste)", "TENTATIVE")]
    taught = client.get(_feed_url(trainer)).data
    assert len(_events(taught)) == 3  # the trainer teaches all three dates


def test_public_feeds_all_module_region_dimension(client, create_module, create_offering, create_region):
    region = create_region("Leipzig")
    internal = create_offering(create_module(title="Moderation", dimension="internal"), region=region)
    create_offering(create_module(title="Recht", dimension="performance"))
    create_offering(create_module(title="Entwurf", state="draft"))
    create_offering(create_module(title="Geplant"), open_registration=False)

    def titles(url):
        response = client.get(url)
        assert response.status_code == 200, url
        _check_rfc5545(response.data)
        return sorted(str(e["SUMMARY"]) for e in _events(response.data))

    assert titles("/kalender/angebote.ics") == ["Moderation", "Recht"]
    assert titles(f"/kalender/module/{internal.module_id}.ics") == ["Moderation"]
    assert titles(f"/kalender/regionen/{region.id}.ics") == ["Moderation"]
    assert titles("/kalender/dimension/performance.ics") == ["Recht"]
    for missing in ("/kalender/module/999.ics", "/kalender/regionen/999.ics", "/kalender/dimension/quer.ics",
                    "/kalender/module/abc.ics"):
        assert client.get(missing).status_code == 404


def test_catalogue_and_module_pages_link_their_feeds(client, create_offering):
    offering = create_offering()
    assert 'type="text/calendar"' in client.get("/qualifizierung").get_data(as_text=True)
    page = client.get(f"/qualifizierung/module/{offering.module_id}").get_data(as_text=True)
    assert f'href="/kalender/module/{offering.module_id}.ics"' in page


def _move(offering, trainer, hours, now):
    date = offering.dates[0]
    module_services.update_offering(trainer, offering, OfferingInput(
        capacity=offering.capacity, registration_deadline=offering.registration_deadline, region_id=None,
        moderated=False, trainer_ids=[], dates=[DateInput(starts_at=date.starts_at + timedelta(hours=hours),
                                                          ends_at=date.ends_at + timedelta(hours=hours),
                                                          location=date.location, id=date.id)]), now=now)
    db.session.commit()


def test_moving_a_date_raises_sequence_and_changes_the_etag(client, create_offering, trainer, now):
    offering = create_offering()
    first = client.get("/kalender/angebote.ics")
    (before,) = _events(first.data)
    assert client.get("/kalender/angebote.ics", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    _move(offering, trainer, 2, now + timedelta(minutes=1))
    second = client.get("/kalender/angebote.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and second.headers["ETag"] != first.headers["ETag"]
    (after,) = _events(second.data)
    assert after["UID"] == before["UID"] and int(after["SEQUENCE"]) > int(before["SEQUENCE"])


def test_cancellation_stays_as_cancelled_with_the_same_uid_for_30_days(client, create_user, create_offering, trainer,
                                                                       app, now):
    offering = create_offering(starts_in=timedelta(days=60))
    person = create_user("coordinator")
    module_services.enrol(person, offering, now=now)
    db.session.commit()
    url = _feed_url(person)
    (before,) = _events(client.get(url).data)
    module_services.cancel_offering(trainer, offering, reason="Referentin erkrankt", now=now)
    db.session.commit()
    (after,) = _events(client.get(url).data)
    assert (after["UID"], str(after["STATUS"])) == (before["UID"], "CANCELLED")
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    with app.test_request_context():
        later = services.private_feed(person, "all", now=now + timedelta(days=31))
        assert services.events(later, now=now + timedelta(days=31)) == []


def test_withdrawing_turns_the_event_cancelled_in_the_private_feed(client, create_user, create_offering, now):
    offering = create_offering()
    person = create_user("coordinator")
    enrolment = module_services.enrol(person, offering, now=now)
    db.session.commit()
    url = _feed_url(person)
    (before,) = _events(client.get(url).data)
    module_services.cancel_enrolment(person, enrolment, now=now)
    db.session.commit()
    (after,) = _events(client.get(url).data)
    assert str(after["STATUS"]) == "CANCELLED" and int(after["SEQUENCE"]) > int(before["SEQUENCE"])


def test_a_new_address_kills_the_old_one(client, create_user, create_offering, now):
    person = create_user("coordinator")
    old = _feed_url(person)
    assert client.get(old).status_code == 200
    login_as(client, person)
    client.post("/konto/kalender")  # the confirmation page: nothing changes yet
    assert client.get(old).status_code == 200
    client.post("/konto/kalender", data={"bestaetigt": "1"})
    assert client.get(old).status_code == 404
    new = f"/kalender/{services.token_value(services.active_token(person))}.ics"
    assert new != old and client.get(new).status_code == 200


def test_deactivating_a_user_stops_the_feed(client, create_user, now):
    person = create_user("coordinator")
    url = _feed_url(person)
    person.active = False
    db.session.commit()
    assert client.get(url).status_code == 404


def test_tokens_are_long_and_stored_only_as_hashes(create_user, app, now):
    row = services.new_token(create_user("coordinator"), now=now)
    token = services.token_value(row)
    assert len(token) >= 32 and token not in (row.token_hash, row.nonce)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=st.text(min_size=0, max_size=200))
def test_no_token_string_causes_a_server_error(client, token):
    response = client.get(f"/kalender/{token}.ics")
    assert response.status_code in (200, 404, 308, 301)


@pytest.mark.parametrize("app_config", [{"FEED_RECHECK_SECONDS": 0}])  # the app's own path, not the memory
def test_conditional_get_does_not_build_and_unchanged_feeds_come_from_the_cache(client, create_offering, monkeypatch):
    create_offering()
    first = client.get("/kalender/angebote.ics")
    assert db.session.scalar(select(FeedCache.key)) == "public:all"

    def fail(*args, **kwargs):
        raise AssertionError("built again")

    monkeypatch.setattr(services, "events", fail)
    assert client.get("/kalender/angebote.ics", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    modified = client.get("/kalender/angebote.ics", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert modified.status_code == 304
    again = client.get("/kalender/angebote.ics")
    assert again.status_code == 200 and again.data == first.data
    head = client.head("/kalender/angebote.ics")
    assert head.status_code == 200 and head.headers["ETag"] == first.headers["ETag"]


def test_building_a_feed_runs_a_fixed_number_of_queries(client, create_module, create_offering, count_queries):
    create_offering(dates=1)
    client.get("/kalender/angebote.ics")  # the first event ever written also fixes the installation's UID domain
    create_offering(dates=1)
    with count_queries() as few:
        client.get("/kalender/angebote.ics")
    for _ in range(15):
        create_offering(create_module(), dates=3)
    with count_queries() as many:
        body = client.get("/kalender/angebote.ics").data
    assert len(_events(body)) == 47 and len(many) == len(few)


def test_headers_for_private_and_public_feeds(client, create_user):
    private = client.get(_feed_url(create_user("coordinator")))
    public = client.get("/kalender/angebote.ics")
    assert private.headers["Cache-Control"].startswith("private") and public.headers["Cache-Control"].startswith("public")
    assert private.headers["Referrer-Policy"] == "no-referrer" == public.headers["Referrer-Policy"]
    login_as(client, create_user("coordinator"))
    assert client.get("/konto/kalender").headers["Referrer-Policy"] == "no-referrer"


def test_access_logs_mask_the_token():
    record = logging.LogRecord("werkzeug", logging.INFO, "", 0, '%s - - "%s" %s',
                               ("127.0.0.1", "GET /kalender/AbC-123_xyzSECRETtoken9876543210.ics HTTP/1.1", "200"), None)
    MaskTokens().filter(record)
    assert "SECRET" not in record.getMessage() and "/kalender/***.ics" in record.getMessage()
    public = logging.LogRecord("werkzeug", logging.INFO, "", 0, "%s", ("GET /kalender/angebote.ics",), None)
    MaskTokens().filter(public)
    assert public.getMessage() == "GET /kalender/angebote.ics"


def test_single_date_download(client, create_offering, create_module):
    offering = create_offering(dates=2)
    response = client.get(f"/kalender/termine/{offering.dates[1].id}.ics")
    assert response.status_code == 200 and len(_events(response.data)) == 1
    hidden = create_offering(create_module(state="draft"))
    assert client.get(f"/kalender/termine/{hidden.dates[0].id}.ics").status_code == 404


def test_golden_file_pins_the_exact_output(client, create_module, trainer, now, monkeypatch):
    from datetime import UTC, datetime

    from lms.installation import uid_domain

    monkeypatch.setattr("lms.kalender.views.utcnow", lambda: datetime(2026, 12, 1, 9, tzinfo=UTC))  # in the window
    module = create_module(title="Rechtliche Grundlagen im Kinderschutz", summary="§§ 8a, 8b SGB VIII; KKG – Überblick")
    start = datetime(2027, 3, 27, 8, 0, tzinfo=UTC)  # the weekend of the spring change
    planned = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    module_services.create_offering(trainer, module, OfferingInput(
        capacity=12, registration_deadline=start - timedelta(days=7), region_id=None, moderated=False,
        trainer_ids=[], dates=[DateInput(starts_at=start, ends_at=start + timedelta(hours=7), location="Rathaus, Saal 2"),
                               DateInput(starts_at=start + timedelta(days=1), ends_at=start + timedelta(days=1, hours=7),
                                         location="Rathaus, Saal 2")]), open_registration=True, now=planned)
    db.session.commit()
    body = client.get(f"/kalender/module/{module.id}.ics").data
    expected = (GOLDEN / "module_feed.ics").read_bytes()  # ids vary between databases: placeholders
    offering_id = body.split(b"/angebote/")[1].split(b"\r\n")[0]
    expected = expected.replace(b"{OFFERING}", offering_id)
    first_date = body.split(b"UID:offering-date-")[1].split(b"@")[0]
    expected = expected.replace(b"{DATE1}", first_date).replace(b"{DATE2}", str(int(first_date) + 1).encode())
    assert body == expected.replace(b"{DOMAIN}", uid_domain().encode())


def test_recent_feed_bodies_are_kept_by_version_and_within_their_size():
    recent = services.RecentBodies(max_bytes=10)
    recent.put("a", "v1", b"12345")
    assert recent.get("a", "v1") == b"12345" and recent.get("a", "v2") is None  # another version: a miss
    recent.put("b", "v1", b"123456")  # 11 bytes in all: the least recently used goes
    assert recent.get("a", "v1") is None and recent.get("b", "v1") == b"123456"
    recent.put("b", "v2", b"1")
    assert recent.get("b", "v1") is None and recent.get("b", "v2") == b"1" and recent.size == 1


@pytest.mark.parametrize("app_config", [{"FEED_RECHECK_SECONDS": 0}])  # the app's own path, not the memory
def test_a_new_writer_version_renews_cached_feeds_and_their_etags(client, create_offering, monkeypatch):
    create_offering()
    first = client.get("/kalender/angebote.ics")
    monkeypatch.setattr(services, "WRITER_VERSION", services.WRITER_VERSION + 1)
    monkeypatch.setattr(services, "build_calendar", lambda *args, **kwargs: b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    again = client.get("/kalender/angebote.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and again.headers["ETag"] != first.headers["ETag"]
    assert again.data == b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"  # built again, not the cached bytes
