"""Journey: a coordinator copies the feed address from the settings page; the feed holds the enrolment."""
import urllib.request

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from lms.auth.services import find_user_by_email
from lms.module import services
from tests.e2e.conftest import assert_accessible, log_in

pytestmark = pytest.mark.e2e


def test_coordinator_subscribes_and_the_feed_holds_the_enrolment(page, live_server, demo_users, create_offering, now):
    from lms.db import utcnow
    from lms.extensions import db

    offering = create_offering()
    services.enrol(find_user_by_email("koordination@example.org"), offering, now=utcnow())
    db.session.commit()

    log_in(page, "koordination@example.org", demo_users)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Kalender abonnieren").click()
    assert_accessible(page)
    page.get_by_role("button", name="Kalender-Adresse erzeugen").click()
    expect(page.get_by_text("Ihre Kalender-Adresse ist bereit.")).to_be_visible()
    assert_accessible(page)
    address = page.get_by_label("Ihre Kalender-Adresse").input_value()
    assert "/kalender/" in address and page.get_by_role("link", name="Im Kalenderprogramm abonnieren") \
        .get_attribute("href").startswith("webcal://")
    feed_path = address.split("/kalender/", 1)[1]
    with urllib.request.urlopen(f"{live_server}/kalender/{feed_path}") as response:
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        calendar = Calendar.from_ical(response.read())
    assert [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")] == [offering.module.title]
