"""Journeys of the second step and of forms that tell the truth: giving back a seat through its
confirmation page, and a form that names every wrong field at once, at the field and in a summary."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.auth.services import find_user_by_email
from lms.db import utcnow
from lms.extensions import db
from lms.module import services
from lms.module.models import Enrolment, Module, Offering
from lms.module.services import ModuleInput, OfferingInput
from tests.e2e.conftest import assert_accessible, log_in
from tests.module.conftest import day_dates

pytestmark = pytest.mark.e2e


@pytest.fixture
def trainer_module(demo_users):
    trainer = find_user_by_email("referentin@example.org")
    now = utcnow()
    module = services.create_module(trainer, ModuleInput(
        code=None, title="Insoweit erfahrene Fachkraft einbeziehen", summary="Wann und wie nach § 8b SGB VIII",
        description="", learning_goals="", dimension="performance", teaching_units=4, required_attendance=100,
        audiences=["coordinator", "youth_welfare"], prerequisite_ids=[], trainer_ids=[trainer.id],
    ), now=now)
    services.set_module_state(trainer, module, "published", now=now)
    db.session.commit()
    return module


def _status(user_email: str, offering_id: int) -> str:
    db.session.expire_all()
    return db.session.scalar(select(Enrolment.status).where(
        Enrolment.offering_id == offering_id, Enrolment.user_id == find_user_by_email(user_email).id))


def test_coordinator_gives_back_a_seat_through_the_confirmation_and_the_first_waiting_moves_up(
        page, trainer_module, demo_users):
    trainer, now = find_user_by_email("referentin@example.org"), utcnow()
    start = now + timedelta(days=3)
    offering = services.create_offering(trainer, trainer_module, OfferingInput(
        capacity=1, registration_deadline=start - timedelta(hours=12), region_id=None, moderated=False,
        trainer_ids=[trainer.id], dates=day_dates(start)), open_registration=True, now=now)
    services.enrol(find_user_by_email("koordination@example.org"), offering, now=now)
    services.enrol(find_user_by_email("partner@example.org"), offering, now=now + timedelta(minutes=1))
    db.session.commit()
    offering_id = offering.id

    log_in(page, "koordination@example.org", demo_users)
    page.goto("/mein-lernen")
    card = page.locator(".kern-card", has_text="Insoweit erfahrene Fachkraft einbeziehen")
    card.get_by_role("button", name="Platz zurückgeben").click()

    # The first step names what will happen and changes nothing.
    expect(page.get_by_role("heading", level=1, name="Wirklich Ihren Platz zurückgeben?")).to_be_visible()
    expect(page.get_by_text("Ihr Platz geht an die erste Person der Warteliste.")).to_be_visible()
    assert_accessible(page)
    assert _status("koordination@example.org", offering_id) == "enrolled"
    page.get_by_role("link", name="Abbrechen").click()
    expect(page.get_by_role("heading", level=1, name="Mein Lernen")).to_be_visible()
    assert _status("koordination@example.org", offering_id) == "enrolled"

    card.get_by_role("button", name="Platz zurückgeben").click()
    page.get_by_role("button", name="Platz zurückgeben").click()
    expect(page.get_by_text("Sie haben Ihren Platz zurückgegeben.")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name="Mein Lernen")).to_be_visible()
    expect(page.locator(".kern-card", has_text="Insoweit erfahrene Fachkraft einbeziehen")).to_have_count(0)
    assert_accessible(page)
    assert _status("koordination@example.org", offering_id) == "cancelled"
    assert _status("partner@example.org", offering_id) == "enrolled"
    assert db.session.get(Offering, offering_id).seats_taken == 1


def test_the_offering_form_names_three_wrong_fields_at_once_at_each_field_and_in_a_summary(
        page, trainer_module, demo_users):
    log_in(page, "referentin@example.org", demo_users)
    page.goto(f"/qualifizierung/verwaltung/module/{trainer_module.id}/durchfuehrungen/neu")
    assert_accessible(page)
    day = (utcnow() + timedelta(days=20)).date().isoformat()
    page.get_by_label("Plätze").fill("0")
    page.get_by_label("Anmeldeschluss (Uhrzeit)").fill("12:00")
    page.locator("#dates-0-day").fill(day)
    page.locator("#dates-0-start").fill("10:00")
    page.locator("#dates-0-end").fill("09:00")
    page.locator("#dates-0-location").fill("Rathaus, Saal 2")
    page.get_by_role("button", name="Durchführung speichern").click()

    summary = page.get_by_role("alert").filter(has_text="Bitte prüfen Sie Ihre Angaben")
    expect(summary).to_be_visible()
    expected = {
        "capacity": "Bitte eine Zahl von 1 bis 1000.",
        "deadline_day": "Bitte geben Sie den Anmeldeschluss an.",
        "dates-0-end": "Das Ende muss nach dem Beginn liegen.",
    }
    links = summary.get_by_role("link")
    expect(links).to_have_count(3)
    assert [link.get_attribute("href") for link in links.all()] == [f"#{field_id}" for field_id in expected]
    for field_id, message in expected.items():
        field = page.locator(f"#{field_id}")
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#{field_id}-error")).to_have_text(message)
        assert f"{field_id}-error" in field.get_attribute("aria-describedby").split()
    expect(summary.get_by_role("link", name="Termin 1, Ende: Das Ende muss nach dem Beginn liegen.")).to_be_visible()
    expect(page.locator("#dates-0-location")).not_to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    summary.get_by_role("link", name="Plätze: Bitte eine Zahl von 1 bis 1000.").click()
    assert page.url.endswith("#capacity")
    assert db.session.scalar(select(Offering.id).where(Offering.module_id == trainer_module.id)) is None

    # Corrected, with a second date added and a third added and removed again: saved with two dates.
    page.get_by_label("Plätze").fill("12")
    page.get_by_label("Anmeldeschluss (Datum)").fill((utcnow() + timedelta(days=10)).date().isoformat())
    page.locator("#dates-0-end").fill("16:00")
    page.get_by_role("button", name="Weiteren Termin hinzufügen").click()
    page.get_by_role("button", name="Weiteren Termin hinzufügen").click()
    expect(page.get_by_role("group", name="Termin 3")).to_be_visible()
    page.locator("#dates-1-day").fill((utcnow() + timedelta(days=21)).date().isoformat())
    page.locator("#dates-1-start").fill("09:00")
    page.locator("#dates-1-end").fill("12:00")
    page.locator("#dates-1-online_url").fill("https://video.example.org/kurs")
    page.locator("#dates-2-day").fill((utcnow() + timedelta(days=22)).date().isoformat())
    page.get_by_role("group", name="Termin 3").get_by_label("Diesen Termin entfernen").check()
    page.locator("#dates-1-end").press("Enter")  # Enter saves: the form's first button is the save button
    expect(page.get_by_text("Die Durchführung wurde angelegt.")).to_be_visible()
    offering = db.session.scalar(select(Offering).where(Offering.module_id == trainer_module.id))
    assert offering.capacity == 12 and len(offering.dates) == 2
    assert offering.dates[1].online_url == "https://video.example.org/kurs"


def test_a_trainer_finds_a_co_trainer_by_search_and_saves_the_module_with_her(page, trainer_module, demo_users,
                                                                              create_user):
    create_user("trainer", name="Tobias Trainer", email="trainer2@example.org")
    log_in(page, "referentin@example.org", demo_users)
    page.goto(f"/qualifizierung/verwaltung/module/{trainer_module.id}")
    trainers = page.get_by_role("group", name="Verantwortliche Referent*innen")
    expect(trainers.get_by_role("checkbox")).to_have_count(1)  # only who is chosen, not every trainer
    search = trainers.get_by_label("Referent*in suchen (Name)")
    search.fill("tobias")
    search.press("Enter")  # Enter in the search searches (lms.js), it does not save
    expect(trainers.get_by_text("Treffer für „tobias“ – zum Hinzufügen ankreuzen:")).to_be_visible()
    expect(page.locator("#trainers-treffer")).to_be_focused()  # a screen reader reads the matches, in view
    assert page.evaluate("window.scrollY") > 0
    assert_accessible(page)
    trainers.get_by_label("Tobias Trainer").check()
    page.get_by_label("Titel", exact=True).press("Enter")  # Enter in any other field saves
    expect(page.get_by_text("Das Modul wurde gespeichert.")).to_be_visible()
    expect(trainers.get_by_label("Tobias Trainer")).to_be_checked()
    db.session.expire_all()
    assert {t.email for t in db.session.get(Module, trainer_module.id).trainers} == {
        "referentin@example.org", "trainer2@example.org"}
