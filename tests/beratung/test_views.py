"""The consultation pages over HTTP: access per role, forms and their German messages, booking with the
identifier guard, the booking's life (confirm, decline, cancel, move, outcome), statistics, the audit
log, bounded queries on the list pages and the navigation.

The pages read the app's clock (`utcnow`, pinned to FIXED_NOW in the tests), so the bookings made here
go through the services with that clock too and lie a week or more ahead.
"""
import itertools
import re
from datetime import UTC, datetime, time, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from lms.beratung import services
from lms.beratung.models import (
    Absence,
    AvailabilityWindow,
    CaseAccess,
    CaseContent,
    Consultation,
    ExpertProfile,
    SlotWatch,
)
from lms.beratung.services import BookingInput, CaseInput, ProfileInput, WindowInput
from lms.db import utcnow
from lms.extensions import db
from lms.ical import BERLIN
from tests.conftest import login_as

# A vignette with a marker found nowhere else, so a page that shows it is easy to spot.
MARKER = "KOALA-SPUR-0815"
PSEUDONYMOUS = f"Kind wirkt seit Wochen erschöpft und still, Merkmal {MARKER}."
OUTCOME = "Empfehlung: Gespräch mit den Eltern, Wiedervorlage in vier Wochen (ERGEBNIS-NOTIZ-77)."


# --- factories local to this module ---------------------------------------------------------

@pytest.fixture
def offer(create_user):
    """An expert with a published profile and a weekly window 08:00-18:00 on each of *weekdays*."""
    counter = itertools.count(1)

    def _offer(*, name=None, weekdays=range(7), types=("case_consult_8b", "process_consult"),
               formats=("video", "in_person", "phone"), sectors=(), region_ids=(), published=True,
               **rules) -> ExpertProfile:
        expert = create_user("expert", name=name or f"Fachkraft {next(counter)}")
        values = {"introduction": "", "specialisations": "Frühe Kindheit", "languages": "Deutsch",
                  "place": "Beratungsstelle, Raum 3", "phone": "030 23125 499",
                  "video_link": "https://video.example.org/raum-7", "auto_confirm": False, "slot_minutes": 60,
                  "buffer_minutes": 15, "notice_minutes": 120, "horizon_days": 56, "max_per_day": None,
                  "published": published}
        values.update(rules)
        profile = services.save_profile(expert, expert, ProfileInput(
            **values, types=list(types), formats=list(formats), sectors=list(sectors), region_ids=list(region_ids),
        ), now=utcnow())
        for weekday in weekdays:
            services.add_window(expert, expert, WindowInput(start_time=time(8), end_time=time(18), weekday=weekday),
                                now=utcnow())
        db.session.commit()
        return profile

    return _offer


def slots_on(profile, days: int):
    """The expert's free slots on the Berlin day *days* ahead of today, by the real clock."""
    now = utcnow()
    day = now.astimezone(BERLIN).date() + timedelta(days=days)
    return services.free_slots(profile, first_day=day, last_day=day, now=now)


@pytest.fixture
def reserve():
    """A case-related booking of the first free slot *days* ahead (or of *starts_at*)."""

    def _reserve(booker, profile, *, days=7, starts_at=None, vignette=PSEUDONYMOUS) -> Consultation:
        consultation = services.book(booker, profile, BookingInput(
            starts_at=starts_at or slots_on(profile, days)[0].starts_at, type_code="case_consult_8b", format="video",
            case=CaseInput(age_band="3-5", concern="neglect", setting="kita", urgency="soon", vignette=vignette),
        ), now=utcnow())
        db.session.commit()
        return consultation

    return _reserve


@pytest.fixture
def expert_profile(offer):
    return offer(name="Erika Expertin")


@pytest.fixture
def booker(create_user):
    return create_user("partner", name="Paula Partnerin")


def fresh(model, key):
    """The row as the pages left it (the test's session may hold an older copy)."""
    db.session.expire_all()
    return db.session.get(model, key)


def rows(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def reads(consultation_id: int) -> list[int]:
    db.session.expire_all()
    return list(db.session.scalars(select(CaseAccess.user_id).where(
        CaseAccess.consultation_id == consultation_id, CaseAccess.action == "read").order_by(CaseAccess.id)))


def slot_value(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def book_url(profile, starts_at: datetime) -> str:
    """The booking link as the pages write it (url_for leaves the colons alone)."""
    return f"/beratung/fachkraefte/{profile.user_id}/buchen?beginn={quote(slot_value(starts_at), safe=':')}"


def text(response) -> str:
    return response.get_data(as_text=True)


# --- the expert's profile -------------------------------------------------------------------

def _profile_form(**changes):
    data = {"introduction": "Seit vielen Jahren insoweit erfahrene Fachkraft.", "specialisations": "Frühe Kindheit",
            "languages": "Deutsch", "types": ["case_consult_8b"], "formats": ["video"], "place": "", "phone": "",
            "video_link": "https://video.example.org/raum-1", "sectors": ["health"], "slot_minutes": "60",
            "buffer_minutes": "15", "notice_hours": "2", "horizon_weeks": "8", "max_per_day": "", "published": "y"}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_expert_saves_a_profile_and_sees_it_again(client, create_user):
    expert = create_user("expert")
    login_as(client, expert)
    page = text(client.get("/beratung/profil"))
    assert "Mein Beratungsprofil" in page and "Profil speichern" in page
    response = client.post("/beratung/profil", data=_profile_form(formats=["video", "phone"], phone="030 23125 401"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/beratung/verfuegbarkeit")
    profile = db.session.scalar(select(ExpertProfile))
    assert profile.published and profile.phone == "030 23125 401" and profile.notice_minutes == 120
    assert profile.values("format") == ["phone", "video"] and profile.values("sector") == ["health"]
    again = text(client.get("/beratung/profil"))
    assert 'value="030 23125 401"' in again and "Ihr Profil ist veröffentlicht." in text(
        client.get("/beratung/verfuegbarkeit"))


@pytest.mark.parametrize("changes,message", [
    ({"types": []}, "Bitte wählen Sie mindestens eine buchbare Beratungsart."),
    ({"formats": ["in_person"], "place": ""}, "Für Beratungen vor Ort geben Sie bitte den Ort an."),
    ({"formats": ["phone"], "phone": "  "}, "Für telefonische Beratungen geben Sie bitte eine Telefonnummer an."),
    ({"video_link": "kein-link"}, "Bitte geben Sie eine vollständige Adresse mit https:// an."),
    ({"formats": []}, "Bitte wählen Sie mindestens ein Format."),
    ({"horizon_weeks": "0"}, "Bitte eine Zahl von 1 bis 52."),
])
def test_profile_form_refuses_bad_input_and_saves_nothing(client, create_user, changes, message):
    login_as(client, create_user("expert"))
    response = client.post("/beratung/profil", data=_profile_form(**changes))
    assert response.status_code == 422
    assert message in text(response)
    assert rows(ExpertProfile) == 0


def test_profile_and_availability_pages_are_for_experts_only(client, create_user, booker):
    login_as(client, booker)
    for path in ("/beratung/profil", "/beratung/verfuegbarkeit"):
        assert client.get(path).status_code == 403
    assert client.post("/beratung/verfuegbarkeit/zeitfenster", data=_window_form()).status_code == 403
    assert rows(AvailabilityWindow) == 0


# --- availability ---------------------------------------------------------------------------

def _window_form(**changes):
    data = {"weekday": "1", "day": "", "start_time": "09:00", "end_time": "12:00", "valid_from": "",
            "valid_until": ""}
    data.update(changes)
    return data


def _in_days(days: int) -> str:
    return (utcnow().astimezone(BERLIN).date() + timedelta(days=days)).isoformat()


def test_expert_adds_and_removes_windows_and_absences(client, create_user):
    expert = create_user("expert")
    login_as(client, expert)
    page = text(client.get("/beratung/verfuegbarkeit"))
    assert "Legen Sie zuerst Ihr Beratungsprofil an." in page and "Noch keine Zeitfenster." in page
    response = client.post("/beratung/verfuegbarkeit/zeitfenster", data=_window_form(), follow_redirects=True)
    assert "Das Zeitfenster ist gespeichert." in text(response)
    assert "jeden Dienstag, 09:00–12:00 Uhr" in text(response)
    response = client.post("/beratung/verfuegbarkeit/zeitfenster",
                           data=_window_form(weekday="", day=_in_days(3), start_time="14:00", end_time="16:00"),
                           follow_redirects=True)
    assert "einmalig am" in text(response) and "14:00–16:00 Uhr" in text(response)
    response = client.post("/beratung/verfuegbarkeit/abwesenheiten",
                           data={"first_day": _in_days(10), "last_day": _in_days(12), "note": "Urlaub"},
                           follow_redirects=True)
    assert "Die Abwesenheit ist gespeichert." in text(response) and "(Urlaub)" in text(response)
    assert rows(AvailabilityWindow) == 2 and rows(Absence) == 1

    window = db.session.scalar(select(AvailabilityWindow).where(AvailabilityWindow.weekday == 1))
    response = client.post(f"/beratung/verfuegbarkeit/zeitfenster/{window.id}/loeschen", data={"bestaetigt": "1"},
                           follow_redirects=True)
    assert "Das Zeitfenster ist entfernt." in text(response) and "jeden Dienstag" not in text(response)
    absence = db.session.scalar(select(Absence))
    response = client.post(f"/beratung/verfuegbarkeit/abwesenheiten/{absence.id}/loeschen", data={"bestaetigt": "1"},
                           follow_redirects=True)
    assert "Die Abwesenheit ist entfernt." in text(response) and "Keine Abwesenheiten eingetragen." in text(response)
    assert rows(AvailabilityWindow) == 1 and rows(Absence) == 0


@pytest.mark.parametrize("changes,message", [
    ({"start_time": "12:00", "end_time": "09:00"}, "Das Zeitfenster muss nach seinem Beginn enden."),
    ({"start_time": "10:00", "end_time": "10:00"}, "Das Zeitfenster muss nach seinem Beginn enden."),
    ({"weekday": "1", "start_time": "11:00", "end_time": "13:00"},
     "Das Zeitfenster überschneidet sich mit einem bestehenden Zeitfenster."),
    ({"weekday": "", "day": ""}, "Bitte wählen Sie entweder einen Wochentag oder ein Datum."),
    ({"weekday": "2", "day": "2099-01-07"}, "Bitte wählen Sie entweder einen Wochentag oder ein Datum."),
    ({"weekday": "3", "valid_from": "2099-02-01", "valid_until": "2099-01-01"},
     "Das Ende der Gültigkeit liegt vor ihrem Beginn."),
    ({"weekday": "", "day": "2001-01-01"}, "Das Datum liegt in der Vergangenheit."),
    ({"start_time": ""}, "Bitte geben Sie den Beginn an."),
])
def test_window_form_refuses_bad_windows_and_saves_nothing(client, create_user, changes, message):
    expert = create_user("expert")
    services.add_window(expert, expert, WindowInput(start_time=time(9), end_time=time(12), weekday=1), now=utcnow())
    db.session.commit()
    login_as(client, expert)
    response = client.post("/beratung/verfuegbarkeit/zeitfenster", data=_window_form(**changes))
    assert response.status_code == 422
    assert message in text(response)
    assert rows(AvailabilityWindow) == 1


@pytest.mark.parametrize("first,last,message", [
    (12, 10, "Der letzte Tag der Abwesenheit liegt vor dem ersten."),
    (-10, -5, "Die Abwesenheit liegt ganz in der Vergangenheit."),
    (None, 5, "Bitte geben Sie den ersten Tag an."),
])
def test_absence_form_refuses_bad_absences(client, create_user, first, last, message):
    login_as(client, create_user("expert"))
    response = client.post("/beratung/verfuegbarkeit/abwesenheiten", data={
        "first_day": _in_days(first) if first is not None else "", "last_day": _in_days(last), "note": ""})
    assert response.status_code == 422
    assert message in text(response)
    assert rows(Absence) == 0


def test_another_experts_window_and_absence_cannot_be_removed(client, create_user, expert_profile):
    expert = expert_profile.user
    today = utcnow().astimezone(BERLIN).date()
    absence = services.add_absence(expert, expert, today + timedelta(days=20), today + timedelta(days=21), "",
                                   now=utcnow())
    db.session.commit()
    window = services.windows_of(expert)[0]
    login_as(client, create_user("expert"))
    assert client.post(f"/beratung/verfuegbarkeit/zeitfenster/{window.id}/loeschen").status_code == 403
    assert client.post(f"/beratung/verfuegbarkeit/abwesenheiten/{absence.id}/loeschen").status_code == 403
    assert client.post("/beratung/verfuegbarkeit/zeitfenster/999999/loeschen").status_code == 404
    assert rows(AvailabilityWindow) == 7 and rows(Absence) == 1


def test_availability_page_shows_bookings_in_an_absence_as_conflicts(client, booker, expert_profile, reserve):
    consultation = reserve(booker, expert_profile, days=9)
    expert = expert_profile.user
    day = consultation.starts_at.astimezone(BERLIN).date()
    services.add_absence(expert, expert, day, day, "krank", now=utcnow())
    db.session.commit()
    login_as(client, expert)
    page = text(client.get("/beratung/verfuegbarkeit"))
    assert "Konflikte:" in page and consultation.case_code in page
    assert "außerhalb Ihrer Verfügbarkeit" in text(client.get("/beratung/buchungen"))


# --- finding experts ------------------------------------------------------------------------

def test_find_page_filters_by_type_sector_region_format_and_free_slot(client, offer, create_region, booker):
    dresden, leipzig = create_region("Dresden"), create_region("Leipzig")
    offer(name="Anna Abend", types=["case_consult_8b"], sectors=["health"], region_ids=[dresden.id],
          formats=["video"])
    offer(name="Bert Berg", types=["process_consult"], sectors=["education"], region_ids=[leipzig.id],
          formats=["in_person"], weekdays=())
    offer(name="Clara Geheim", published=False)
    login_as(client, booker)

    def names(query=""):
        page = text(client.get("/beratung" + query))
        return {name for name in ("Anna Abend", "Bert Berg", "Clara Geheim") if name in page}

    assert names() == {"Anna Abend", "Bert Berg"}
    assert names("?art=case_consult_8b") == {"Anna Abend"}
    assert names("?art=process_consult") == {"Bert Berg"}
    assert names("?sektor=education") == {"Bert Berg"}
    assert names(f"?region={dresden.id}") == {"Anna Abend"}
    assert names("?format=in_person") == {"Bert Berg"}
    assert names("?frei=7") == {"Anna Abend"}
    assert names("?art=case_consult_8b&format=in_person") == set()
    assert names("?art=gibtesnicht&frei=99") == {"Anna Abend", "Bert Berg"}  # unknown values filter nothing
    page = text(client.get("/beratung"))
    assert "2 Fachkräfte gefunden" in page and "Derzeit kein freier Termin." in page
    assert "Nächster freier Termin:" in page and "Landesjugendamt" in page  # the § 8b Abs. 2 referral
    empty = text(client.get("/beratung?art=case_consult_8b&format=in_person"))
    assert "0 Fachkräfte gefunden" in empty and "Filter zurücksetzen" in empty


def test_expert_page_shows_the_week_with_slot_links_and_navigates_weeks(client, booker, expert_profile):
    login_as(client, booker)
    url = f"/beratung/fachkraefte/{expert_profile.user_id}"
    page = text(client.get(url))
    today = utcnow().astimezone(BERLIN).date()
    monday = today - timedelta(days=today.weekday())
    assert f"Freie Termine in der Woche ab {monday:%d.%m.%Y}" in page
    assert "Erika Expertin" in page and "Die Fachkraft bestätigt jede Anfrage." in page
    next_monday = monday + timedelta(days=7)
    assert f"woche={next_monday.isoformat()}" in page and "Nächste Woche" in page and "Vorherige Woche" in page

    page = text(client.get(f"{url}?woche={next_monday.isoformat()}"))
    assert f"Freie Termine in der Woche ab {next_monday:%d.%m.%Y}" in page
    first = services.free_slots(expert_profile, first_day=next_monday, last_day=next_monday, now=utcnow())[0]
    assert book_url(expert_profile, first.starts_at) in page
    assert page.count("– buchen") == len(services.free_slots(
        expert_profile, first_day=next_monday, last_day=next_monday + timedelta(days=6), now=utcnow()))
    assert "Benachrichtigen, wenn ein Termin frei wird" in page
    # A week beyond the horizon has no slots; a bad week falls back to this one.
    far = text(client.get(f"{url}?woche={(monday + timedelta(weeks=20)).isoformat()}"))
    assert "– buchen" not in far and "keine freien Termine" in far
    assert f"ab {monday:%d.%m.%Y}" in text(client.get(f"{url}?woche=kaputt"))


def test_unpublished_or_unknown_expert_is_not_found(client, booker, offer):
    hidden = offer(published=False)
    login_as(client, booker)
    assert client.get(f"/beratung/fachkraefte/{hidden.user_id}").status_code == 404
    assert client.get("/beratung/fachkraefte/999999").status_code == 404


def test_expert_sees_own_page_without_booking_links(client, expert_profile):
    login_as(client, expert_profile.user)
    page = text(client.get(f"/beratung/fachkraefte/{expert_profile.user_id}"))
    assert "– buchen" not in page and "Benachrichtigen" not in page
    first = slots_on(expert_profile, 7)[0]
    assert client.get(book_url(expert_profile, first.starts_at)).status_code == 403


# --- booking --------------------------------------------------------------------------------

def _booking_form(starts_at: datetime, **changes):
    data = {"starts_at": slot_value(starts_at), "type_code": "case_consult_8b", "format": "video", "age_band": "3-5",
            "concern": "neglect", "setting": "kita", "urgency": "soon", "vignette": "Lena ist oft müde."}
    data.update(changes)
    return data


def test_booking_marks_a_name_and_books_once_it_is_confirmed(client, booker, expert_profile):
    slot = slots_on(expert_profile, 7)[0]
    login_as(client, booker)
    form = text(client.get(book_url(expert_profile, slot.starts_at)))
    assert "Beratung buchen" in form and "§ 4 Abs. 2 KKG, § 64 Abs. 2a SGB VIII" in form
    assert 'name="confirmed"' not in form and "Verbindlich buchen" in form

    response = client.post(book_url(expert_profile, slot.starts_at), data=_booking_form(slot.starts_at))
    assert response.status_code == 422
    page = text(response)
    assert "Nichts wurde gespeichert: Das Feld „Fallvignette“ enthält Angaben, die eine Person erkennbar machen" in page
    assert '<mark class="lms-guard__mark">Lena</mark><span class="kern-sr-only"> (ein Vorname)</span> ist oft müde.' \
        in page
    assert "„Lena“ ist vermutlich ein Vorname. Bitte entfernen Sie die Angabe oder bestätigen Sie" in page
    assert 'name="confirmed" id="confirmed-1" value="given_name:Lena"' in page
    assert "§ 4 Abs. 2 KKG" in page and "Lena ist oft müde.</textarea>" in page  # the input is kept
    assert rows(Consultation) == 0 and rows(CaseContent) == 0 and rows(CaseAccess) == 0

    # A confirmation of another finding (a stale one, or a forged one) confirms nothing here.
    response = client.post(book_url(expert_profile, slot.starts_at),
                           data=_booking_form(slot.starts_at, confirmed=["given_name:Mia", "surname:Lena"]))
    assert response.status_code == 422 and rows(Consultation) == 0

    response = client.post(book_url(expert_profile, slot.starts_at),
                           data=_booking_form(slot.starts_at, confirmed="given_name:Lena"))
    assert response.status_code == 302
    consultation = db.session.scalar(select(Consultation))
    assert response.headers["Location"].endswith(f"/beratung/buchungen/{consultation.id}")
    assert consultation.status == "requested" and consultation.booker_id == booker.id
    assert consultation.starts_at == slot.starts_at and consultation.location == "https://video.example.org/raum-7"
    page = text(client.get(response.headers["Location"]))
    assert f"Ihre Buchung ist eingegangen. Fallcode: {consultation.case_code}" in page
    assert "angefragt" in page and "Lena ist oft müde." in page


@pytest.mark.parametrize(("vignette", "kind", "found", "reason"), [
    ("Geboren am 12. März 2018.", "date", "12. März 2018", "ein vollständiges Datum"),
    ("Mail: eltern@example.org", "email", "eltern@example.org", "eine E-Mail-Adresse"),
    ("Rückruf 0341 1234567", "phone", "0341 1234567", "eine Telefonnummer"),
    ("Wohnt Hauptstraße 5", "address", "Hauptstraße 5", "eine Anschrift mit Hausnummer"),
    ("Umzug nach 04109", "postcode", "04109", "eine Postleitzahl"),
    ("Az. 51-2023-0457", "number", "51-2023-0457", "ein Aktenzeichen"),
])
def test_a_blocked_identifier_cannot_be_confirmed_on_the_page(client, booker, expert_profile, vignette, kind, found,
                                                              reason):
    slot = slots_on(expert_profile, 7)[0]
    login_as(client, booker)
    response = client.post(book_url(expert_profile, slot.starts_at),
                           data=_booking_form(slot.starts_at, vignette=vignette, confirmed=f"{kind}:{found}"))
    assert response.status_code == 422
    page = text(response)
    assert f'<mark class="lms-guard__mark lms-guard__mark--blocked">{found}</mark>' in page
    assert f"„{found}“ ist {reason}" in page and "dürfen hier nicht gespeichert werden" in page
    assert 'name="confirmed"' not in page  # nothing to tick
    assert rows(Consultation) == 0 and rows(CaseContent) == 0 and rows(CaseAccess) == 0


def test_the_marked_vignette_is_escaped(client, booker, expert_profile):
    slot = slots_on(expert_profile, 7)[0]
    login_as(client, booker)
    response = client.post(book_url(expert_profile, slot.starts_at), data=_booking_form(
        slot.starts_at, vignette="<script>alert(1)</script> Lena <b>kommt</b>"))
    page = text(response)
    assert response.status_code == 422 and "<script>alert(1)</script>" not in page and "<b>kommt</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark class=\"lms-guard__mark\">Lena</mark>" in page


def _held(reserve, booker, expert_profile):
    """A confirmed booking whose time lies in the past (moved there directly, as if the week had gone by)."""
    consultation = reserve(booker, expert_profile, days=7)
    services.confirm(expert_profile.user, consultation, now=utcnow())
    consultation.starts_at, consultation.ends_at = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=2)
    db.session.commit()
    return consultation


@pytest.mark.parametrize(("path", "field", "who"), [
    ("ablehnen", "decline-reason", "expert"),
    ("absagen", "cancel-reason", "booker"),
    ("ergebnis", "outcome", "expert"),
])
def test_every_free_text_of_a_booking_is_checked_on_the_page(client, booker, expert_profile, reserve, path, field,
                                                             who):
    if path == "ergebnis":
        consultation = _held(reserve, booker, expert_profile)
    else:
        consultation = reserve(booker, expert_profile)
    before = (fresh(Consultation, consultation.id).status, fresh(Consultation, consultation.id).sequence)
    login_as(client, expert_profile.user if who == "expert" else booker)
    url = f"/beratung/buchungen/{consultation.id}/{path}"
    prefix = field.rsplit("-", 1)[0] + "-" if "-" in field else ""
    data = {field: "Familie Kowalski, Tel. 0341 1234567", "result": "support"}
    response = client.post(url, data={**data, f"{prefix}confirmed": ["surname:Kowalski", "phone:0341 1234567"]})
    assert response.status_code == 422
    page = text(response)
    assert '<mark class="lms-guard__mark">Kowalski</mark>' in page
    assert '<mark class="lms-guard__mark lms-guard__mark--blocked">0341 1234567</mark>' in page
    assert f'name="{prefix}confirmed" id="{prefix}confirmed-1" value="surname:Kowalski" checked' in page
    assert "Familie Kowalski, Tel. 0341 1234567</textarea>" in page  # the input is kept
    row = fresh(Consultation, consultation.id)
    assert (row.status, row.sequence) == before and row.decision_reason == ""
    assert db.session.get(CaseContent, consultation.id).outcome == ""

    accepted = {field: "Familie Kowalski", "result": "support", f"{prefix}confirmed": "surname:Kowalski"}
    if path != "ergebnis":  # a decline or cancellation asks first, with the text as it will be kept
        question = client.post(url, data=accepted)
        assert question.status_code == 200 and "Wirklich" in text(question) and "Familie Kowalski" in text(question)
        assert fresh(Consultation, consultation.id).status == before[0]
    response = client.post(url, data={**accepted, "bestaetigt": "1"})
    assert response.status_code == 302
    row = fresh(Consultation, consultation.id)
    assert "Familie Kowalski" in (row.decision_reason, db.session.get(CaseContent, consultation.id).outcome)


def test_booking_without_identifiers_needs_no_confirmation(client, booker, expert_profile):
    slot = slots_on(expert_profile, 8)[0]
    login_as(client, booker)
    response = client.post(book_url(expert_profile, slot.starts_at),
                           data=_booking_form(slot.starts_at, vignette=PSEUDONYMOUS))
    assert response.status_code == 302
    assert db.session.scalar(select(CaseContent)).vignette == PSEUDONYMOUS


@pytest.mark.parametrize("changes,message", [
    ({"age_band": ""}, "Bitte wählen Sie die Altersgruppe des Kindes."),
    ({"concern": ""}, "Bitte wählen Sie die Art der Sorge."),
    ({"vignette": "x" * 1001}, "Die Fallvignette darf höchstens 1000 Zeichen lang sein."),
])
def test_booking_form_refuses_missing_case_fields(client, booker, expert_profile, changes, message):
    slot = slots_on(expert_profile, 7)[0]
    login_as(client, booker)
    response = client.post(book_url(expert_profile, slot.starts_at), data=_booking_form(slot.starts_at, **changes))
    assert response.status_code == 422 and message in text(response)
    assert rows(Consultation) == 0


def test_booking_a_process_consultation_needs_no_case(client, booker, expert_profile):
    slot = slots_on(expert_profile, 7)[0]
    login_as(client, booker)
    response = client.post(book_url(expert_profile, slot.starts_at), data=_booking_form(
        slot.starts_at, type_code="process_consult", format="in_person", age_band="", concern="", setting="",
        urgency="", vignette=""))
    assert response.status_code == 302
    assert rows(Consultation) == 1 and rows(CaseContent) == 0


def test_booking_a_taken_slot_names_the_next_free_slots(client, create_user, booker, expert_profile, reserve):
    taken = reserve(create_user("coordinator"), expert_profile, days=7)
    login_as(client, booker)
    response = client.post(book_url(expert_profile, taken.starts_at),
                           data=_booking_form(taken.starts_at, vignette=PSEUDONYMOUS))
    assert response.status_code == 422
    page = text(response)
    assert "Dieser Termin ist bereits vergeben." in page and "Die nächsten freien Termine:" in page
    for slot in services.next_free_slots(expert_profile, now=utcnow()):
        assert book_url(expert_profile, slot.starts_at) in page
    assert rows(Consultation) == 1


def test_booking_an_offered_time_outside_the_windows_or_a_bad_start(client, booker, expert_profile):
    login_as(client, booker)
    odd = slots_on(expert_profile, 7)[0].starts_at + timedelta(minutes=5)
    response = client.post(book_url(expert_profile, odd), data=_booking_form(odd, vignette=PSEUDONYMOUS))
    assert response.status_code == 422
    assert "Zu dieser Zeit bietet die Fachkraft keine Beratung an." in text(response)
    assert client.get(f"/beratung/fachkraefte/{expert_profile.user_id}/buchen?beginn=morgen").status_code == 404
    assert rows(Consultation) == 0


@pytest.mark.parametrize("role", ["trainer", "admin", "expert"])
def test_only_partners_and_coordinators_book(client, create_user, expert_profile, role):
    slot = slots_on(expert_profile, 7)[0]
    login_as(client, create_user(role))
    assert client.post(book_url(expert_profile, slot.starts_at),
                       data=_booking_form(slot.starts_at, vignette=PSEUDONYMOUS)).status_code == 403
    assert rows(Consultation) == 0


def test_coordinator_books_too(client, create_user, expert_profile):
    slot = slots_on(expert_profile, 7)[0]
    login_as(client, create_user("coordinator"))
    response = client.post(book_url(expert_profile, slot.starts_at),
                           data=_booking_form(slot.starts_at, vignette=PSEUDONYMOUS))
    assert response.status_code == 302 and rows(Consultation) == 1


def test_watch_button_asks_to_be_told_once(client, booker, expert_profile):
    login_as(client, booker)
    url = f"/beratung/fachkraefte/{expert_profile.user_id}/vormerken"
    response = client.post(url, follow_redirects=True)
    assert "Sie erhalten eine E-Mail, sobald bei dieser Fachkraft ein Termin frei wird." in text(response)
    client.post(url)
    watch = db.session.scalar(select(SlotWatch))
    assert rows(SlotWatch) == 1 and watch.booker_id == booker.id and watch.expert_id == expert_profile.user_id


# --- the booking's page ---------------------------------------------------------------------

def test_booker_and_expert_read_the_case_and_each_read_is_logged(client, booker, expert_profile, reserve):
    consultation = reserve(booker, expert_profile)
    url = f"/beratung/buchungen/{consultation.id}"
    login_as(client, booker)
    page = text(client.get(url))
    assert MARKER in page and "3–5 Jahre" in page and "Vernachlässigung" in page
    assert "Auf einen anderen freien Termin verschieben" in page and 'name="cancel-reason"' in page
    assert "Termin bestätigen" not in page
    login_as(client, expert_profile.user)
    page = text(client.get(url))
    assert MARKER in page and "Termin bestätigen" in page and 'name="decline-reason"' in page
    client.get(url)
    assert reads(consultation.id) == [booker.id, expert_profile.user_id, expert_profile.user_id]


def test_an_admin_sees_the_metadata_not_the_case_nor_who_booked(client, create_user, booker, expert_profile,
                                                                  reserve):
    consultation = reserve(booker, expert_profile)
    login_as(client, create_user("admin"))
    response = client.get(f"/beratung/buchungen/{consultation.id}")
    assert response.status_code == 200
    page = text(response)
    assert consultation.case_code in page and "Erika Expertin" in page and "angefragt" in page
    assert MARKER not in page and "Angaben zum Fall" not in page and "Vernachlässigung" not in page
    assert "video.example.org" not in page  # the link is for booker and expert
    assert "Termin absagen" not in page and "Termin bestätigen" not in page
    assert booker.name not in page and "nur mit Begründung sichtbar" in page
    assert reads(consultation.id) == []


def test_an_admin_sees_who_booked_only_with_a_logged_reason(client, create_user, booker, expert_profile, reserve):
    consultation = reserve(booker, expert_profile)
    admin = create_user("admin", name="Ada Admin")
    login_as(client, admin)
    url = f"/beratung/buchungen/{consultation.id}/buchende-person"
    refused = client.post(url, data={"reveal-reason": "  "})
    assert refused.status_code == 422 and "Bitte geben Sie eine Begründung an." in text(refused)
    assert booker.name not in text(refused)
    assert db.session.scalars(select(CaseAccess).where(CaseAccess.action == "booker")).all() == []
    shown = client.post(url, data={"reveal-reason": "Beschwerde der Fachkraft vom 1.12. über Missbrauch"})
    assert shown.status_code == 200 and booker.name in text(shown) and MARKER not in text(shown)
    (row,) = db.session.scalars(select(CaseAccess).where(CaseAccess.action == "booker")).all()
    assert (row.user_id, row.consultation_id, row.reason) == (
        admin.id, consultation.id, "Beschwerde der Fachkraft vom 1.12. über Missbrauch")
    log = text(client.get("/beratung/protokoll"))
    assert "buchende Person angezeigt" in log and "Beschwerde der Fachkraft" in log and "Ada Admin" in log
    assert booker.name not in text(client.get(f"/beratung/buchungen/{consultation.id}"))  # for that answer only
    for role in ("coordinator", "partner", "expert", "trainer"):
        login_as(client, create_user(role))
        assert client.post(url, data={"reveal-reason": "Neugier"}).status_code in (403, 404), role
    assert len(db.session.scalars(select(CaseAccess).where(CaseAccess.action == "booker")).all()) == 1


def test_a_coordinator_never_opens_someone_elses_booking(client, create_user, booker, expert_profile, reserve):
    consultation = reserve(booker, expert_profile)
    coordinator = create_user("coordinator")
    login_as(client, coordinator)
    assert client.get(f"/beratung/buchungen/{consultation.id}").status_code == 404
    statistics = text(client.get("/beratung/uebersicht"))
    assert "weniger als 5 Personen" in statistics  # and so no figures (tests/beratung/test_statistics.py)
    assert consultation.case_code not in statistics and "/beratung/buchungen/" not in statistics
    own = reserve(coordinator, expert_profile, days=8)  # coordinators book too: their own they see
    assert client.get(f"/beratung/buchungen/{own.id}").status_code == 200


def test_another_partner_or_expert_gets_not_found(client, create_user, booker, expert_profile, reserve):
    consultation = reserve(booker, expert_profile)
    for stranger in (create_user("partner"), create_user("expert")):
        login_as(client, stranger)
        assert client.get(f"/beratung/buchungen/{consultation.id}").status_code == 404
        assert client.get(f"/beratung/fachkraefte/{expert_profile.user_id}?verschieben={consultation.id}") \
            .status_code == 404
    assert client.get("/beratung/buchungen/999999").status_code == 404
    assert reads(consultation.id) == []


def test_trainer_is_forbidden_the_whole_area(client, create_user, booker, expert_profile, reserve):
    consultation = reserve(booker, expert_profile)
    login_as(client, create_user("trainer"))
    for path in ("/beratung", "/beratung/buchungen", f"/beratung/buchungen/{consultation.id}", "/beratung/uebersicht",
                 "/beratung/protokoll", f"/beratung/fachkraefte/{expert_profile.user_id}", "/beratung/profil",
                 "/beratung/verfuegbarkeit"):
        assert client.get(path).status_code == 403, path
    assert reads(consultation.id) == []


def test_anonymous_visitors_are_sent_to_sign_in(client, booker, expert_profile, reserve):
    consultation = reserve(booker, expert_profile)
    for path in ("/beratung", "/beratung/buchungen", f"/beratung/buchungen/{consultation.id}",
                 "/beratung/uebersicht", "/beratung/protokoll", "/beratung/verfuegbarkeit"):
        response = client.get(path)
        assert response.status_code == 302 and "/anmelden" in response.headers["Location"], path
    response = client.post(f"/beratung/buchungen/{consultation.id}/absagen", data={"cancel-reason": "x"})
    assert response.status_code == 302 and "/anmelden" in response.headers["Location"]
    assert fresh(Consultation, consultation.id).status == "requested"


# --- confirm, decline, cancel, move ---------------------------------------------------------

def test_expert_confirms(client, booker, expert_profile, reserve):
    consultation = reserve(booker, expert_profile)
    login_as(client, expert_profile.user)
    response = client.post(f"/beratung/buchungen/{consultation.id}/bestaetigen")
    assert response.status_code == 302
    assert fresh(Consultation, consultation.id).status == "confirmed"
    page = text(client.get(response.headers["Location"]))
    assert "Der Termin ist bestätigt." in page and "bestätigt" in page and "Termin bestätigen" not in page
    again = client.post(f"/beratung/buchungen/{consultation.id}/bestaetigen", follow_redirects=True)
    assert "Nur angefragte, noch nicht begonnene Beratungen können bestätigt werden." in text(again)


def test_expert_declines_only_with_a_reason(client, booker, expert_profile, reserve):
    consultation = reserve(booker, expert_profile)
    login_as(client, expert_profile.user)
    url = f"/beratung/buchungen/{consultation.id}/ablehnen"
    response = client.post(url, data={"decline-reason": "  "})
    assert response.status_code == 422 and "Bitte geben Sie eine Begründung an." in text(response)
    assert 'href="#decline-reason"' in text(response)  # the error summary leads to the field
    assert fresh(Consultation, consultation.id).status == "requested"
    response = client.post(url, data={"decline-reason": "Kein Fallbezug zu meinem Schwerpunkt.", "bestaetigt": "1"},
                           follow_redirects=True)
    assert "Die Anfrage ist abgelehnt." in text(response) and "Kein Fallbezug zu meinem Schwerpunkt." in text(response)
    declined = fresh(Consultation, consultation.id)
    assert declined.status == "declined" and declined.decision_reason == "Kein Fallbezug zu meinem Schwerpunkt."


def test_only_the_booked_expert_confirms_or_declines(client, create_user, booker, expert_profile, reserve, offer):
    consultation = reserve(booker, expert_profile)
    login_as(client, offer().user)
    assert client.post(f"/beratung/buchungen/{consultation.id}/bestaetigen").status_code == 404
    assert client.post(f"/beratung/buchungen/{consultation.id}/ablehnen",
                       data={"decline-reason": "nein"}).status_code == 404
    login_as(client, booker)  # the booker is no expert
    assert client.post(f"/beratung/buchungen/{consultation.id}/bestaetigen").status_code == 403
    assert fresh(Consultation, consultation.id).status == "requested"


def test_booker_cancels_with_a_reason(client, booker, expert_profile, reserve):
    consultation = reserve(booker, expert_profile)
    login_as(client, booker)
    url = f"/beratung/buchungen/{consultation.id}/absagen"
    response = client.post(url, data={"cancel-reason": ""})
    assert response.status_code == 422 and "Bitte geben Sie eine Begründung an." in text(response)
    assert fresh(Consultation, consultation.id).status == "requested"
    response = client.post(url, data={"cancel-reason": "Die Lage hat sich geklärt.", "bestaetigt": "1"})
    assert response.status_code == 302
    cancelled = fresh(Consultation, consultation.id)
    assert cancelled.status == "cancelled" and cancelled.cancelled_by_id == booker.id
    page = text(client.get(response.headers["Location"]))
    assert "Der Termin ist abgesagt." in page and "abgesagt" in page and "Die Lage hat sich geklärt." in page
    assert "Termin absagen" not in page
    # The slot is free again.
    assert consultation.starts_at in [slot.starts_at for slot in slots_on(expert_profile, 7)]


def test_another_partner_cannot_cancel(client, create_user, booker, expert_profile, reserve):
    consultation = reserve(booker, expert_profile)
    login_as(client, create_user("partner"))
    response = client.post(f"/beratung/buchungen/{consultation.id}/absagen", data={"cancel-reason": "Weg damit"})
    assert response.status_code == 404
    assert fresh(Consultation, consultation.id).status == "requested"


def test_booker_moves_the_booking_to_another_free_slot(client, booker, expert_profile, reserve):
    consultation = reserve(booker, expert_profile, days=7)
    services.confirm(expert_profile.user, consultation, now=utcnow())
    db.session.commit()
    target = slots_on(expert_profile, 9)[1]
    login_as(client, booker)
    page = text(client.get(f"/beratung/fachkraefte/{expert_profile.user_id}?verschieben={consultation.id}"))
    assert "Termin verschieben: Ihr bisheriger Termin ist" in page and "hierhin verschieben" in page
    response = client.post(f"/beratung/buchungen/{consultation.id}/verschieben",
                           data={"starts_at": slot_value(target.starts_at), "bestaetigt": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/buchungen/{consultation.id}")
    moved = fresh(Consultation, consultation.id)
    assert moved.starts_at == target.starts_at and moved.status == "requested"  # confirmed again by hand
    assert moved.case_code == consultation.case_code
    assert "Der Termin ist verschoben." in text(client.get(response.headers["Location"]))


def test_the_move_form_on_the_week_view_posts_the_chosen_slot(client, booker, expert_profile, reserve):
    """The week view's move buttons carry one start each; posting such a form as rendered moves the booking."""
    consultation = reserve(booker, expert_profile, days=7)
    login_as(client, booker)
    monday = consultation.starts_at.astimezone(BERLIN).date() + timedelta(days=7)
    monday -= timedelta(days=monday.weekday())
    page = text(client.get(f"/beratung/fachkraefte/{expert_profile.user_id}"
                           f"?verschieben={consultation.id}&woche={monday.isoformat()}"))
    form = re.search(r'<form method="post" action="(/beratung/buchungen/\d+/verschieben)">(.*?)</form>', page, re.DOTALL)
    data = {}
    for tag in re.findall(r"<input[^>]*>", form.group(2)):
        value = re.search(r'value="([^"]*)"', tag)
        data.setdefault(re.search(r'name="([^"]+)"', tag).group(1), []).append(value.group(1) if value else "")
    assert data["starts_at"] and all(data["starts_at"]), data  # no empty start before the chosen one
    question = client.post(form.group(1), data=data)
    assert question.status_code == 200 and "Wirklich den Termin verschieben?" in text(question)
    assert fresh(Consultation, consultation.id).starts_at == consultation.starts_at
    response = client.post(form.group(1), data={**data, "bestaetigt": "1"})
    assert response.status_code == 302
    assert fresh(Consultation, consultation.id).starts_at == datetime.fromisoformat(data["starts_at"][0])


def test_moving_after_the_cutoff_is_refused(app, client, booker, expert_profile, reserve):
    consultation = reserve(booker, expert_profile, days=7)
    target = slots_on(expert_profile, 9)[0]
    # A cutoff longer than the week until the booking: moving is too late now.
    app.config["CONSULTATION_CHANGE_CUTOFF_MINUTES"] = 14 * 24 * 60
    login_as(client, booker)
    response = client.post(f"/beratung/buchungen/{consultation.id}/verschieben",
                           data={"starts_at": slot_value(target.starts_at)}, follow_redirects=True)
    assert "Die Beratung kann nur bis 336 Stunden vor Beginn verschoben werden." in text(response)
    assert fresh(Consultation, consultation.id).starts_at == consultation.starts_at


def test_moving_an_hour_before_the_start_is_refused(client, booker, expert_profile, reserve):
    consultation = reserve(booker, expert_profile, days=7)
    target = slots_on(expert_profile, 9)[0]
    # Nobody can book a slot an hour ahead (the notice is two hours), so the booking's time is moved to
    # "in an hour" directly in the database, as if the week had gone by: inside the default 2-hour cutoff.
    soon = utcnow().replace(microsecond=0) + timedelta(hours=1)
    consultation.starts_at, consultation.ends_at = soon, soon + timedelta(hours=1)
    db.session.commit()
    login_as(client, booker)
    response = client.post(f"/beratung/buchungen/{consultation.id}/verschieben",
                           data={"starts_at": slot_value(target.starts_at)}, follow_redirects=True)
    assert "Die Beratung kann nur bis 2 Stunden vor Beginn verschoben werden." in text(response)
    assert fresh(Consultation, consultation.id).starts_at == soon


def test_moving_onto_a_taken_slot_or_by_someone_else_is_refused(client, create_user, booker, expert_profile, reserve):
    consultation = reserve(booker, expert_profile, days=7)
    other = reserve(create_user("coordinator"), expert_profile, days=9)
    login_as(client, booker)
    response = client.post(f"/beratung/buchungen/{consultation.id}/verschieben",
                           data={"starts_at": slot_value(other.starts_at)}, follow_redirects=True)
    assert "Dieser Termin ist bereits vergeben." in text(response)
    assert client.post(f"/beratung/buchungen/{consultation.id}/verschieben",
                       data={"starts_at": "kaputt"}).status_code == 400
    login_as(client, create_user("partner"))
    assert client.post(f"/beratung/buchungen/{consultation.id}/verschieben",
                       data={"starts_at": slot_value(slots_on(expert_profile, 10)[0].starts_at)}).status_code == 404
    assert fresh(Consultation, consultation.id).starts_at == consultation.starts_at


def test_expert_records_the_outcome_which_the_booker_does_not_see(client, booker, expert_profile, reserve):
    consultation = reserve(booker, expert_profile, days=7)
    url = f"/beratung/buchungen/{consultation.id}"
    login_as(client, expert_profile.user)
    client.post(f"{url}/bestaetigen")
    # Before the start the outcome is refused.
    response = client.post(f"{url}/ergebnis", data={"result": "support", "outcome": OUTCOME}, follow_redirects=True)
    assert "erst nach Beginn einer bestätigten Beratung" in text(response)
    # The services refuse every booking in the past, so a held consultation is made by moving the confirmed
    # booking's time into the past directly in the database, as if the week had gone by.
    row = fresh(Consultation, consultation.id)
    row.starts_at, row.ends_at = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=2)
    db.session.commit()
    page = text(client.get(url))
    assert "Dokumentation speichern" in page and "Termin absagen" not in page
    response = client.post(f"{url}/ergebnis", data={"result": "support", "outcome": OUTCOME})
    assert response.status_code == 302
    page = text(client.get(url))
    assert "Die Dokumentation ist gespeichert." in page and OUTCOME in page
    assert fresh(Consultation, consultation.id).status == "completed"
    assert db.session.get(CaseContent, consultation.id).result == "support"

    login_as(client, booker)
    page = text(client.get(url))
    assert "Die Beratung hat stattgefunden." in page and "hat stattgefunden" in page
    assert OUTCOME not in page and "ERGEBNIS-NOTIZ" not in page and "Dokumentation speichern" not in page
    assert MARKER in page  # the booker still sees the own vignette
    assert client.post(f"{url}/ergebnis", data={"outcome": "von mir"}).status_code == 403


def test_outcome_form_refuses_an_unknown_result(client, booker, expert_profile, reserve):
    consultation = reserve(booker, expert_profile, days=7)
    services.confirm(expert_profile.user, consultation, now=utcnow())
    consultation.starts_at, consultation.ends_at = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=2)
    db.session.commit()  # moved into the past directly, as above
    login_as(client, expert_profile.user)
    response = client.post(f"/beratung/buchungen/{consultation.id}/ergebnis", data={"result": "gibtesnicht"},
                           follow_redirects=True)
    assert "Not a valid choice" in text(response) or "gültig" in text(response)
    assert fresh(Consultation, consultation.id).status == "confirmed"


# --- "Meine Beratungen" ---------------------------------------------------------------------

def test_my_bookings_for_booker_and_expert(client, create_user, booker, expert_profile, reserve):
    consultation = reserve(booker, expert_profile)
    login_as(client, booker)
    page = text(client.get("/beratung/buchungen"))
    assert consultation.case_code in page and "Erika Expertin" in page and "angefragt" in page
    assert MARKER not in page
    assert consultation.case_code not in text(client.get("/beratung/buchungen?ansicht=vergangen"))
    login_as(client, expert_profile.user)
    page = text(client.get("/beratung/buchungen"))
    assert consultation.case_code in page and "Paula Partnerin" in page and "Als Fachkraft" in page
    login_as(client, create_user("partner"))
    page = text(client.get("/beratung/buchungen"))
    assert consultation.case_code not in page and "Fachberatung finden" in page


# --- statistics and audit log ---------------------------------------------------------------

@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_statistics_show_counts_and_no_case_content(client, create_user, booker, expert_profile, reserve, role):
    first = reserve(booker, expert_profile, days=7)
    second = reserve(create_user("coordinator"), expert_profile, days=8)
    services.cancel(booker, first, reason="Geklärt", now=utcnow())
    reserve(booker, expert_profile, days=9)
    db.session.commit()
    login_as(client, create_user(role))
    response = client.get("/beratung/uebersicht")
    assert response.status_code == 200
    page = text(response)
    assert "weniger als 5 Personen Beratungen gebucht" in page and "Beratungen je Monat" not in page
    # The list of bookings (metadata) is for admins; coordinators get the figures only.
    assert (first.case_code in page and second.case_code in page and "abgesagt" in page) == (role == "admin")
    # Too few people for figures: the type shows in the admin's list of bookings only.
    assert ("Fachberatung zur Gefährdungseinschätzung" in page and "Video" in page) == (role == "admin")
    assert MARKER not in page and "Geklärt" not in page and "3–5 Jahre" not in page
    assert ("Zugriffsprotokoll der Falldaten" in page) == (role == "admin")


@pytest.mark.parametrize("role", ["partner", "expert"])
def test_statistics_are_not_for_bookers_or_experts(client, create_user, role):
    login_as(client, create_user(role))
    assert client.get("/beratung/uebersicht").status_code == 403


def test_audit_log_is_for_admins_only(client, create_user, booker, expert_profile, reserve):
    consultation = reserve(booker, expert_profile)
    login_as(client, booker)
    client.get(f"/beratung/buchungen/{consultation.id}")
    admin = create_user("admin", name="Ada Admin")
    login_as(client, admin)
    page = text(client.get("/beratung/protokoll"))
    assert consultation.case_code in page and "Paula Partnerin" in page
    assert "gelesen" in page and "geschrieben" in page and MARKER not in page
    for role in ("coordinator", "partner", "expert"):
        login_as(client, create_user(role))
        assert client.get("/beratung/protokoll").status_code == 403, role


# --- bounded queries ------------------------------------------------------------------------

def _many_bookings(app, booker, profiles, count: int, reserve):
    """*count* bookings by *booker*, spread over the experts' free slots (one a day and expert)."""
    app.config["CONSULTATION_MAX_OPEN_PER_EXPERT"] = 1000
    made = 0
    for days in itertools.count(3):
        for profile in profiles:
            if made == count:
                return
            reserve(booker, profile, days=days)
            made += 1


def test_my_bookings_run_a_bounded_number_of_queries(app, client, create_user, booker, offer, reserve,
                                                     count_queries):
    profiles = [offer(), offer()]
    _many_bookings(app, booker, profiles, 3, reserve)

    def measure(user):
        login_as(client, user)
        with count_queries() as statements:
            page = text(client.get("/beratung/buchungen"))
        return len(statements), page

    few, few_expert = measure(booker)[0], measure(profiles[0].user)[0]  # the expert's view checks conflicts too
    _many_bookings(app, booker, profiles, 27, reserve)
    many, page = measure(booker)
    assert many == few
    assert "Seite 1 von 2 (30 Einträge)" in page
    many_expert, page = measure(profiles[0].user)
    assert many_expert == few_expert
    assert page.count("Paula Partnerin") == db.session.scalar(
        select(func.count()).where(Consultation.expert_id == profiles[0].user_id)) == 16


def test_overview_runs_a_bounded_number_of_queries(app, client, create_user, booker, offer, reserve, count_queries):
    profiles = [offer(), offer()]
    _many_bookings(app, booker, profiles, 3, reserve)
    login_as(client, create_user("admin"))
    with count_queries() as few:
        assert client.get("/beratung/uebersicht").status_code == 200
    for number in (6, 6, 5, 5, 5):  # by five more people, so that the figures are shown
        _many_bookings(app, create_user("coordinator"), profiles, number, reserve)
    with count_queries() as many:
        page = text(client.get("/beratung/uebersicht"))
    assert len(many) == len(few)
    assert "30 Beratungen insgesamt" in page and "Seite 1 von 2 (30 Einträge)" in page


def test_find_page_runs_a_bounded_number_of_queries(client, booker, offer, count_queries):
    for _ in range(3):
        offer(weekdays=(0, 2))
    login_as(client, booker)
    with count_queries() as few:
        assert client.get("/beratung").status_code == 200
    for _ in range(27):
        offer(weekdays=(1, 3))
    with count_queries() as many:
        page = text(client.get("/beratung"))
    assert len(many) == len(few)
    assert "30 Fachkräfte gefunden" in page and "Seite 1 von 2 (30 Einträge)" in page


# --- navigation -----------------------------------------------------------------------------

NAV_LABELS = ("Fachberatung", "Beratungszeiten", "Beratungsstatistik")


@pytest.mark.parametrize("role,expected", [
    ("partner", {"Fachberatung"}),
    ("coordinator", {"Fachberatung", "Beratungsstatistik"}),
    ("expert", {"Beratungszeiten"}),
    ("admin", {"Beratungsstatistik"}),
    ("trainer", set()),
])
def test_start_page_offers_the_consultation_areas_per_role(client, create_user, role, expected):
    login_as(client, create_user(role))
    page = text(client.get("/"))
    linked = {label for label in NAV_LABELS if re.search(rf'href="/beratung[^"]*"[^>]*>{label}</a>', page)}
    assert linked == expected
    assert ('href="/beratung/buchungen"' in page) == (role in ("partner", "coordinator", "expert"))


# --- what cannot be undone asks first ---------------------------------------------------------

CONFIRMED = {"bestaetigt": "1"}


def _mails() -> int:
    from lms.notifications.models import OutboxMessage

    return db.session.scalar(select(func.count(OutboxMessage.id)))


@pytest.mark.parametrize("path,field,who,question,done", [
    ("ablehnen", "decline-reason", "expert", "Wirklich die Anfrage ablehnen?", "declined"),
    ("absagen", "cancel-reason", "booker", "Wirklich den Termin absagen?", "cancelled"),
    ("absagen", "cancel-reason", "expert", "Wirklich den Termin absagen?", "cancelled"),
])
def test_declining_and_cancelling_show_the_reason_and_the_consequences_first(client, booker, expert_profile, reserve,
                                                                             path, field, who, question, done):
    consultation = reserve(booker, expert_profile)
    login_as(client, expert_profile.user if who == "expert" else booker)
    url = f"/beratung/buchungen/{consultation.id}/{path}"
    before = _mails()
    asked = client.post(url, data={field: "Der Schwerpunkt passt nicht."})
    assert asked.status_code == 200
    page = text(asked)
    assert question in page and "Der Schwerpunkt passt nicht." in page
    assert "sieht Ihre Begründung auf der Buchungsseite" in page and "sofort wieder frei" in page
    assert (fresh(Consultation, consultation.id).status, _mails()) == ("requested", before)
    assert client.post(url, data={field: "Der Schwerpunkt passt nicht.", **CONFIRMED}).status_code == 302
    assert fresh(Consultation, consultation.id).status == done and _mails() > before


def test_a_move_shows_the_old_and_the_new_time_first(client, booker, expert_profile, reserve):
    consultation = reserve(booker, expert_profile, days=7)
    target = slots_on(expert_profile, 9)[1]
    login_as(client, booker)
    url = f"/beratung/buchungen/{consultation.id}/verschieben"
    asked = client.post(url, data={"starts_at": slot_value(target.starts_at)})
    page = text(asked)
    assert asked.status_code == 200 and "Wirklich den Termin verschieben?" in page
    assert "Bisher" in page and "Neu" in page
    assert target.starts_at.astimezone(BERLIN).strftime("%d.%m.%Y, %H:%M") in page
    assert "Der neue Termin wartet wieder auf die Bestätigung der Fachkraft." in page
    assert f'href="/beratung/fachkraefte/{expert_profile.user_id}?verschieben={consultation.id}"' in page
    assert fresh(Consultation, consultation.id).starts_at == consultation.starts_at
    client.post(url, data={"starts_at": slot_value(target.starts_at), **CONFIRMED})
    assert fresh(Consultation, consultation.id).starts_at == target.starts_at


def test_strangers_get_404_at_either_step(client, create_user, booker, expert_profile, reserve):
    consultation = reserve(booker, expert_profile)
    login_as(client, create_user("partner"))
    for path, data in (("absagen", {"cancel-reason": "weg"}), ("verschieben", {"starts_at": slot_value(
            slots_on(expert_profile, 9)[0].starts_at)})):
        url = f"/beratung/buchungen/{consultation.id}/{path}"
        assert client.post(url, data=data).status_code == 404
        assert client.post(url, data={**data, **CONFIRMED}).status_code == 404
    assert fresh(Consultation, consultation.id).status == "requested"


def test_removing_a_window_or_an_absence_asks_first(client, expert_profile):
    expert = expert_profile.user
    today = utcnow().astimezone(BERLIN).date()
    absence = services.add_absence(expert, expert, today + timedelta(days=20), today + timedelta(days=21), "Urlaub",
                                   now=utcnow())
    db.session.commit()
    window = services.windows_of(expert)[0]
    login_as(client, expert)
    for url, question in ((f"/beratung/verfuegbarkeit/zeitfenster/{window.id}/loeschen",
                           "Wirklich das Zeitfenster entfernen?"),
                          (f"/beratung/verfuegbarkeit/abwesenheiten/{absence.id}/loeschen",
                           "Wirklich die Abwesenheit entfernen?")):
        asked = client.post(url)
        assert asked.status_code == 200 and question in text(asked)
        assert (rows(AvailabilityWindow), rows(Absence)) == (7, 1)
    assert "Bestehende Buchungen darin bleiben bestehen" in text(client.post(
        f"/beratung/verfuegbarkeit/zeitfenster/{window.id}/loeschen"))
    client.post(f"/beratung/verfuegbarkeit/zeitfenster/{window.id}/loeschen", data=CONFIRMED)
    client.post(f"/beratung/verfuegbarkeit/abwesenheiten/{absence.id}/loeschen", data=CONFIRMED)
    assert (rows(AvailabilityWindow), rows(Absence)) == (6, 0)


def test_the_booking_form_names_every_missing_case_field_at_once(client, booker, expert_profile):
    slot = slots_on(expert_profile, 8)[0]
    login_as(client, booker)
    response = client.post(book_url(expert_profile, slot.starts_at),
                           data=_booking_form(slot.starts_at, age_band="", concern="", setting=""))
    assert response.status_code == 422 and rows(Consultation) == 0
    page = text(response)
    summary = page.split("lms-error-summary", 1)[1].split("</ul>", 1)[0]
    assert re.findall(r'href="#([^"]+)"', summary) == ["age_band", "concern", "setting"]
    for field_id, message in (("age_band", "Bitte wählen Sie die Altersgruppe des Kindes."),
                              ("concern", "Bitte wählen Sie die Art der Sorge."),
                              ("setting", "Bitte wählen Sie das Umfeld.")):
        assert re.search(rf'<select[^>]*aria-describedby="{field_id}-error"[^>]*aria-invalid="true"', page) or \
            re.search(rf'<select[^>]*aria-invalid="true"[^>]*id="{field_id}"', page), field_id
        assert f'<p class="kern-error" id="{field_id}-error">' in page and message in page
