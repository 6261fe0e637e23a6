"""The qualification pages over HTTP: access rules, forms, catalogue, downloads (exports: test_exports.py)."""
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from lms.extensions import db
from lms.module import services
from lms.module.models import Enrolment, ModuleState, Offering
from tests.conftest import FIXED_NOW, login_as


def test_catalogue_is_public_and_lists_published_modules_only(client, create_module, create_offering):
    create_offering(create_module(title="Rechtliche Grundlagen"))
    create_module(title="Geheimer Entwurf", state=ModuleState.DRAFT)
    page = client.get("/qualifizierung").get_data(as_text=True)
    assert "Rechtliche Grundlagen" in page and "Geheimer Entwurf" not in page


def test_catalogue_filters(client, create_module, create_offering, create_region, now):
    dresden, leipzig = create_region("Dresden"), create_region("Leipzig")
    create_offering(create_module(title="Moderation", dimension="internal"), region=dresden,
                    starts_in=timedelta(days=10))
    create_offering(create_module(title="Kinderrechte", dimension="performance", audiences=["health"]),
                    region=leipzig, starts_in=timedelta(days=40), capacity=1)
    kinderrechte = db.session.scalar(select(Offering).join(Offering.module).where(Offering.region_id == leipzig.id))
    from lms.auth.services import create_user as make_user  # a partner of the targeted sector fills the seat
    services.enrol(make_user(email="h@example.org", name="H", roles=["partner"], password="Passwort-123",
                             sector="health", now=now), kinderrechte, now=now)
    db.session.commit()

    def titles(query):
        page = client.get("/qualifizierung?" + query).get_data(as_text=True)
        return {title for title in ("Moderation", "Kinderrechte") if title in page}

    assert titles("") == {"Moderation", "Kinderrechte"}
    assert titles("dimension=performance") == {"Kinderrechte"}
    assert titles(f"region={dresden.id}") == {"Moderation"}
    assert titles("zielgruppe=health") == {"Kinderrechte"}
    assert titles("frei=1") == {"Moderation"}
    day = (now + timedelta(days=30)).date().isoformat()
    assert titles(f"von={day}") == {"Kinderrechte"}
    assert titles(f"bis={day}") == {"Moderation"}
    assert titles("q=rechte") == {"Kinderrechte"}
    empty = client.get("/qualifizierung?q=gibtesnicht").get_data(as_text=True)
    assert "Derzeit sind keine passenden Elemente vorhanden." in empty and "Filter zurücksetzen" in empty


def test_catalogue_runs_a_bounded_number_of_queries(client, create_module, create_offering, count_queries):
    for _ in range(2):
        create_offering(create_module())
    with count_queries() as few:
        client.get("/qualifizierung")
    for _ in range(25):
        module = create_module()
        create_offering(module)
        create_offering(module)
    with count_queries() as many:
        page = client.get("/qualifizierung").get_data(as_text=True)
    assert len(many) == len(few)
    assert "Seite 1 von 2" in page


def test_participant_list_runs_a_bounded_number_of_queries(client, create_user, create_offering, trainer,
                                                            count_queries, now):
    offering = create_offering(capacity=3)
    for _ in range(2):
        services.enrol(create_user("coordinator"), offering, now=now)
    db.session.commit()
    login_as(client, trainer)
    url = f"/qualifizierung/verwaltung/angebote/{offering.id}/teilnehmende"
    with count_queries() as few:
        assert client.get(url).status_code == 200
    for _ in range(30):
        services.enrol(create_user("coordinator"), offering, now=now)
    db.session.commit()
    with count_queries() as many:
        page = client.get(url).get_data(as_text=True)
    assert len(many) == len(few)
    assert "Platz 29" in page


def test_draft_modules_and_their_offerings_are_hidden_from_others(client, create_user, create_module,
                                                                   create_offering, trainer):
    offering = create_offering(create_module(state=ModuleState.DRAFT))
    assert client.get(f"/qualifizierung/module/{offering.module_id}").status_code == 404
    assert client.get(f"/qualifizierung/angebote/{offering.id}").status_code == 404
    login_as(client, create_user("coordinator"))
    assert client.get(f"/qualifizierung/angebote/{offering.id}").status_code == 404
    login_as(client, trainer)
    assert client.get(f"/qualifizierung/angebote/{offering.id}").status_code == 200


def test_enrol_and_cancel_through_the_offering_page(client, create_user, create_offering):
    offering = create_offering(capacity=5)
    user = create_user("coordinator")
    login_as(client, user)
    page = client.get(f"/qualifizierung/angebote/{offering.id}").get_data(as_text=True)
    assert "Platz buchen" in page and "5 Plätze frei" in page
    response = client.post(f"/qualifizierung/angebote/{offering.id}/anmelden", follow_redirects=True)
    assert "Ihr Platz ist gebucht." in response.get_data(as_text=True)
    assert "Sie sind angemeldet." not in response.get_data(as_text=True)  # that is the sign-in's message
    enrolment = db.session.scalar(select(Enrolment))
    response = client.post(f"/qualifizierung/anmeldungen/{enrolment.id}/abmelden", data={"bestaetigt": "1"},
                           follow_redirects=True)
    assert "Sie haben Ihren Platz zurückgegeben." in response.get_data(as_text=True)


def test_wrong_sector_sees_why_and_cannot_enrol(client, create_user, create_module, create_offering):
    offering = create_offering(create_module(audiences=["health"]))
    login_as(client, create_user("partner", sector="police"))
    page = client.get(f"/qualifizierung/angebote/{offering.id}").get_data(as_text=True)
    assert "richtet sich nicht an Ihre Rolle oder Ihren Sektor" in page and "Platz buchen" not in page
    response = client.post(f"/qualifizierung/angebote/{offering.id}/anmelden", follow_redirects=True)
    assert "richtet sich nicht an Ihre Rolle" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Enrolment.id))) == 0


@pytest.mark.parametrize("role", ["admin", "trainer"])
def test_roles_that_do_not_take_part_cannot_post_enrolments(client, create_user, create_offering, role):
    offering = create_offering()
    login_as(client, create_user(role))
    assert client.post(f"/qualifizierung/angebote/{offering.id}/anmelden").status_code == 403


def test_someone_elses_enrolment_cannot_be_cancelled(client, create_user, create_offering, now):
    offering = create_offering()
    enrolment = services.enrol(create_user("coordinator"), offering, now=now)
    db.session.commit()
    login_as(client, create_user("coordinator"))
    assert client.post(f"/qualifizierung/anmeldungen/{enrolment.id}/abmelden").status_code == 404
    db.session.refresh(enrolment)
    assert enrolment.status == "enrolled"


MANAGER_PAGES = [
    "/qualifizierung/verwaltung", "/qualifizierung/verwaltung/module/neu",
    "/qualifizierung/verwaltung/module/{module}", "/qualifizierung/verwaltung/module/{module}/durchfuehrungen/neu",
    "/qualifizierung/verwaltung/angebote/{offering}", "/qualifizierung/verwaltung/angebote/{offering}/teilnehmende",
    "/qualifizierung/verwaltung/angebote/{offering}/teilnehmende.csv",
    "/qualifizierung/verwaltung/angebote/{offering}/anwesenheit",
]


@pytest.mark.parametrize("path", MANAGER_PAGES)
@pytest.mark.parametrize("role", ["coordinator", "partner", "expert"])
def test_manager_pages_are_forbidden_to_participants(client, create_user, create_offering, path, role):
    offering = create_offering()
    login_as(client, create_user(role))
    assert client.get(path.format(module=offering.module_id, offering=offering.id)).status_code == 403


@pytest.mark.parametrize("path", MANAGER_PAGES[2:])
def test_other_trainers_cannot_open_someone_elses_module_or_offering(client, create_user, create_offering, path):
    offering = create_offering()
    login_as(client, create_user("trainer"))
    assert client.get(path.format(module=offering.module_id, offering=offering.id)).status_code == 403


def _module_form(**changes):
    data = {"title": "Neues Modul", "summary": "Kurz", "dimension": "internal", "teaching_units": "8",
            "required_attendance": "100", "audiences": ["coordinator"]}
    data.update(changes)
    return data


def test_trainer_creates_a_module_and_is_responsible_for_it(client, trainer):
    login_as(client, trainer)
    response = client.post("/qualifizierung/verwaltung/module/neu", data=_module_form(code="M99"))
    assert response.status_code == 302
    module = db.session.scalar(select(services.Module))
    assert module.state == "draft" and [t.id for t in module.trainers] == [trainer.id]


@pytest.mark.parametrize("changes,message", [
    ({"title": ""}, "einen Titel an"),
    ({"title": "x" * 201}, "Höchstens 200 Zeichen"),
    ({"teaching_units": "0"}, "von 1 bis 500"),
    ({"audiences": []}, "mindestens eine Zielgruppe"),
    ({"dimension": "quer"}, "Not a valid choice"),
])
def test_module_form_refuses_bad_input(client, trainer, changes, message):
    login_as(client, trainer)
    response = client.post("/qualifizierung/verwaltung/module/neu", data=_module_form(**changes))
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(services.Module.id))) == 0
    if message != "Not a valid choice":
        assert message in response.get_data(as_text=True)


def _in_days(days: int) -> str:
    return (FIXED_NOW + timedelta(days=days)).date().isoformat()


def _offering_form(start=None, deadline=None, **changes):
    start, deadline = start or _in_days(20), deadline or _in_days(10)
    data = {"capacity": "12", "deadline_day": deadline, "deadline_time": "12:00", "region": "", "open_now": "y",
            "dates-0-day": start, "dates-0-start": "09:00", "dates-0-end": "16:00", "dates-0-location": "Rathaus"}
    data.update(changes)
    return data


def test_offering_form_converts_berlin_wall_clock_to_utc(client, create_module, trainer):
    module = create_module()
    login_as(client, trainer)
    response = client.post(f"/qualifizierung/verwaltung/module/{module.id}/durchfuehrungen/neu",
                           data=_offering_form(start="2027-07-01", deadline="2027-06-01"))
    assert response.status_code == 302
    offering = db.session.scalar(select(Offering))
    assert offering.dates[0].starts_at.isoformat() == "2027-07-01T07:00:00+00:00"  # 09:00 CEST
    assert offering.state == "open"


@pytest.mark.parametrize("changes,message", [
    ({"dates-0-end": "08:00"}, "Das Ende muss nach dem Beginn liegen."),
    ({"deadline_day": _in_days(21)}, "Anmeldeschluss muss vor dem ersten Termin"),
    ({"dates-1-day": _in_days(20), "dates-1-start": "15:00", "dates-1-end": "17:00", "dates-1-location": "X"},
     "überschneiden sich"),
    ({"dates-0-day": "", "dates-0-start": "", "dates-0-end": "", "dates-0-location": ""}, "mindestens einen Termin"),
    ({"dates-0-end": ""}, "Bitte geben Sie das Ende an."),
    ({"dates-0-location": ""}, "Bitte geben Sie einen Ort oder einen Online-Link an."),
    ({"capacity": "0"}, "von 1 bis 1000"),
    ({"dates-0-online_url": "javascript:alert(1)"}, "vollständige Adresse"),
])
def test_offering_form_refuses_bad_input_and_saves_nothing(client, create_module, trainer, changes, message):
    module = create_module()
    login_as(client, trainer)
    response = client.post(f"/qualifizierung/verwaltung/module/{module.id}/durchfuehrungen/neu",
                           data=_offering_form(**changes))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Offering.id))) == 0


def test_capacity_below_participants_is_refused_in_the_form(client, create_user, create_offering, trainer, now):
    offering = create_offering(capacity=3, starts_in=timedelta(days=30))
    for _ in range(2):
        services.enrol(create_user("coordinator"), offering, now=now)
    db.session.commit()
    login_as(client, trainer)
    page = client.get(f"/qualifizierung/verwaltung/angebote/{offering.id}")
    assert page.status_code == 200
    date = offering.dates[0]
    local = date.starts_at.astimezone(services.BERLIN)
    response = client.post(f"/qualifizierung/verwaltung/angebote/{offering.id}", data=_offering_form(
        start=local.date().isoformat(), deadline=(local - timedelta(days=3)).date().isoformat(), capacity="1",
        **{"dates-0-id": str(date.id)}))
    assert response.status_code == 422
    assert "nicht unter der Zahl der Teilnehmenden (2)" in response.get_data(as_text=True)
    db.session.refresh(offering)
    assert offering.capacity == 3


def test_offering_page_offers_the_dates_as_icalendar(client, create_offering):
    offering = create_offering(dates=2)
    page = client.get(f"/qualifizierung/angebote/{offering.id}").get_data(as_text=True)
    assert 'rel="alternate" type="text/calendar"' in page
    response = client.get(f"/qualifizierung/angebote/{offering.id}/termine.ics")
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 2 and str(events[0]["SUMMARY"]) == offering.module.title
    assert events[0]["DTSTART"].dt.tzinfo is not None


def test_certificate_download_and_public_verification(client, create_user, create_offering, trainer, now):
    offering = create_offering(starts_in=timedelta(days=-3))
    person = create_user("coordinator")
    enrolment = services.enrol(person, offering, actor=trainer, now=now - timedelta(days=5))
    services.record_attendance(trainer, offering, {(enrolment.id, offering.dates[0].id): True}, now=now)
    db.session.commit()
    certificate = services.completions_for(person)[0].certificate
    url = f"/qualifizierung/bescheinigungen/{certificate.id}.pdf"
    assert client.get(url).status_code == 302  # login first
    login_as(client, create_user("coordinator"))
    assert client.get(url).status_code == 404  # not someone else's
    login_as(client, person)
    response = client.get(url)
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    anonymous = client.application.test_client()
    page = anonymous.get(f"/nachweis/{certificate.verification_token}").get_data(as_text=True)
    assert "echt und gültig" in page and certificate.number in page
    fake = anonymous.get("/nachweis/erfunden")
    assert fake.status_code == 404 and "nicht echt" in fake.get_data(as_text=True)


def test_my_learning_shows_waitlist_position_and_units(client, create_user, create_offering, now):
    offering = create_offering(capacity=1)
    services.enrol(create_user("coordinator"), offering, now=now)
    me = create_user("coordinator")
    services.enrol(me, offering, now=now)
    db.session.commit()
    login_as(client, me)
    page = client.get("/mein-lernen").get_data(as_text=True)
    assert "Platz 1 auf der Warteliste" in page and "Binnendimension" in page
    assert "Sie haben noch kein Modul abgeschlossen." in page


def test_markdown_description_is_sanitised(client, create_module, trainer):
    module = create_module()
    module.description = "**wichtig** <script>alert(1)</script> [klick](javascript:alert(1)) <a onclick=x>y</a>"
    db.session.commit()
    page = client.get(f"/qualifizierung/module/{module.id}").get_data(as_text=True)
    assert "<strong>wichtig</strong>" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert 'href="javascript:' not in page and "<a onclick" not in page
