"""Journey of the library: a trainer publishes an instrument with a file (an admin approves it) and
proposes a second version, which a second trainer finds on the start page and approves; a partner
finds it by another word form, downloads the new version and bookmarks it."""
import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import assert_accessible, log_in, open_page
from tests.instrumente.conftest import pdf_bytes

pytestmark = pytest.mark.e2e



def test_trainer_publishes_partner_finds_downloads_and_bookmarks(page, browser, live_server, demo_users, tmp_path,
                                                                 create_user):
    first, second = tmp_path / "Checkliste Helferkonferenz.pdf", tmp_path / "Checkliste v2.pdf"
    first.write_bytes(pdf_bytes("Fassung 1"))
    second.write_bytes(pdf_bytes("Fassung 2"))

    log_in(page, "referentin@example.org", demo_users)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Instrumente").click()
    assert_accessible(page)
    page.get_by_role("link", name="Instrument anlegen").click()
    assert_accessible(page)
    page.get_by_label("Titel", exact=True).fill("Checkliste Helferkonferenz")
    page.get_by_label("Art").select_option(label="Fallabhängige Kooperation")
    page.get_by_label("Kurzbeschreibung").fill("Vorbereitung, Durchführung und Nachbereitung einer Helferkonferenz")
    page.get_by_label("Dimension").select_option(label="Leistungsdimension")
    page.get_by_label("Themen").fill("Helferkonferenz, Datenschutz")
    page.get_by_label("Kinder- und Jugendhilfe").check()
    page.get_by_label("Sichtbarkeit").select_option(label="Öffentlich (auch ohne Anmeldung)")
    page.get_by_label("Datei – optional").set_input_files(str(first))
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("Das Instrument wurde als Entwurf gespeichert.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Zur Prüfung geben").click()
    expect(page.get_by_text("Das Instrument wartet auf die Prüfung durch eine zweite Person.")).to_be_visible()
    instrument_url = page.url

    admin = open_page(browser, live_server)
    log_in(admin, "admin@example.org", demo_users)
    expect(admin.get_by_role("link", name="Wartet auf Ihre Prüfung (1)")).to_be_visible()
    admin.goto(instrument_url)
    assert_accessible(admin)
    admin.get_by_label("Kommentar der Prüfung").fill("Fachlich geprüft.")
    admin.get_by_role("button", name="Freigeben und veröffentlichen").click()
    expect(admin.get_by_text("Das Instrument ist veröffentlicht.")).to_be_visible()
    admin.context.close()

    page.goto(instrument_url)
    page.get_by_role("link", name="Bearbeiten / neue Version").click()
    page.get_by_label("Kurzbeschreibung").fill("Vorbereitung, Durchführung und Nachbereitung – mit Einwilligungen")
    page.get_by_label("Datei – optional").set_input_files(str(second))
    page.get_by_label("Was hat sich geändert?").fill("Abschnitt Einwilligung ergänzt")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("Die neue Fassung (Version 2) wartet auf die Prüfung durch eine zweite Person.",
                            exact=False)).to_be_visible()
    expect(page.get_by_text("Neue Fassung in Prüfung").first).to_be_visible()
    assert_accessible(page)

    visitor = open_page(browser, live_server)  # meanwhile everybody else keeps version 1
    visitor.goto(instrument_url)
    download_v1 = visitor.get_by_role("link", name="Herunterladen: Checkliste Helferkonferenz.pdf (Version 1)")
    expect(download_v1).to_be_visible()
    expect(visitor.get_by_text("mit Einwilligungen")).to_have_count(0)
    visitor.context.close()

    create_user("trainer", email="zweite.referentin@example.org", name="Tanja Trainerin")
    second = open_page(browser, live_server)
    log_in(second, "zweite.referentin@example.org", PASSWORD)
    assert_accessible(second)
    second.get_by_role("link", name="Wartet auf Ihre Prüfung (1)").click()
    assert_accessible(second)
    second.get_by_role("link", name="Checkliste Helferkonferenz").click()
    expect(second.get_by_role("heading", name="Neue Fassung: Checkliste Helferkonferenz")).to_be_visible()
    expect(second.get_by_role("rowheader", name="Kurzbeschreibung")).to_be_visible()
    expect(second.get_by_text("Abschnitt Einwilligung ergänzt")).to_be_visible()
    assert_accessible(second)
    second.get_by_label("Kommentar der Prüfung").fill("Einwilligung gut erklärt.")
    second.get_by_role("button", name="Freigeben und veröffentlichen").click()
    expect(second.get_by_text("Die neue Fassung ist freigegeben: Version 2 ist jetzt die aktuelle.")).to_be_visible()
    expect(second.get_by_text("Vorbereitung, Durchführung und Nachbereitung – mit Einwilligungen")).to_be_visible()
    expect(second.get_by_role("cell", name="Abschnitt Einwilligung ergänzt", exact=False)).to_be_visible()
    assert_accessible(second)
    second.goto("/")
    expect(second.get_by_text("Wartet auf Ihre Prüfung")).to_have_count(0)
    second.context.close()

    partner = open_page(browser, live_server)
    log_in(partner, "partner@example.org", demo_users)
    partner.goto("/instrumente")
    partner.get_by_label("Suchbegriff").fill("Helferkonferenzen")
    partner.get_by_role("button", name="Suchen").click()
    assert_accessible(partner)
    expect(partner.locator("mark", has_text="Helferkonferenz").first).to_be_visible()
    partner.get_by_role("link", name="Checkliste Helferkonferenz").click()
    with partner.expect_download() as download_info:
        partner.get_by_role("link", name="Herunterladen", exact=False).click()
    download = download_info.value
    assert download.suggested_filename == "Checkliste v2.pdf"
    assert download.path().read_bytes() == pdf_bytes("Fassung 2")
    partner.get_by_role("button", name="Merken").click()
    expect(partner.get_by_text("Das Instrument steht auf Ihrer Merkliste.").first).to_be_visible()
    partner.goto("/merkliste")
    assert_accessible(partner)
    expect(partner.get_by_role("link", name="Checkliste Helferkonferenz")).to_be_visible()
    partner.context.close()
