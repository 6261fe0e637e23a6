"""Signing in with the organisation's account, in the browser: through the real OpenID provider and
back, as a coordinator and as a trainer (roles from groups), and signing out of both."""
import threading

import pytest
from werkzeug.serving import make_server

from tests.e2e.conftest import assert_accessible, open_page
from tests.sso.conftest import APP_BASES, LIVE_PORT, NAME, hostile_issuer, oidc_server, provider_settings  # noqa: F401

PEOPLE = {
    "kberg": {"email": "k.berg@lk-musterland.de", "email_verified": True, "name": "Katrin Berg",
              "groups": ["Kinderschutz-Koordination"]},
    "rlang": {"email": "r.lang@bildungswerk.example", "email_verified": True, "name": "Ruth Lang",
              "groups": ["Referentinnen"]},
}


@pytest.fixture
def app_config(oidc_server):  # noqa: F811
    return {"WTF_CSRF_ENABLED": True, "BASE_URL": APP_BASES[1], "OIDC_PROVIDERS": (NAME,),
            "OIDC": {NAME: provider_settings(oidc_server.issuer)}}


@pytest.fixture
def sso_server(app):
    """The app on the port the provider knows as its client's address."""
    server = make_server("127.0.0.1", LIVE_PORT, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield APP_BASES[1]
    server.shutdown()
    thread.join()


def _sign_in(page, login: str) -> None:
    page.goto("/anmelden")
    assert_accessible(page)
    page.get_by_role("link", name="Anmelden mit Landes-Keycloak").click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("egal")
    page.get_by_role("button", name="Sign-in").click()
    page.wait_for_url(f"{APP_BASES[1]}/")


def _sign_out_of_both(page) -> None:
    page.get_by_role("button", name="Abmelden").first.click()
    page.get_by_role("heading", name="Sie sind abgemeldet").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Auch bei Landes-Keycloak abmelden").click()
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(f"{APP_BASES[1]}/anmelden")


def test_a_coordinator_and_then_a_trainer_sign_in_with_the_organisations_account(browser, sso_server, oidc_server):  # noqa: F811
    oidc_server.accounts(**PEOPLE)
    page = open_page(browser, sso_server)
    page.context.route("https://fonts.googleapis.com/**", lambda route: route.abort())  # the provider's pages
    try:
        _sign_in(page, "kberg")
        assert page.get_by_text("Sie sind über Landes-Keycloak angemeldet.").is_visible()
        page.goto("/konto")
        assert page.get_by_text("Netzwerkkoordination").is_visible()
        assert page.get_by_text("über Landes-Keycloak", exact=True).is_visible()
        assert page.get_by_role("heading", name="Passwort ändern").count() == 0
        assert_accessible(page)
        _sign_out_of_both(page)

        _sign_in(page, "rlang")  # the provider asks again: its session ended too
        page.goto("/konto")
        assert page.get_by_text("Ruth Lang").first.is_visible()
        assert page.get_by_text("Referent*in").is_visible()
        assert page.get_by_text("Netzwerkkoordination").count() == 0
    finally:
        page.context.close()
