"""Pages look finished at 1280 px and on a phone (390 px): no text wider than its button, link, badge
or cell, no page that scrolls sideways, chart labels a person can read, and no axe violation; everyone,
visitors included, finds the areas from the header.

The sweep visits every page of every role in test_accessibility's PAGES list, and the public pages,
in one browser context per role and width, runs the layout checks and axe-core's WCAG 2.1 AA checks on
each (one visit for both: loading the page is most of the cost), and writes screenshots of each role's
start page into test-artifacts/ (git-ignored) for a person to look at.
"""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from lms.extensions import db
from lms.module.models import Certificate
from tests.e2e.conftest import assert_accessible, log_in, open_page
from tests.e2e.test_accessibility import PAGES, full_demo  # noqa: F401 - the shared demo fixture

pytestmark = pytest.mark.e2e

PASSWORD = "Demo-Passwort-1"
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
PUBLIC_PAGES = [
    "/", "/anmelden", "/passwort-vergessen", "/qualifizierung", "/qualifizierung/module/{module}",
    "/qualifizierung/angebote/{offering}", "/instrumente", "/instrumente?q=Helferkonferenz", "/instrumente/{instrument}",
    "/nachweis", "/nachweis/{certificate}", "/gibt-es-nicht", "/notfall", "/notfall/{region}",
    "/netzwerk", "/netzwerk/einrichtungen/{institution}", "/netzwerk/gremien", "/netzwerk/gremien/{forum}",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "layout"
SMALLEST_CHART_TEXT = 12  # px as rendered

# Visible text wider than its box, the page scrolling sideways (and the elements that stick out), text
# touching the screen's edge or its card's border, and SVG text rendered smaller than SMALLEST_CHART_TEXT. Elements inside a scrolling container
# (a responsive table, a chart's scroll box) may be wider than the screen: that is what the container is for.
LAYOUT_PROBLEMS_JS = """(smallest) => {
  const scrolls = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const overflow = getComputedStyle(up).overflowX;
      if (overflow === 'auto' || overflow === 'scroll') return true;
    }
    return false;
  };
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== 'hidden' && !el.closest('.kern-sr-only');
  };
  const name = (el) => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const text = (el) => (el.innerText || el.value || el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 50);
  const problems = [];
  for (const el of document.querySelectorAll('button, a, input[type=submit], .kern-btn, .kern-badge, th, td, label, summary')) {
    if (!shown(el) || !text(el) || scrolls(el)) continue;
    if (el.scrollWidth > el.clientWidth + 1) {
      problems.push(`text wider than its box: ${name(el)} "${text(el)}" (${el.clientWidth} px < ${el.scrollWidth} px)`);
    }
  }
  if (document.documentElement.scrollWidth > window.innerWidth) {
    // What sticks out: outside any scrolling box, or else positioned out of one (an absolute element
    // whose containing block is not the box it scrolls in).
    const out = (el) => el.getBoundingClientRect().width > 0 && el.getBoundingClientRect().right > window.innerWidth + 1;
    const leaves = (test) => [...document.body.querySelectorAll('*')].filter((el) => test(el) && ![...el.children].some(test));
    const free = leaves((el) => out(el) && !scrolls(el));
    const wide = free.length ? free : leaves((el) => out(el) && getComputedStyle(el).position === 'absolute');
    problems.push(`scrolls sideways (${document.documentElement.scrollWidth} px > ${window.innerWidth} px) because of `
      + wide.slice(0, 3).map((el) => `${name(el)} "${text(el)}"`).join(', '));
  }
  for (const el of document.querySelectorAll('main h1, main h2, main h3, main p, main li, main dt, main dd')) {
    if (shown(el) && text(el) && !scrolls(el) && el.getBoundingClientRect().left < 8) {
      problems.push(`text touches the screen's edge: ${name(el)} "${text(el)}"`);
    }
  }
  const tight = [...document.querySelectorAll('.kern-card')].map((card) => {
    const inner = [...card.querySelectorAll('h2, h3, p, li, a, dl')].find((el) => shown(el) && text(el));
    return inner && inner.getBoundingClientRect().left - card.getBoundingClientRect().left < 8 ? text(inner) : null;
  }).filter(Boolean);
  if (tight.length) problems.push(`text touches the border of ${tight.length} card(s), e.g. "${tight[0]}"`);
  for (const label of document.querySelectorAll('svg text')) {
    if (!shown(label)) continue;
    const size = parseFloat(getComputedStyle(label).fontSize) * label.getScreenCTM().a;
    if (size < smallest - 0.5) problems.push(`chart text "${text(label)}" rendered at ${size.toFixed(1)} px`);
  }
  return problems;
}"""


@pytest.fixture
def layout_demo(full_demo):
    certificate = db.session.scalars(db.select(Certificate.verification_token).order_by(Certificate.id)).first()
    assert certificate, "the demo data has no certificate to check"
    return dict(full_demo, certificate=certificate)


def problems_of(page, path: str, response, *, expected_status: int) -> list[str]:
    """Everything that makes *page* look unfinished or keeps someone out (axe), each line prefixed
    with its path."""
    problems = [] if response.status == expected_status else [f"answered {response.status}"]
    problems += page.evaluate(LAYOUT_PROBLEMS_JS, SMALLEST_CHART_TEXT)
    try:
        assert_accessible(page)
    except AssertionError as error:
        problems.append(f"axe: {str(error).splitlines()[0]}")
    return [f"{path}: {problem}" for problem in problems]


@pytest.mark.parametrize("email", [*PAGES, None], ids=[*(email.split("@")[0] for email in PAGES), "visitor"])
def test_every_page_looks_finished_on_desktop_and_phone(browser, live_server, layout_demo, email):
    paths = ["/", *(path for path in PAGES[email] if path != "/")] if email else PUBLIC_PAGES
    who = email.split("@")[0] if email else "visitor"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems, signed_in = [], None  # the second width reuses the first one's sign-in
    for viewport in WIDTHS.values():
        page = open_page(browser, live_server, viewport=viewport, storage_state=signed_in)
        try:
            if email and signed_in is None:
                log_in(page, email, PASSWORD)
                page.wait_for_url("**/")
                signed_in = page.context.storage_state()
            for path in paths:
                url = path.format(**layout_demo)
                response = page.goto(url)
                found = problems_of(page, url, response, expected_status=404 if path == "/gibt-es-nicht" else 200)
                problems += [f"{viewport['width']} px {line}" for line in found]
                if path == "/":
                    page.screenshot(path=str(ARTIFACTS / f"{who}_{viewport['width']}_start.png"), full_page=True)
        finally:
            page.context.close()
    assert problems == [], f"{len(problems)} layout problems for {who}:\n" + "\n".join(problems)


def new_page(browser, live_server, width_name: str, **options):
    """A page in a context of its own, under the app's real Content-Security-Policy (no bypass: the
    scripts it allows must do the work)."""
    context = browser.new_context(base_url=live_server, locale="de-DE", viewport=WIDTHS[width_name], **options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def header(page):
    return page.get_by_role("navigation", name="Hauptnavigation")


def sign_in(page, email: str, password: str) -> None:
    """log_in without its axe check, which needs the CSP bypassed."""
    page.goto("/anmelden")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort", exact=True).fill(password)
    page.locator("main").get_by_role("button", name="Anmelden").click()
    page.wait_for_url("**/")


def test_visitors_find_qualification_instruments_certificate_check_and_sign_in(browser, live_server, demo_users):
    page = new_page(browser, live_server, "desktop")
    page.goto("/")
    for name in ("Qualifizierung", "Instrumente", "Nachweis prüfen", "Anmelden"):
        expect(header(page).get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(header(page).get_by_role("button", name="Menü")).to_be_hidden()
    header(page).get_by_role("link", name="Nachweis prüfen").click()
    page.wait_for_url("**/nachweis")
    expect(header(page).get_by_role("link", name="Nachweis prüfen")).to_have_attribute("aria-current", "page")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    response = page.request.get(icon)
    assert response.status == 200 and response.headers["content-type"].startswith("image/svg+xml")
    page.context.close()


def test_the_phone_menu_opens_without_javascript(browser, live_server, demo_users):
    page = new_page(browser, live_server, "phone", java_script_enabled=False)
    page.goto("/")
    menu = header(page).locator("summary", has_text="Menü")
    expect(menu).to_be_visible()
    expect(header(page).get_by_role("link", name="Instrumente", exact=True)).to_be_hidden()
    menu.click()
    for name in ("Qualifizierung", "Instrumente", "Nachweis prüfen", "Anmelden"):
        expect(header(page).get_by_role("link", name=name, exact=True)).to_be_visible()
    header(page).get_by_role("link", name="Anmelden").click()
    page.wait_for_url("**/anmelden")
    sign_in(page, "admin@example.org", demo_users)
    header(page).locator("summary", has_text="Menü").click()
    for name in ("Start", "Benutzerverwaltung", "Regionen", "Mein Konto"):
        expect(header(page).get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(header(page).get_by_role("button", name="Abmelden")).to_be_visible()
    page.context.close()


def test_escape_closes_the_menus_and_the_admin_areas_share_one(browser, live_server, demo_users):
    page = new_page(browser, live_server, "desktop")
    sign_in(page, "admin@example.org", demo_users)
    administration = header(page).locator("summary", has_text="Verwaltung")
    expect(header(page).get_by_role("link", name="Benutzerverwaltung")).to_be_hidden()
    administration.click()
    expect(header(page).get_by_role("link", name="Benutzerverwaltung")).to_be_visible()
    page.keyboard.press("Escape")
    expect(header(page).get_by_role("link", name="Benutzerverwaltung")).to_be_hidden()
    expect(administration).to_be_focused()
    page.set_viewport_size(WIDTHS["phone"])
    header(page).locator("summary", has_text="Menü").click()
    expect(header(page).get_by_role("link", name="Regionen")).to_be_visible()
    page.locator("main").dispatch_event("click")  # a click elsewhere closes it as well
    expect(header(page).get_by_role("link", name="Regionen")).to_be_hidden()
    page.context.close()


def test_catalogue_filters_fold_away_on_phones_and_name_the_active_ones(browser, live_server, demo_users):
    page = new_page(browser, live_server, "phone")
    page.goto("/qualifizierung?dimension=internal&frei=1")
    search = page.get_by_label("Suche in Titel und Beschreibung")
    expect(search).to_be_hidden()
    summary = page.locator("summary", has_text="Filter")
    expect(summary).to_contain_text("Binnendimension, freie Plätze")
    summary.click()
    expect(search).to_be_visible()
    page.set_viewport_size(WIDTHS["desktop"])
    page.goto("/qualifizierung")
    expect(page.get_by_label("Suche in Titel und Beschreibung")).to_be_visible()
    expect(page.locator("summary", has_text="Filter")).to_be_hidden()
    page.goto("/instrumente")
    expect(page.get_by_label("Suchbegriff")).to_be_visible()
    page.context.close()


def test_the_calendar_address_copies_with_one_click_and_stays_selectable_without_javascript(
        browser, live_server, demo_users):
    page = new_page(browser, live_server, "phone", permissions=["clipboard-read", "clipboard-write"])
    sign_in(page, "koordination@example.org", demo_users)
    page.goto("/konto/kalender")
    page.get_by_role("button", name="Kalender-Adresse erzeugen").click()
    address = page.get_by_label("Ihre Kalender-Adresse")
    page.get_by_role("button", name="Kalender-Adresse kopieren").click()
    expect(page.get_by_role("status").filter(has_text="Die Adresse ist kopiert")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == address.input_value()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.context.close()

    page = new_page(browser, live_server, "phone", java_script_enabled=False)
    sign_in(page, "koordination@example.org", demo_users)
    page.goto("/konto/kalender")
    expect(page.get_by_label("Ihre Kalender-Adresse")).to_have_attribute("readonly", "")
    assert page.get_by_label("Ihre Kalender-Adresse").input_value().startswith("http")
    assert page.get_by_role("button", name="Kalender-Adresse kopieren").count() == 0
    page.context.close()
