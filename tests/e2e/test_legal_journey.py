"""Journey: an admin follows the footer link to the Impressum, fills in the draft, and a visitor
reads it from the footer of any page."""
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, log_in

pytestmark = pytest.mark.e2e


def test_admin_writes_the_impressum_and_a_visitor_reads_it(page, browser, live_server, demo_users):
    log_in(page, "admin@example.org", demo_users)
    page.get_by_role("contentinfo").get_by_role("link", name="Impressum").click()
    expect(page.get_by_text("Entwurf: Der Betreiber dieser Plattform hat diese Seite noch nicht ausgefüllt.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Text bearbeiten").click()
    assert_accessible(page)
    page.get_by_label("Text der Seite").fill("**Landkreis Musterstadt**, Jugendamt\n\n- Telefon: 03456 7890")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("„Impressum“ ist gespeichert.")).to_be_visible()

    visitor = browser.new_context(base_url=live_server, locale="de-DE").new_page()
    visitor.goto("/qualifizierung")
    visitor.get_by_role("contentinfo").get_by_role("link", name="Impressum").click()
    expect(visitor.get_by_role("heading", name="Impressum")).to_be_visible()
    expect(visitor.locator("strong", has_text="Landkreis Musterstadt")).to_be_visible()
    expect(visitor.get_by_text("noch nicht ausgefüllt")).to_have_count(0)
    assert visitor.get_by_role("link", name="Text bearbeiten").count() == 0
    visitor.context.close()
