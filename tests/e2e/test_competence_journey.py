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
from tests.e2e.conftest import assert_accessible, log_in
from tests.module.conftest import day_dates

pytestmark = pytest.mark.e2e


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
    card.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_text("Sie sind angemeldet.")).to_be_visible()

    monkeypatch.setattr("lms.module.views.utcnow", lambda: utcnow() + timedelta(days=3))
    trainer_page = browser.new_context(base_url=live_server, locale="de-DE", bypass_csp=True).new_page()
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
    assert "Abgeschlossenes Modul 3 (Gremien wirksam gestalten)" in a3_row.inner_text()
