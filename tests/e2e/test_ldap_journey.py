"""Signing in with the directory's password, in the browser: a coordinator of the Kreis's LDAP
directory (slapd over StartTLS) types her user name, gets her role from her group, signs out."""
import pytest

from tests.e2e.conftest import assert_accessible
from tests.sso.conftest import DIRECTORY_PASSWORD, directory, ldap_directory, ldap_settings  # noqa: F401


@pytest.fixture
def app_config(ldap_directory):  # noqa: F811
    return {"WTF_CSRF_ENABLED": True, **ldap_settings(ldap_directory)}


def test_a_coordinator_signs_in_with_her_directory_account(page, directory):  # noqa: F811
    directory.add_person("kberg", mail="k.berg@lk-musterland.de", name="Katrin Berg",
                         groups=["Kinderschutz-Koordination"])
    page.goto("/anmelden")
    assert_accessible(page)
    page.get_by_label("E-Mail-Adresse oder Benutzername").fill("kberg")
    page.get_by_label("Passwort", exact=True).fill("falsch")
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_text("E-Mail-Adresse oder Passwort ist nicht korrekt").first.wait_for()
    assert_accessible(page)
    page.get_by_label("Passwort", exact=True).fill(DIRECTORY_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_text("Sie sind über Kreis-Verzeichnis angemeldet.").wait_for()
    page.goto("/konto")
    assert page.get_by_text("Netzwerkkoordination").is_visible()
    assert page.get_by_text("über Kreis-Verzeichnis", exact=True).is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Abmelden").first.click()
    page.get_by_text("Sie sind abgemeldet.").wait_for()  # no provider to sign out of as well
