"""Journeys of qualification: find, enrol, attend, certificate; and the waitlist moving up."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from lms.db import utcnow
from lms.extensions import db
from lms.module import services
from lms.module.services import ModuleInput, OfferingInput
from tests.e2e.conftest import assert_accessible, log_in, open_page
from tests.module.conftest import day_dates

pytestmark = pytest.mark.e2e


@pytest.fixture
def published_offering(demo_users):
    """'Rechtliche Grundlagen' by the demo trainer, one date the day after tomorrow."""
    from lms.auth.services import find_user_by_email

    trainer = find_user_by_email("referentin@example.org")
    now = utcnow()

    def make(capacity=10, title="Rechtliche Grundlagen im Kinderschutz"):
        module = services.create_module(trainer, ModuleInput(
            code=None, title=title, summary="§§ 8a, 8b SGB VIII und KKG für die Praxis", description="",
            learning_goals="", dimension="performance", teaching_units=8, required_attendance=100,
            audiences=["coordinator", "youth_welfare"], prerequisite_ids=[], trainer_ids=[trainer.id],
        ), now=now)
        services.set_module_state(trainer, module, "published", now=now)
        start = now + timedelta(days=2)
        offering = services.create_offering(trainer, module, OfferingInput(
            capacity=capacity, registration_deadline=start - timedelta(hours=12), region_id=None, moderated=False,
            trainer_ids=[trainer.id], dates=day_dates(start),
        ), open_registration=True, now=now)
        db.session.commit()
        return offering

    return make


def test_coordinator_enrols_trainer_records_attendance_coordinator_gets_certificate(
        page, browser, live_server, published_offering, demo_users, monkeypatch):
    offering = published_offering()
    log_in(page, "koordination@example.org", demo_users)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Qualifizierung").click()
    assert_accessible(page)
    page.get_by_label("Suche in Titel und Beschreibung").fill("Rechtliche")
    page.get_by_role("button", name="Filtern").click()
    page.get_by_role("link", name="Rechtliche Grundlagen im Kinderschutz").click()
    assert_accessible(page)
    page.get_by_role("link", name=offering.first_starts_at.astimezone(services.BERLIN).strftime("%d.%m.%Y"),
                     exact=False).first.click()
    assert_accessible(page)
    page.get_by_role("button", name="Platz buchen").click()
    expect(page.get_by_text("Ihr Platz ist gebucht.")).to_be_visible()
    assert "Platz gebucht" in page.locator("#mein-status").inner_text()
    assert_accessible(page)

    # Two days later the date has taken place; the trainer records attendance.
    later = utcnow() + timedelta(days=3)
    monkeypatch.setattr("lms.module.views.utcnow", lambda: later)
    trainer_page = open_page(browser, live_server)
    log_in(trainer_page, "referentin@example.org", demo_users)
    trainer_page.goto(f"/qualifizierung/verwaltung/angebote/{offering.id}/anwesenheit")
    assert_accessible(trainer_page)
    trainer_page.get_by_label("Konstanze Koordination anwesend", exact=False).check()
    trainer_page.get_by_role("button", name="Anwesenheit speichern").click()
    expect(trainer_page.get_by_text("Die Anwesenheit wurde gespeichert.")).to_be_visible()
    expect(trainer_page.get_by_role("cell", name="ja", exact=True)).to_be_visible()
    trainer_page.context.close()

    page.goto("/mein-lernen")
    assert_accessible(page)
    expect(page.get_by_role("cell", name="Rechtliche Grundlagen im Kinderschutz", exact=True)).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDF herunterladen").click()
    download = download_info.value
    assert download.suggested_filename.startswith("teilnahmebescheinigung-TB-")
    assert download.path().read_bytes()[:4] == b"%PDF"


def test_full_offering_waitlist_and_promotion_when_someone_cancels(page, browser, live_server, published_offering,
                                                                   demo_users):
    offering = published_offering(capacity=1, title="Verfahren im Gefährdungsfall")
    partner_page = open_page(browser, live_server)
    log_in(partner_page, "partner@example.org", demo_users)
    partner_page.goto(f"/qualifizierung/angebote/{offering.id}")
    partner_page.get_by_role("button", name="Platz buchen").click()
    expect(partner_page.get_by_text("Ihr Platz ist gebucht.")).to_be_visible()

    log_in(page, "koordination@example.org", demo_users)
    page.goto(f"/qualifizierung/angebote/{offering.id}")
    expect(page.get_by_text("Ausgebucht").first).to_be_visible()
    page.get_by_role("button", name="Auf die Warteliste setzen").click()
    assert "Platz 1 auf der Warteliste" in page.locator("#mein-status").inner_text()
    assert_accessible(page)

    partner_page.get_by_role("button", name="Platz zurückgeben").click()
    expect(partner_page.get_by_text("Ihr Platz geht an die erste Person der Warteliste.")).to_be_visible()
    partner_page.get_by_role("button", name="Platz zurückgeben").click()
    expect(partner_page.get_by_text("Sie haben Ihren Platz zurückgegeben.")).to_be_visible()
    partner_page.context.close()

    page.goto("/mein-lernen")
    assert_accessible(page)
    card = page.locator(".kern-card", has_text="Verfahren im Gefährdungsfall")
    assert "Platz gebucht" in card.inner_text() and "Warteliste" not in card.inner_text()
