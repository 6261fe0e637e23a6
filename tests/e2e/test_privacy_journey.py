"""Data protection in the browser: a coordinator downloads her own data from "Mein Konto"; an admin
opens an account's data-protection page from the user page, downloads the archive, erases the
account after typing its address, and finds both in the audit trail."""
import io
import json
import zipfile

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, log_in, open_page
from tests.e2e.test_accessibility import full_demo  # noqa: F401 - the shared demo fixture

pytestmark = pytest.mark.e2e
PASSWORD = "Demo-Passwort-1"


def _archive(page, link_name: str, tmp_path) -> dict:
    with page.expect_download() as download:
        page.get_by_role("link", name=link_name).click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
        assert sorted(archive.namelist()) == ["person.json", "uebersicht.html"]
        return json.loads(archive.read("person.json"))


def test_a_coordinator_downloads_her_data_and_an_admin_erases_an_account(browser, live_server, full_demo, tmp_path):
    page = open_page(browser, live_server)
    log_in(page, "koordination@example.org", PASSWORD)
    page.wait_for_url("**/")
    page.goto("/konto")
    data = _archive(page, "Meine Daten herunterladen", tmp_path)
    assert data["auth"]["account"]["email"] == "koordination@example.org" and data["module"]["certificates"]
    page.context.close()

    page = open_page(browser, live_server)
    log_in(page, "admin@example.org", PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/verwaltung/konten/{full_demo['coordinator']}")
    page.get_by_role("link", name="Datenschutz: Daten herunterladen oder Konto löschen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Datenschutz")
    assert_accessible(page)
    data = _archive(page, "Daten herunterladen", tmp_path)
    email = data["auth"]["account"]["email"]

    field = page.get_by_label("Zur Bestätigung die E-Mail-Adresse des Kontos")
    field.fill("jemand@example.org")
    page.get_by_role("button", name="Konto endgültig löschen").click()
    expect(page.get_by_text("Die E-Mail-Adresse stimmt nicht mit der des Kontos überein.").first).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Zur Bestätigung die E-Mail-Adresse des Kontos").fill(email)
    page.get_by_role("button", name="Konto endgültig löschen").click()
    expect(page.get_by_text("Das Konto wurde gelöscht.")).to_be_visible()
    expect(page.get_by_text(f"Gelöschtes Konto {full_demo['coordinator']:05d}").first).to_be_visible()

    page.goto("/verwaltung/protokoll")
    expect(page.get_by_role("cell", name="Konto gelöscht")).to_be_visible()
    expect(page.get_by_role("cell", name="Personendaten exportiert").first).to_be_visible()
    assert_accessible(page)
    page.context.close()
