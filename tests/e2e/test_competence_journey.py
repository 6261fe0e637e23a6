"""Journey: a coordinator opens the profile, follows a recommendation and enrols; after the trainer
records attendance the profile shows the new level."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from lms.auth.services import find_user_by_email
from lms.db import utcnow
from lms.extensions import db
from lms.kompetenzen import services as competence_services
from lms.kompetenzen.models import Competence
from lms.module import services
from lms.module.services import ModuleInput, OfferingInput
from tests.e2e.conftest import assert_accessible, log_in, open_page
from tests.module.conftest import day_dates

pytestmark = pytest.mark.e2e
APPROVED = "Die Anfrage wurde angenommen."


def test_profile_recommendation_enrolment_attendance_new_level(page, browser, live_server, demo_users, monkeypatch):
    now = utcnow()
    competence_services.seed_framework(now=now)
    trainer = find_user_by_email("referentin@example.org")
    module = services.create_module(trainer, ModuleInput(
        code=None, title="Gremien wirksam gestalten", summary="Netzwerkforum, Steuerungsgruppe, Projektgruppen",
        description="", learning_goals="", dimension="internal", teaching_units=8, required_attendance=100,
        audiences=["coordinator"], prerequisite_ids=[], trainer_ids=[trainer.id]), now=now)
    services.set_module_state(trainer, module, "published", now=now)
    a3 = db.session.scalar(db.select(Competence).where(Competence.code == "A3"))
    competence_services.map_module(trainer, module, {a3.id: 3})
    start = now + timedelta(days=2)
    offering = services.create_offering(trainer, module, OfferingInput(
        capacity=10, registration_deadline=start - timedelta(hours=12), region_id=None, moderated=False,
        trainer_ids=[trainer.id], dates=day_dates(start)), open_registration=True, now=now)
    db.session.commit()

    log_in(page, "koordination@example.org", demo_users)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Kompetenzprofil").click()
    assert_accessible(page)
    expect(page.get_by_role("img", name="Soll und Ist je Kompetenzbereich")).to_be_visible()
    expect(page.get_by_role("table", name="Soll und Ist je Kompetenzbereich (Durchschnitt der Stufen)")).to_be_visible()
    a3_row = page.get_by_role("row", name="A3 Gremienstruktur gestalten")
    assert a3_row.get_by_role("cell").nth(1).inner_text() == "0"
    card = page.locator(".kern-card", has_text="Gremien wirksam gestalten")
    assert "Hebt „Gremienstruktur gestalten“ von Stufe 0 auf 3" in card.inner_text()
    card.get_by_role("button", name="Platz buchen").click()
    expect(page.get_by_text("Ihr Platz ist gebucht.")).to_be_visible()

    monkeypatch.setattr("lms.module.views.utcnow", lambda: utcnow() + timedelta(days=3))
    trainer_page = open_page(browser, live_server)
    log_in(trainer_page, "referentin@example.org", demo_users)
    trainer_page.goto(f"/qualifizierung/verwaltung/angebote/{offering.id}/anwesenheit")
    trainer_page.get_by_label("Konstanze Koordination anwesend", exact=False).check()
    trainer_page.get_by_role("button", name="Anwesenheit speichern").click()
    expect(trainer_page.get_by_text("Die Anwesenheit wurde gespeichert.")).to_be_visible()
    trainer_page.context.close()

    page.goto("/kompetenzen")
    assert_accessible(page)
    a3_row = page.get_by_role("row", name="A3 Gremienstruktur gestalten")
    assert a3_row.get_by_role("cell").nth(1).inner_text() == "3"
    assert "Stufe 3: Abgeschlossenes Modul „Gremien wirksam gestalten“" in a3_row.inner_text()


def test_a_missing_prerequisite_leads_to_a_request_the_trainer_approves(page, browser, live_server, demo_users):
    """The first recommendation needs a module she is still attending: the card names it and asks the
    trainers for admission; the trainer approves in the list; the offering page shows her seat."""
    now = utcnow()
    competence_services.seed_framework(now=now)
    trainer = find_user_by_email("referentin@example.org")
    coordinator = find_user_by_email("koordination@example.org")

    def module_with_run(title, *, prerequisites=(), builds=None):
        module = services.create_module(trainer, ModuleInput(
            code=None, title=title, summary="Für Netzwerkkoordinator*innen", description="", learning_goals="",
            dimension="internal", teaching_units=8, required_attendance=100, audiences=["coordinator"],
            prerequisite_ids=[m.id for m in prerequisites], trainer_ids=[trainer.id]), now=now)
        services.set_module_state(trainer, module, "published", now=now)
        if builds:
            competence = db.session.scalar(db.select(Competence).where(Competence.code == builds))
            competence_services.map_module(trainer, module, {competence.id: 3})
        start = now + timedelta(days=20)
        offering = services.create_offering(trainer, module, OfferingInput(
            capacity=10, registration_deadline=start - timedelta(days=1), region_id=None, moderated=False,
            trainer_ids=[trainer.id], dates=day_dates(start)), open_registration=True, now=now)
        return module, offering

    basics, basics_run = module_with_run("Grundlagen der Netzwerkarbeit")
    _module, offering = module_with_run("Steuerung im Netzwerk", prerequisites=[basics], builds="A3")
    services.enrol(coordinator, basics_run, now=now)
    db.session.commit()

    log_in(page, "koordination@example.org", demo_users)
    page.goto("/kompetenzen")
    card = page.locator(".kern-card", has_text="Steuerung im Netzwerk")
    expect(card.get_by_text("Zuerst:")).to_be_visible()
    expect(card.get_by_role("link", name="Grundlagen der Netzwerkarbeit")).to_be_visible()
    assert card.get_by_role("button", name="Anmelden").count() == 0
    card.get_by_role("button", name="Zulassung anfragen").click()
    expect(page.get_by_text("Ihre Anfrage ist bei den Referent*innen.")).to_be_visible()
    expect(page.locator("#mein-status")).to_contain_text("Angefragt")
    assert_accessible(page)

    trainer_page = open_page(browser, live_server)
    log_in(trainer_page, "referentin@example.org", demo_users)
    trainer_page.goto(f"/qualifizierung/verwaltung/angebote/{offering.id}/teilnehmende")
    expect(trainer_page.get_by_text("Zulassung angefragt, es fehlt: Grundlagen der Netzwerkarbeit")).to_be_visible()
    request = trainer_page.locator("tr", has_text="koordination@example.org")
    request.get_by_role("button", name="Annehmen").click()
    expect(trainer_page.get_by_text(APPROVED)).to_be_visible()
    trainer_page.context.close()

    page.reload()
    expect(page.locator("#mein-status")).to_contain_text("Platz gebucht")
