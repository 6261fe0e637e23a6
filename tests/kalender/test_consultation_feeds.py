"""Consultations in the calendar feeds: neutral and confidential events for booker and expert only,
cancellations kept for 30 days, version stamps, the consultations-only scope and the single download."""
import logging
import re
from datetime import timedelta

import pytest
import vobject
from sqlalchemy import select

from lms.beratung import services as beratung_services
from lms.beratung.catalogue import (
    AGE_BANDS,
    CONCERNS,
    CONSULTATION_TYPES,
    SETTINGS,
    URGENCIES,
)
from lms.beratung.models import CaseContent, Consultation
from lms.extensions import db
from lms.kalender import services
from lms.kalender.models import FeedToken
from lms.logmask import MaskTokens
from lms.module import services as module_services
from tests.conftest import FIXED_NOW, login_as
from tests.kalender.conftest import CASE, VIGNETTE
from tests.kalender.test_feeds import _check_rfc5545, _events

TITLE = "Fachberatung – vertraulich"


def _feed_url(user, scope="all"):
    row = services.ensure_token(user, scope=scope, now=FIXED_NOW)
    db.session.commit()
    return f"/kalender/{services.token_value(row)}.ics"


def _check(body: bytes) -> None:
    _check_rfc5545(body, urls=b"CLASS:CONFIDENTIAL" not in body or b"URL:" in body)
    assert vobject.readOne(body.decode("utf-8")).name == "VCALENDAR"


def _fetch(client, url, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    _check(response.data)
    return response


def _booking_events(body: bytes, consultation):
    return [event for event in _events(body) if str(event["UID"]).startswith(f"consultation-{consultation.id}@")]


def _unfolded(body: bytes) -> str:
    return body.replace(b"\r\n ", b"").replace(b"\r\n\t", b"").decode("utf-8")


def _forbidden(consultation) -> list[str]:
    """Everything a calendar must not show of a case-related booking: its type and its case content."""
    kind = CONSULTATION_TYPES[consultation.type_code]
    return [VIGNETTE, "QUOKKA", kind.code, str(kind.label), kind.basis, str(CONCERNS[CASE.concern]),
            str(AGE_BANDS[CASE.age_band]), str(SETTINGS[CASE.setting]), str(URGENCIES[CASE.urgency])]


def test_booker_and_expert_see_the_booking_as_a_neutral_confidential_event(
        client, create_user, create_expert, book, create_offering):
    profile = create_expert()
    booker = create_user("partner")
    consultation = book(booker, profile)
    for person in (booker, profile.user):
        for scope in ("all", "consultations"):
            body = _fetch(client, _feed_url(person, scope)).data
            (event,) = _booking_events(body, consultation)
            assert str(event["SUMMARY"]) == TITLE
            assert str(event["CLASS"]) == "CONFIDENTIAL"
            assert str(event["STATUS"]) == "TENTATIVE"  # requested, not yet confirmed
            assert (event["DTSTART"].dt, event["DTEND"].dt) == (consultation.starts_at, consultation.ends_at)
            if scope == "consultations":  # shared into team calendars: the time and the neutral title only
                assert not {"DESCRIPTION", "LOCATION", "URL", "ATTENDEE", "ORGANIZER"} & set(event), person
                assert consultation.case_code.encode() not in body and b"video.example.org" not in body
                continue
            assert consultation.case_code in str(event["DESCRIPTION"])
            assert "Video" in str(event["DESCRIPTION"])  # the format
            assert str(event["LOCATION"]) == "https://video.example.org/raum-7"
            assert str(event["URL"]).endswith(f"/beratung/buchungen/{consultation.id}")


def test_no_case_data_reaches_any_feed_or_download(client, create_user, create_expert, book, create_offering,
                                                    create_module, create_region, now):
    region = create_region("Chemnitz")
    offering = create_offering(create_module(audiences=("youth_welfare",)), region=region)  # the partner's sector
    profile = create_expert()
    booker = create_user("partner")
    module_services.enrol(booker, offering, now=now)
    db.session.commit()
    consultation = book(booker, profile)
    content = db.session.get(CaseContent, consultation.id)  # the case data exists, so its absence below means something
    assert (content.vignette, content.concern, content.age_band) == (VIGNETTE, CASE.concern, CASE.age_band)
    login_as(client, booker)
    private = [_feed_url(person, scope) for person in (booker, profile.user) for scope in ("all", "consultations")]
    public = ["/kalender/angebote.ics", f"/kalender/module/{offering.module_id}.ics",
              f"/kalender/regionen/{region.id}.ics", "/kalender/dimension/internal.ics",
              f"/kalender/termine/{offering.dates[0].id}.ics"]
    bodies = {url: _fetch(client, url).data for url in [*private, *public,
                                                         f"/kalender/beratungen/{consultation.id}.ics"]}
    for url, body in bodies.items():
        text = _unfolded(body)
        for secret in _forbidden(consultation):
            assert secret not in text, (url, secret)
    for url in private[0::2]:  # the full feeds; the consultations-only ones show time and title alone
        assert consultation.case_code in _unfolded(bodies[url])
    for url in public:  # public feeds never hold consultations
        text = _unfolded(bodies[url])
        assert consultation.case_code not in text and "consultation-" not in text and TITLE not in text, url


def test_other_people_never_see_the_booking(client, create_user, create_expert, book):
    profile = create_expert()
    consultation = book(create_user("partner"), profile)
    others = [create_user("partner"), create_user("coordinator"), create_user("admin"), create_user("trainer"),
              create_expert().user]
    for person in others:
        for scope in ("all", "consultations"):
            body = _fetch(client, _feed_url(person, scope)).data
            assert _booking_events(body, consultation) == [] and consultation.case_code.encode() not in body


def test_the_consultations_scope_holds_no_offering_dates(client, create_user, create_expert, book, create_offering,
                                                         trainer, now):
    profile = create_expert()
    booker = create_user("coordinator")
    module_services.enrol(booker, create_offering(dates=2), now=now)
    db.session.commit()
    consultation = book(booker, profile)
    everything = _events(_fetch(client, _feed_url(booker)).data)
    assert sorted(str(e["UID"]).split("-")[0] for e in everything) == ["consultation", "offering", "offering"]
    assert [e["DTSTART"].dt for e in everything] == sorted(e["DTSTART"].dt for e in everything)  # in time order
    (only,) = _events(_fetch(client, _feed_url(booker, "consultations")).data)
    assert str(only["UID"]).startswith(f"consultation-{consultation.id}@")
    # A trainer's dates stay out of the consultations scope too, and an expert with no bookings has none.
    assert _events(_fetch(client, _feed_url(trainer, "consultations")).data) == []


def test_cancelling_keeps_the_event_as_cancelled_for_30_days(client, app, create_user, create_expert, book, now):
    profile = create_expert()
    booker = create_user("partner")
    consultation = book(booker, profile)
    urls = {person: _feed_url(person, scope) for person in (booker, profile.user)
            for scope in ("all", "consultations")}
    before = {url: _fetch(client, url) for url in urls.values()}
    beratung_services.cancel(booker, consultation, reason="Termin passt nicht mehr", now=now + timedelta(minutes=5))
    db.session.commit()
    for url, first in before.items():
        assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 200
        after = _fetch(client, url)
        assert after.headers["ETag"] != first.headers["ETag"]
        (old,) = _booking_events(first.data, consultation)
        (new,) = _booking_events(after.data, consultation)
        assert new["UID"] == old["UID"] and str(new["STATUS"]) == "CANCELLED"
        assert int(new["SEQUENCE"]) > int(old["SEQUENCE"])
        assert str(new["CLASS"]) == "CONFIDENTIAL" and str(new["SUMMARY"]) == TITLE
    with app.test_request_context():
        for person in (booker, profile.user):
            for scope in ("all", "consultations"):
                kept = services.private_feed(person, scope, now=now + timedelta(days=29))
                assert [e.status for e in services.events(kept, now=now)] == ["CANCELLED"]
                gone = services.private_feed(person, scope, now=now + timedelta(days=31))
                assert services.events(gone, now=now) == []
                assert services.stamp(gone)[0] != services.stamp(kept)[0]


def test_a_declined_request_turns_cancelled_in_the_bookers_feed(client, create_user, create_expert, book, now):
    profile = create_expert()
    booker = create_user("partner")
    consultation = book(booker, profile)
    url = _feed_url(booker)
    first = _fetch(client, url)
    beratung_services.decline(profile.user, consultation, reason="Keine Kapazität", now=now + timedelta(minutes=1))
    db.session.commit()
    second = _fetch(client, url, **{"If-None-Match": first.headers["ETag"]})
    (event,) = _booking_events(second.data, consultation)
    assert str(event["STATUS"]) == "CANCELLED" and second.headers["ETag"] != first.headers["ETag"]


def test_confirming_and_rescheduling_update_the_event_and_the_etag(client, create_user, create_expert, book,
                                                                    free_slots, now):
    profile = create_expert()
    booker = create_user("partner")
    consultation = book(booker, profile)
    url = _feed_url(profile.user, "consultations")
    first = _fetch(client, url)
    (requested,) = _booking_events(first.data, consultation)
    beratung_services.confirm(profile.user, consultation, now=now + timedelta(minutes=1))
    db.session.commit()
    second = _fetch(client, url, **{"If-None-Match": first.headers["ETag"]})
    (confirmed,) = _booking_events(second.data, consultation)
    assert str(confirmed["STATUS"]) == "CONFIRMED" and int(confirmed["SEQUENCE"]) > int(requested["SEQUENCE"])
    assert second.headers["ETag"] != first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": second.headers["ETag"]}).status_code == 304

    later = free_slots(profile, 9)[2]
    beratung_services.reschedule(booker, consultation, later.starts_at, now=now + timedelta(minutes=2))
    db.session.commit()
    third = _fetch(client, url, **{"If-None-Match": second.headers["ETag"]})
    (moved,) = _booking_events(third.data, consultation)
    assert moved["UID"] == confirmed["UID"] and moved["DTSTART"].dt == later.starts_at != confirmed["DTSTART"].dt
    assert int(moved["SEQUENCE"]) > int(confirmed["SEQUENCE"]) and third.headers["ETag"] != second.headers["ETag"]
    assert third.headers["Last-Modified"] != first.headers["Last-Modified"]  # If-Modified-Since sees changes too


def test_the_stamp_changes_exactly_with_the_feeds_consultations(app, create_user, create_expert, book, now):
    profile = create_expert()
    booker, other = create_user("partner"), create_user("partner")
    with app.test_request_context():
        def version(person=booker, scope="all"):
            return services.stamp(services.private_feed(person, scope, now=now))[0]

        empty = version()
        consultation = book(booker, profile)
        booked = version()
        assert booked != empty
        book(other, profile, days=8)  # somebody else's booking with the same expert
        assert version() == booked
        consultation.updated_at = now + timedelta(minutes=3)  # a change without a new SEQUENCE
        db.session.commit()
        assert version() != booked


@pytest.mark.parametrize("app_config", [{"FEED_RECHECK_SECONDS": 0}])  # the app's own path, not the memory
def test_a_conditional_get_reads_the_consultations_in_the_one_stamp_query(client, create_user, create_expert, book,
                                                                        count_queries):
    profile = create_expert()
    booker = create_user("partner")
    book(booker, profile)
    url = _feed_url(profile.user)
    etag = _fetch(client, url).headers["ETag"]
    with count_queries() as statements:
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    touching = [s for s in statements if "consultation" in s.lower()]
    assert len(touching) == 1 and "offering_date" in touching[0].lower()  # one aggregate for dates and bookings


def test_building_a_feed_runs_a_fixed_number_of_queries_whatever_the_number_of_bookings(
        client, create_user, create_expert, book, count_queries):
    profile = create_expert()
    book(create_user("partner"), profile)
    urls = [_feed_url(profile.user), _feed_url(profile.user, "consultations")]
    few = []
    for url in urls:
        with count_queries() as statements:
            client.get(url)
        few.append(len(statements))
    for index in range(6):
        book(create_user("partner"), profile, days=8 + index)
    for url, expected in zip(urls, few, strict=True):
        with count_queries() as statements:
            body = _fetch(client, url).data
        assert len(_events(body)) == 7 and len(statements) == expected


def _page(response) -> str:
    """The page without its CSRF token, which carries a timestamp and so differs from second to second."""
    return re.sub(r'name="csrf_token" value="[^"]*"', "", response.get_data(as_text=True))


def test_single_booking_download_for_booker_and_expert_only(client, create_user, create_expert, book):
    profile = create_expert()
    booker = create_user("partner")
    consultation = book(booker, profile)
    path = f"/kalender/beratungen/{consultation.id}.ics"
    anonymous = client.get(path)
    assert anonymous.status_code == 302 and "/anmelden" in anonymous.headers["Location"]
    for person in (booker, profile.user):
        login_as(client, person)
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        assert response.headers["Content-Disposition"] == f'attachment; filename="beratung-{consultation.id}.ics"'
        assert response.headers["Referrer-Policy"] == "no-referrer" and "no-store" in response.headers["Cache-Control"]
        _check_rfc5545(response.data)
        (event,) = _events(response.data)
        assert str(event["SUMMARY"]) == TITLE and str(event["CLASS"]) == "CONFIDENTIAL"
        assert "ATTENDEE" not in event and "ORGANIZER" not in event
    login_as(client, booker)
    assert client.get("/kalender/beratungen/999999.ics").status_code == 404
    for role in ("partner", "coordinator", "admin", "trainer", "expert"):
        login_as(client, create_user(role))
        refused, missing = client.get(path), client.get("/kalender/beratungen/999999.ics")
        assert refused.status_code == 404 and _page(refused) == _page(missing), role  # as if there were no booking


def test_the_settings_page_offers_the_consultations_scope(client, create_user, create_expert, book, now):
    profile = create_expert()
    booker = create_user("partner")
    consultation = book(booker, profile)
    login_as(client, booker)
    page = client.get("/konto/kalender").get_data(as_text=True)
    assert "Nur meine Fachberatungen" in page and "Adresse für Fachberatungen erzeugen" in page
    assert client.post("/konto/kalender", data={"scope": "consultations"}).status_code == 302
    row = services.active_token(booker, "consultations")
    assert row is not None and services.active_token(booker) is None  # the "all" address is untouched
    address = f"/kalender/{services.token_value(row)}.ics"
    page = client.get("/konto/kalender").get_data(as_text=True)
    assert address in page and "webcal://" in page and "Neue Adresse für Fachberatungen erzeugen" in page
    assert _booking_events(_fetch(client, address).data, consultation)
    asked = client.post("/konto/kalender", data={"scope": "consultations"})  # a new address kills the old one
    assert "Wirklich eine neue Kalender-Adresse erzeugen?" in asked.get_data(as_text=True)
    assert client.get(address).status_code == 200  # not before it is confirmed
    client.post("/konto/kalender", data={"scope": "consultations", "bestaetigt": "1"})
    assert client.get(address).status_code == 404
    assert client.post("/konto/kalender", data={"scope": "anything"}).status_code == 400
    trainer = create_user("trainer")
    login_as(client, trainer)
    assert "Fachberatungen" not in client.get("/konto/kalender").get_data(as_text=True)
    assert client.post("/konto/kalender", data={"scope": "consultations"}).status_code == 400
    assert db.session.scalar(select(FeedToken).where(FeedToken.user_id == trainer.id)) is None


def test_access_logs_show_booking_downloads_and_mask_every_token():
    def logged(path):
        record = logging.LogRecord("werkzeug", logging.INFO, "", 0, "%s", (f"GET {path} HTTP/1.1",), None)
        MaskTokens().filter(record)
        return record.getMessage()

    assert logged("/kalender/beratungen/17.ics") == "GET /kalender/beratungen/17.ics HTTP/1.1"
    assert logged("/kalender/termine/3.ics") == "GET /kalender/termine/3.ics HTTP/1.1"
    # A token may begin like a public path segment; it is masked all the same.
    for token in ("moduleAbC-123_xyzSECRET98765432", "beratungenSECRETxyz-123_AbC98765",
                  "angeboteSECRET_x-1234567890abc"):
        assert logged(f"/kalender/{token}.ics") == "GET /kalender/***.ics HTTP/1.1"


def test_deleted_booker_leaves_the_experts_feed_intact(client, create_user, create_expert, book):
    profile = create_expert()
    booker = create_user("partner")
    consultation = book(booker, profile)
    url = _feed_url(profile.user)
    db.session.delete(booker)
    db.session.commit()
    assert db.session.get(Consultation, consultation.id).booker_id is None
    (event,) = _booking_events(_fetch(client, url).data, consultation)
    assert str(event["SUMMARY"]) == TITLE
