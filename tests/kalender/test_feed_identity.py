"""What a feed promises a subscribing calendar: one event per UID, SEQUENCE/DTSTAMP/LAST-MODIFIED
moving together, UIDs that survive a new LMS_BASE_URL, clean text, a bounded window with a constant
number of statements at 10,000 offerings, and a calendar frame (zone, name, refresh) even when empty."""
from datetime import timedelta

import vobject
from icalendar import Calendar
from sqlalchemy import func, insert, select

from lms import create_app
from lms.extensions import db
from lms.kalender import services
from lms.module import services as module_services
from lms.module.models import Offering, OfferingDate, OfferingState
from tests.conftest import FIXED_NOW, make_config
from tests.kalender.test_feeds import _check_rfc5545, _events, _feed_url


def _by_uid(body: bytes) -> dict[str, object]:
    events = _events(body)
    uids = [str(event["UID"]) for event in events]
    assert len(uids) == len(set(uids)), uids  # one event per UID
    return dict(zip(uids, events, strict=True))


def test_a_trainer_who_is_also_on_her_offering_gets_each_date_once(client, create_user, create_offering, trainer,
                                                                    now):
    offering = create_offering(dates=3)
    module_services.enrol(trainer, offering, now=now, actor=create_user("admin"))  # added by an admin
    db.session.commit()
    events = _by_uid(client.get(_feed_url(trainer)).data)
    assert len(events) == 3
    assert {str(event["STATUS"]) for event in events.values()} == {"CONFIRMED"}
    # She withdraws as participant: she still teaches, the dates stay and their SEQUENCE does not go back.
    enrolment = module_services.enrolment_for(trainer, offering)
    module_services.cancel_enrolment(trainer, enrolment, now=now + timedelta(minutes=5))
    db.session.commit()
    after = _by_uid(client.get(_feed_url(trainer)).data)
    assert set(after) == set(events) and {str(event["STATUS"]) for event in after.values()} == {"CONFIRMED"}
    for uid, event in after.items():
        assert event.decoded("SEQUENCE") >= events[uid].decoded("SEQUENCE")


def test_sequence_dtstamp_and_last_modified_move_together(client, create_user, create_offering, trainer, now):
    person = create_user("coordinator")
    offering = create_offering(dates=2)
    module_services.enrol(person, offering, now=now)
    db.session.commit()
    before = _by_uid(client.get(_feed_url(person)).data)
    later = now + timedelta(hours=2)
    module_services.cancel_enrolment(person, module_services.enrolment_for(person, offering), now=later)
    db.session.commit()
    after = _by_uid(client.get(_feed_url(person)).data)
    assert set(after) == set(before)
    for uid, event in after.items():
        assert str(event["STATUS"]) == "CANCELLED"
        assert event.decoded("SEQUENCE") == before[uid].decoded("SEQUENCE") + 1
        assert event.decoded("DTSTAMP") == event.decoded("LAST-MODIFIED") == later.replace(microsecond=0)
        assert event.decoded("DTSTAMP") > before[uid].decoded("DTSTAMP")


def test_uids_stay_when_the_base_url_changes(client, migrated_database, create_offering, create_user, book,
                                             create_expert):
    offering = create_offering(dates=2)
    booker = create_user("partner")
    consultation = book(booker, create_expert())
    feeds = {"public": "/kalender/angebote.ics", "private": _feed_url(booker)}
    first = {name: _by_uid(client.get(url).data) for name, url in feeds.items()}
    assert len(first["public"]) == 2 and f"consultation-{consultation.id}" in " ".join(first["private"])
    moved = create_app(make_config(migrated_database, BASE_URL="https://kinderschutz.landkreis-beispiel.de"))
    with moved.app_context():
        again = {name: _by_uid(moved.test_client().get(url).data) for name, url in feeds.items()}
    for name in feeds:
        assert set(again[name]) == set(first[name]), name
        assert all("lms.test" not in uid and "landkreis" not in uid for uid in again[name])
        assert all(str(event["URL"]).startswith("https://kinderschutz.landkreis-beispiel.de/")
                   for event in again[name].values()), name  # the links move, the identities stay
    assert offering.id


def test_control_characters_never_reach_a_feed(client, create_module, create_offering):
    # (No NUL: PostgreSQL refuses it in text columns, and the input layer removes it before.)
    module = create_module(title="Teil 1\x0bTeil 2\x01 \x1f\x7f\x85Ende", summary="Zeile\x0c1\r\nZeile 2\x1b[31m")
    create_offering(module)
    body = client.get(f"/kalender/module/{module.id}.ics").data
    text = body.decode()
    assert not any(ord(char) < 32 and char not in "\r\n" or 0x7f <= ord(char) <= 0x9f for char in text)
    _check_rfc5545(body)
    (event,) = _events(body)
    assert str(event["SUMMARY"]) == "Teil 1Teil 2 Ende" and str(event["DESCRIPTION"]) == "Zeile1\nZeile 2[31m"
    assert vobject.readOne(text).vevent.summary.value == "Teil 1Teil 2 Ende"


def test_an_empty_feed_still_names_its_zone_its_name_and_how_often_to_poll(client, create_user):
    body = client.get(_feed_url(create_user("coordinator"))).data
    _check_rfc5545(body)
    calendar = Calendar.from_ical(body)
    assert calendar.walk("VEVENT") == [] and [zone["TZID"] for zone in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert str(calendar["X-WR-CALNAME"]) == "Meine Termine" and str(calendar["NAME"]) == "Meine Termine"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in body and b"X-PUBLISHED-TTL:PT1H\r\n" in body


def _many_offerings(module, count: int) -> None:
    """*count* open offerings of *module*, two dates each, spread evenly from five years back to five ahead."""
    span = timedelta(days=3650) / count
    start = FIXED_NOW - timedelta(days=1825)
    offerings = [{"module_id": module.id, "capacity": 10, "seats_taken": 0, "registration_closed": False,
                  "moderated": False, "state": OfferingState.OPEN, "note": "",
                  "registration_deadline": start + span * index - timedelta(days=7),
                  "first_starts_at": start + span * index, "last_ends_at": start + span * index + timedelta(days=1, hours=7),
                  "created_at": FIXED_NOW, "updated_at": FIXED_NOW} for index in range(count)]
    db.session.execute(insert(Offering), offerings)
    ids = db.session.scalars(select(Offering.id).where(Offering.module_id == module.id).order_by(Offering.id)).all()
    dates = [{"offering_id": offering_id, "starts_at": start + span * index + timedelta(days=day),
              "ends_at": start + span * index + timedelta(days=day, hours=7), "location": "Rathaus",
              "online_url": "", "sequence": 0, "updated_at": FIXED_NOW}
             for index, offering_id in enumerate(ids) for day in (0, 1)]
    db.session.execute(insert(OfferingDate), dates)
    db.session.commit()


def test_feeds_hold_a_window_and_their_statement_count_stays_at_10000_offerings(
        client, app, create_module, create_offering, count_queries):
    create_offering(dates=1)
    client.get("/kalender/angebote.ics")  # the first event ever written fixes the UID domain
    few_module = create_module()
    create_offering(few_module, dates=2)
    with count_queries() as few:
        small = client.get("/kalender/angebote.ics")
    assert small.status_code == 200 and len(_events(small.data)) == 3
    _many_offerings(create_module(), 10_000)
    assert db.session.scalar(select(func.count(OfferingDate.id))) == 20_003
    with count_queries() as many:
        large = client.get("/kalender/angebote.ics")
    assert large.status_code == 200 and len(many) == len(few), many
    events = _events(large.data)
    since, until = FIXED_NOW - services.PAST_KEPT, FIXED_NOW + services.horizon()
    assert all(event.decoded("DTEND") > since - timedelta(hours=10) for event in events)
    assert all(event.decoded("DTSTART") < until + timedelta(hours=10) for event in events)
    # 10 years of dates, two a year's 1/1000th apart: about 13 months of them are in the window.
    assert 2000 < len(events) < 2400 and len(large.data) < 2_000_000
    assert services.horizon() == timedelta(days=365) and app.config["FEED_HORIZON_MONTHS"] == 12
    # A single date far outside the window is still downloadable on its own.
    oldest = db.session.scalar(select(OfferingDate.id).order_by(OfferingDate.starts_at).limit(1))
    assert len(_events(client.get(f"/kalender/termine/{oldest}.ics").data)) == 1


def test_the_settings_page_states_the_window(client, create_user):
    from tests.conftest import login_as

    login_as(client, create_user("coordinator"))
    page = client.get("/konto/kalender").get_data(as_text=True)
    assert "der letzten 30 Tage und der nächsten 12 Monate" in page
