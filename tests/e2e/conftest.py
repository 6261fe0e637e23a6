"""Browser tests: the app on a loopback port, driven in Debian's headless Chromium by Playwright.

Chromium is never downloaded: a missing /usr/bin/chromium fails these tests (it does not skip them).
"""
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from lms.auth import demo
from lms.db import utcnow
from tests.conftest import seed_once
from tests.module.conftest import create_module, create_offering, trainer  # noqa: F401 - shared fixtures

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """Serve the test app on a free loopback port in a background thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def open_page(browser, live_server, **options):
    """A German page in a browser context of its own, with axe-core loaded into every document it opens
    (bypass_csp lets the script in; the app's own pages never need it). Loading axe with each document
    costs a third of injecting it afterwards."""
    context = browser.new_context(base_url=live_server, locale="de-DE", bypass_csp=True, **options)
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


@pytest.fixture
def page(browser, live_server):
    page = open_page(browser, live_server)
    yield page
    page.context.close()


@pytest.fixture
def demo_users(app):
    seed_once("demo users", lambda: demo.seed(now=utcnow()))
    return demo.DEMO_PASSWORD


def assert_accessible(page) -> None:
    """Run axe-core on the current page and fail on any WCAG 2.1 AA violation."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run npm ci")
    page.wait_for_load_state()  # a click that navigates returns before the new document is there
    if not page.evaluate("typeof axe !== 'undefined'"):  # a page not opened by open_page
        page.add_script_tag(path=str(AXE))
    # Only violations are collected node by node; passes still list each rule that ran (halves axe's time).
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_21_AA,
    )
    violations = [
        f"{item['id']}: {item['help']} -> {[node['target'] for node in item['nodes']][:3]}"
        for item in result["violations"]
    ]
    assert violations == [], f"{page.url}: " + "; ".join(violations)
    assert result["passes"], "axe ran no checks"


def log_in(page, email: str, password: str) -> None:
    page.goto("/anmelden")
    assert_accessible(page)
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort", exact=True).fill(password)
    page.get_by_role("button", name="Anmelden").click()
