"""Journeys from the start page: a coordinator finds her next date and her waitlist place and opens
the offering; a trainer approves a request right there; "Meine Termine" lists the same dates by day."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from lms.auth.services import find_user_by_email
from lms.db import utcnow
from lms.extensions import db
from lms.ical import BERLIN
from lms.module import services
from lms.module.services import ModuleInput, OfferingInput
from tests.e2e.conftest import assert_accessible, log_in
from tests.module.conftest import day_dates

pytestmark = pytest.mark.e2e


@pytest.fixture
def offering_of(demo_users):
    """An open run of a new module by the demo trainer, for coordinators, its date *days* ahead."""
    trainer = find_user_by_email("referentin@example.org")

    def make(title, *, days, capacity=10, moderated=False):
        now = utcnow()
        module = services.create_module(trainer, ModuleInput(
            code=None, title=title, summary="Für Netzwerkkoordinator*innen", description="", learning_goals="",
            dimension="internal", teaching_units=8, required_attendance=100, audiences=["coordinator"],
            prerequisite_ids=[], trainer_ids=[trainer.id]), now=now)
        services.set_module_state(trainer, module, "published", now=now)
        start = now + timedelta(days=days)
        offering = services.create_offering(trainer, module, OfferingInput(
            capacity=capacity, registration_deadline=start - timedelta(hours=12), region_id=None, moderated=moderated,
            trainer_ids=[trainer.id], dates=day_dates(start)), open_registration=True, now=now)
        db.session.commit()
        return offering

    return make


def test_a_coordinator_sees_her_next_date_and_waitlist_place_and_opens_the_offering(page, demo_users, offering_of,
                                                                                  create_user):
    now = utcnow()
    coordinator = find_user_by_email("koordination@example.org")
    seat = offering_of("Kinderschutz im Sozialraum", days=3)
    full = offering_of("Gesprächsführung im Kinderschutz", days=10, capacity=1)
    services.enrol(create_user("coordinator", name="Karla Koordination"), full, now=now)
    services.enrol(coordinator, seat, now=now)
    services.enrol(coordinator, full, now=now)
    db.session.commit()

    log_in(page, "koordination@example.org", demo_users)
    expect(page.get_by_role("heading", name="Guten Tag, Konstanze Koordination")).to_be_visible()
    assert_accessible(page)
    dates = page.locator("#start-next-dates")
    expect(dates.get_by_role("heading", name="Ihre nächsten Termine")).to_be_visible()
    starts = seat.dates[0].starts_at.astimezone(BERLIN)
    expect(dates).to_contain_text(f"{starts:%d.%m.%Y}, {starts:%H:%M}–")
    expect(dates.get_by_role("link", name="In den Kalender (.ics) – Kinderschutz im Sozialraum")).to_have_attribute(
        "href", f"/qualifizierung/angebote/{seat.id}/termine.ics")
    waiting = page.locator("#start-waiting")
    expect(waiting).to_contain_text("Platz 1 auf der Warteliste")

    waiting.get_by_role("link", name="Gesprächsführung im Kinderschutz").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gesprächsführung im Kinderschutz")
    expect(page).to_have_url(re.compile(rf"/qualifizierung/angebote/{full.id}$"))
    assert_accessible(page)

    page.goto("/")
    page.locator("#start-next-dates").get_by_role("link", name="Kinderschutz im Sozialraum", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kinderschutz im Sozialraum")

    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Meine Termine").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Termine")
    assert_accessible(page)
    expect(page.get_by_role("heading", name=re.compile(rf"{starts.day}\. .* {starts.year}"))).to_have_count(1)
    expect(page.get_by_text("Warteliste", exact=True)).to_be_visible()
    page.get_by_role("link", name="Diese Woche").click()
    expect(page.get_by_role("link", name="Gesprächsführung im Kinderschutz")).to_have_count(0)
    assert_accessible(page)
    expect(page.get_by_role("link", name="Kalender abonnieren").last).to_have_attribute("href", "/konto/kalender")


def test_a_trainer_approves_a_request_from_the_start_page(page, browser, live_server, demo_users, offering_of):
    offering = offering_of("Fallberatung moderieren", days=8, moderated=True)
    services.enrol(find_user_by_email("koordination@example.org"), offering, now=utcnow())
    db.session.commit()

    log_in(page, "referentin@example.org", demo_users)
    requests = page.locator("#start-requests")
    expect(requests.get_by_role("heading", name=re.compile("Anfragen entscheiden"))).to_be_visible()
    expect(requests).to_contain_text("Konstanze Koordination")
    expect(requests).to_contain_text("Fallberatung moderieren")
    assert_accessible(page)
    requests.get_by_role("button", name=re.compile(r"^Annehmen\s*: Konstanze Koordination – Fallberatung")).click()

    expect(page.get_by_text("Die Anfrage wurde angenommen.")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/qualifizierung/verwaltung/angebote/{offering.id}/teilnehmende$"))
    assert_accessible(page)
    page.goto("/")
    expect(page.locator("#start-requests")).to_have_count(0)
    expect(page.locator("#start-taught")).to_contain_text("1 von 10 Plätzen belegt")
