"""On a phone, the emergency numbers valid right now are one tap away for a signed-in partner (her own
region) and two for a visitor (the header's "Notfall", then the region)."""
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, log_in, open_page
from tests.e2e.test_accessibility import full_demo  # noqa: F401 - the shared demo fixture
from tests.e2e.test_layout import WIDTHS

pytestmark = pytest.mark.e2e


def test_a_partner_on_a_phone_taps_notfall_and_a_visitor_taps_notfall_and_her_region(browser, live_server,
                                                                                    full_demo):
    partner = open_page(browser, live_server, viewport=WIDTHS["phone"])
    log_in(partner, "partner@example.org", "Demo-Passwort-1")
    partner.wait_for_url("**/")
    partner.get_by_role("link", name="Notfall", exact=True).click()  # tap 1
    expect(partner.get_by_role("heading", level=1)).to_have_text("Kinderschutz-Notfall in Landkreis Leipzig")
    reachable = partner.locator("main ul").first
    expect(reachable.locator("a[href^='tel:']").first).to_be_visible()
    expect(partner.get_by_role("link", name="110", exact=True)).to_have_attribute("href", "tel:110")
    assert_accessible(partner)
    partner.context.close()

    visitor = open_page(browser, live_server, viewport=WIDTHS["phone"])
    visitor.goto("/qualifizierung")
    visitor.get_by_role("link", name="Notfall", exact=True).click()  # tap 1
    visitor.get_by_role("link", name="Vogtlandkreis").click()  # tap 2
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Kinderschutz-Notfall in Vogtlandkreis")
    expect(visitor.get_by_text("Jetzt erreichbar")).to_be_visible()
    visitor.context.close()
