"""Repeated feed polls answered from memory (`lms.kalender.polling`): what is kept, for how long, and
what forgets it."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from lms.extensions import db
from lms.kalender import polling, services
from lms.kalender.polling import EXTENSION
from lms.module import services as module_services
from lms.module.models import OfferingDate
from lms.module.services import DateInput, OfferingInput
from tests.conftest import FIXED_NOW, login_as

FEED = "/kalender/angebote.ics"


@pytest.fixture
def polls(app):
    return app.extensions[EXTENSION]


def _change_behind_the_apps_back(date_id: int) -> None:
    """What another process's write looks like to this one: no session of this process is involved."""
    with db.engine.begin() as connection:
        connection.execute(update(OfferingDate).where(OfferingDate.id == date_id).values(
            location="Anderswo", sequence=OfferingDate.sequence + 1, updated_at=FIXED_NOW + timedelta(minutes=5)))


def test_a_repeated_poll_is_answered_from_memory_with_the_same_headers(client, create_offering, count_queries):
    create_offering()
    first = client.get(FEED)
    with count_queries() as statements:
        conditional = client.get(FEED, headers={"If-None-Match": first.headers["ETag"]})
        since = client.get(FEED, headers={"If-Modified-Since": first.headers["Last-Modified"]})
        again = client.get(FEED)
        head = client.head(FEED)
    assert statements == []
    assert conditional.status_code == since.status_code == 304 and conditional.data == b""
    assert again.status_code == 200 and again.data == first.data
    assert again.headers["Content-Length"] == str(len(first.data))
    assert head.status_code == 200 and head.data == b"" and head.headers["Content-Length"] == str(len(first.data))
    for name in ("ETag", "Last-Modified", "Cache-Control", "Referrer-Policy", "Content-Security-Policy",
                 "X-Content-Type-Options", "X-Frame-Options"):
        assert conditional.headers[name] == again.headers[name] == first.headers[name], name
    assert again.headers["Content-Type"] == first.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert client.get(FEED, headers={"If-None-Match": '"etwas-anderes"'}).data == first.data


def test_a_write_in_this_process_is_seen_at_once(client, create_offering, trainer, now):
    offering = create_offering()
    first = client.get(FEED)
    date = offering.dates[0]
    module_services.update_offering(trainer, offering, OfferingInput(
        capacity=offering.capacity, registration_deadline=offering.registration_deadline, region_id=None,
        moderated=False, trainer_ids=[], dates=[DateInput(starts_at=date.starts_at, ends_at=date.ends_at,
                                                          location="Neuer Ort", id=date.id)]), now=now)
    db.session.commit()
    second = client.get(FEED, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and b"Neuer Ort" in second.data


def test_a_revoked_address_stops_at_once_in_this_process(app, client, create_user, count_queries):
    person = create_user("coordinator")
    old = f"/kalender/{services.token_value(services.ensure_token(person, now=FIXED_NOW))}.ics"
    db.session.commit()
    calendar = app.test_client()  # polls without cookies, beside the person's browser
    assert calendar.get(old).status_code == 200
    with count_queries() as statements:
        assert calendar.get(old).status_code == 200
    assert statements == []
    login_as(client, person)
    client.post("/konto/kalender", data={"bestaetigt": "1"})
    assert calendar.get(old).status_code == 404


def test_another_process_s_change_shows_when_the_window_ends(client, create_offering, polls, monkeypatch):
    offering = create_offering()
    started = polls.clock()
    monkeypatch.setattr(polls, "clock", lambda: started)
    first = client.get(FEED)
    _change_behind_the_apps_back(offering.dates[0].id)
    monkeypatch.setattr(polls, "clock", lambda: started + 1.9)
    assert client.get(FEED, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    monkeypatch.setattr(polls, "clock", lambda: started + 2.1)
    later = client.get(FEED, headers={"If-None-Match": first.headers["ETag"]})
    assert later.status_code == 200 and b"Anderswo" in later.data


def test_only_the_feeds_current_answers_are_kept(client, create_offering, count_queries):
    offering = create_offering()
    unknown = "/kalender/" + "x" * 32 + ".ics"
    single = f"/kalender/termine/{offering.dates[0].id}.ics"
    for path, status in ((unknown, 404), (single, 200), ("/kalender/module/999999.ics", 404)):
        assert client.get(path).status_code == status
        with count_queries() as statements:
            assert client.get(path).status_code == status
        assert statements, f"{path} was answered from memory"


def test_an_answer_read_before_a_write_is_not_kept(client, create_offering, polls, monkeypatch, count_queries):
    create_offering()
    read_stamp = services.stamp

    def stamp_then_someone_writes(feed):
        found = read_stamp(feed)
        polls.forget()  # what a commit with changes in another thread of this process does
        return found

    monkeypatch.setattr(services, "stamp", stamp_then_someone_writes)
    client.get(FEED)
    monkeypatch.setattr(services, "stamp", read_stamp)
    with count_queries() as statements:
        assert client.get(FEED).status_code == 200
    assert statements


@pytest.mark.parametrize("app_config", [{"FEED_RECHECK_SECONDS": 0}])
def test_zero_seconds_switch_the_memory_off(client, create_offering, count_queries):
    create_offering()
    first = client.get(FEED)
    with count_queries() as statements:
        assert client.get(FEED, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert statements


def test_only_get_and_head_are_answered_from_memory(client, create_offering):
    create_offering()
    client.get(FEED)
    assert client.post(FEED).status_code == 405


def test_the_requested_language_is_part_of_the_key(client):
    english = client.get(FEED, headers={"Accept-Language": "en"})
    german = client.get(FEED, headers={"Accept-Language": "de"})
    assert b"X-WR-CALNAME:Qualification offers" in english.data
    assert b"X-WR-CALNAME:Qualifizierungsangebote" in german.data
    assert english.headers["ETag"] != german.headers["ETag"]
    assert client.get(FEED, headers={"Accept-Language": "en"}).data == english.data


def test_requests_with_cookies_are_neither_answered_from_memory_nor_kept(app, client, create_user, count_queries):
    login_as(client, create_user("coordinator"))
    client.get(FEED)
    with count_queries() as statements:
        client.get(FEED)
    assert statements
    calendar = app.test_client()
    calendar.get(FEED)
    with count_queries() as statements:
        assert client.get(FEED).status_code == 200
    assert statements


def test_kept_bodies_stay_within_their_size(client, create_offering, polls, monkeypatch):
    create_offering()
    monkeypatch.setattr(polling, "MAX_BYTES", 1)  # smaller than any feed: nothing with a body stays
    client.get(FEED)
    assert polls.answers == {} and polls.size == 0


@pytest.mark.parametrize("seconds", [-1, 61, float("nan")])
def test_the_window_must_be_short(app, seconds):
    app.config["FEED_RECHECK_SECONDS"] = seconds
    with pytest.raises(ValueError):
        polling.init_polls(app)


@pytest.mark.parametrize("months", [0, -3, 121])
def test_the_feed_horizon_must_be_sensible(app, months):
    app.config["FEED_HORIZON_MONTHS"] = months
    with pytest.raises(ValueError, match="LMS_FEED_HORIZON_MONTHS"):
        polling.init_polls(app)
