"""The network in the browser: on a phone the emergency numbers valid now are one tap away for a
signed-in partner (her own region) and two for a visitor; a coordinator adds an institution with a
binding contact, and a visitor finds it; the owner of a stale contact confirms it from the mail; a
coordinator agrees a cooperation with two partners and files the signed PDF; a coordinator sets up a
Steuerungsgruppe with five institutions."""
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.auth.services import find_user_by_email
from lms.db import utcnow
from lms.extensions import db
from lms.ical import BERLIN
from lms.netzwerk.models import BindingContact, Institution
from lms.notifications.models import OutboxMessage
from lms.scheduler import JOBS, run_job
from tests.e2e.conftest import assert_accessible, log_in, open_page
from tests.e2e.test_accessibility import full_demo  # noqa: F401 - the shared demo fixture
from tests.e2e.test_layout import WIDTHS
from tests.instrumente.conftest import pdf_bytes

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


def test_a_coordinator_adds_an_institution_with_a_binding_contact_and_a_visitor_finds_it(browser, live_server,
                                                                                          full_demo):
    page = open_page(browser, live_server)
    log_in(page, "koordination@example.org", "Demo-Passwort-1")
    page.wait_for_url("**/")
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Netzwerk", exact=True).click()
    page.get_by_role("link", name="Einrichtung anlegen").click()
    page.get_by_label("Name").fill("Familienzentrum Sonnenhaus")
    page.get_by_label("Sektor").select_option(label="Kinder- und Jugendhilfe")
    page.get_by_label("Art").select_option(label="Frühe Hilfen")
    page.get_by_label("Angebot im Kinderschutz").fill("Elterncafé und Familienhebammen für werdende Eltern.")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Familienzentrum Sonnenhaus")
    assert_accessible(page)
    page.get_by_role("link", name="Ansprechperson hinzufügen").click()
    page.get_by_label("Thema").fill("Kinderschutzfachkraft nach § 8a")
    page.get_by_label("Ansprechperson").fill("Frau Muster")
    page.get_by_role("button", name="Speichern").click()  # no channel yet: refused at the field
    expect(page.locator("#phone-error")).to_contain_text("Funktionspostfach")
    page.get_by_label("Funktionspostfach", exact=True).fill("kinderschutz@sonnenhaus.example.org")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("kinderschutz@sonnenhaus.example.org")).to_be_visible()
    page.context.close()

    visitor = open_page(browser, live_server)
    visitor.goto("/netzwerk")
    visitor.get_by_label("Suchbegriff").fill("Familienhebamme")
    visitor.get_by_role("button", name="Suchen").click()
    visitor.get_by_role("link", name="Familienzentrum Sonnenhaus").click()
    expect(visitor.get_by_text("kinderschutz@sonnenhaus.example.org")).to_be_visible()
    visitor.context.close()


def test_the_owner_of_a_stale_contact_confirms_it_from_the_mail_link(browser, live_server, full_demo, app):
    now = utcnow()
    stale = db.session.scalar(select(BindingContact).join(Institution)
                              .where(Institution.name == "Grundschule am Park Dresden"))
    stale.owner_id = find_user_by_email("koordination@example.org").id
    stale.confirmed_at, stale.reminded_at = now - timedelta(days=190), None
    db.session.commit()
    run_job(app, next(job for job in JOBS if job.name == "ask_to_confirm_entries"))  # the scheduler's run
    body = db.session.scalar(select(OutboxMessage.body).where(
        OutboxMessage.recipient == "koordination@example.org",
        OutboxMessage.subject == "Stimmt die Ansprechperson noch? Ansprechperson Kinderschutz"))
    link = next(line for line in body.splitlines() if "/netzwerk/ansprechpersonen/" in line)

    page = open_page(browser, live_server)
    page.goto(link.replace("http://lms.test", ""))  # not signed in yet: the sign-in comes first
    page.get_by_label("E-Mail-Adresse").fill("koordination@example.org")
    page.get_by_label("Passwort", exact=True).fill("Demo-Passwort-1")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ansprechperson bearbeiten")
    expect(page.get_by_text("Zuletzt bestätigt am")).to_contain_text("von Konstanze Koordination")
    assert_accessible(page)
    page.get_by_role("button", name="Unverändert bestätigen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grundschule am Park Dresden")
    expect(page.get_by_text("ist als bestätigt vermerkt")).to_be_visible()
    page.context.close()
    db.session.expire_all()
    assert db.session.get(BindingContact, stale.id).confirmed_at > now - timedelta(minutes=5)


def test_a_coordinator_agrees_a_cooperation_with_two_partners_and_files_the_signed_pdf(browser, live_server, full_demo,
                                                                                      tmp_path):
    page = open_page(browser, live_server)
    log_in(page, "koordination@example.org", "Demo-Passwort-1")
    page.wait_for_url("**/")
    page.locator("header summary", has_text="Verwaltung").click()
    page.get_by_role("link", name="Kooperationsvereinbarungen").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kooperationsvereinbarungen Dresden")
    assert_accessible(page)
    page.get_by_role("link", name="Vereinbarung anlegen").click()
    page.get_by_label("Titel").fill("Vereinbarung mit der Erziehungsberatung")
    parties = page.get_by_role("group", name="Partner")
    search = parties.get_by_label("Einrichtung suchen (Name)")
    search.fill("Jugendamt")
    search.press("Enter")  # the region's institutions are found by search, none listed whole
    parties.get_by_label("Jugendamt Dresden, Allgemeiner Sozialer Dienst").check()
    page.get_by_role("button", name="Speichern", exact=True).click()  # one party only: refused at the field
    expect(page.locator("#party_ids-error")).to_contain_text("mindestens zwei Partner")
    assert_accessible(page)
    expect(parties.get_by_label("Jugendamt Dresden, Allgemeiner Sozialer Dienst")).to_be_checked()
    search.fill("beratung")
    parties.get_by_role("button", name="Suchen").click()
    expect(parties.get_by_label("Jugendamt Dresden, Allgemeiner Sozialer Dienst")).to_be_checked()  # kept
    parties.get_by_label("Erziehungs- und Familienberatung Dresden").check()
    page.get_by_label("Gegenstand und Verfahren").fill("- Fallberatung durch die insoweit erfahrene Fachkraft")
    page.get_by_label("Gilt ab").fill("2026-12-01")
    page.get_by_role("button", name="Speichern", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vereinbarung mit der Erziehungsberatung")
    expect(page.get_by_text("Entwurf", exact=True)).to_be_visible()
    page.get_by_role("button", name="In Abstimmung geben").click()
    today = utcnow().date()  # the app's clock
    page.get_by_label("Jugendamt Dresden, Allgemeiner Sozialer Dienst: unterschrieben am").fill(
        (today - timedelta(days=6)).isoformat())
    page.get_by_label("Erziehungs- und Familienberatung Dresden: unterschrieben am").fill(today.isoformat())
    page.get_by_role("button", name="Unterschriften speichern").click()
    expect(page.get_by_text("Die Unterschriften sind eingetragen.")).to_be_visible()
    page.get_by_role("button", name="Als unterzeichnet vermerken").click()
    expect(page.get_by_text("unterzeichnet", exact=True)).to_be_visible()
    scan = tmp_path / "Vereinbarung unterschrieben.pdf"
    scan.write_bytes(pdf_bytes("Unterschrieben"))
    page.get_by_label("Datei", exact=True).set_input_files(str(scan))
    page.get_by_role("button", name="Datei hochladen").click()
    expect(page.get_by_text("Die Datei ist an Fassung 1 angehängt.")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Vereinbarung unterschrieben.pdf").click()
    assert Path(download.value.path()).read_bytes() == pdf_bytes("Unterschrieben")
    page.context.close()


def test_a_coordinator_sets_up_a_steuerungsgruppe_with_five_institutions(browser, live_server, full_demo, app):
    """... invites to a meeting, and after this morning's meeting records attendance, writes the minutes
    with a decision and a task, sends them for correction and approves them; the task's owner sees it."""
    app.config["NETWORK_MINUTES_REVIEW_DAYS"] = 0  # the correction period passes at once
    page = open_page(browser, live_server)
    log_in(page, "koordination@example.org", "Demo-Passwort-1")
    page.wait_for_url("**/")
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Netzwerk", exact=True).click()
    page.get_by_role("link", name="Gremien", exact=True).click()
    page.get_by_role("link", name="Gremium anlegen").click()
    page.get_by_label("Art").select_option(label="Steuerungsgruppe")
    page.get_by_role("button", name="Speichern").click()  # no name yet: refused at the field
    expect(page.locator("#name-error")).to_contain_text("Namen")
    page.get_by_label("Name", exact=True).fill("Steuerungsgruppe Frühe Hilfen")
    page.get_by_role("textbox", name="Auftrag").fill("Beschließt die Schwerpunkte der Frühen Hilfen in Dresden.")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Steuerungsgruppe Frühe Hilfen")
    assert_accessible(page)
    for name in ("Jugendamt Dresden, Allgemeiner Sozialer Dienst", "Klinikum Dresden, Kinderschutzgruppe",
                 "Netzwerk Frühe Hilfen Dresden", "Kita Regenbogen Dresden", "Polizeirevier Dresden, Opferschutz"):
        search = page.get_by_label("Einrichtung suchen (Name)")
        search.fill(name.split(",")[0])
        search.press("Enter")  # found by search among the region's institutions
        page.get_by_role("group", name="Einrichtung").get_by_label(name).check()
        if name.startswith("Jugendamt"):
            page.get_by_label("Entsandte Person (E-Mail-Adresse des Kontos)").fill("koordination@example.org")
        page.get_by_role("button", name="Einrichtung aufnehmen").click()
        expect(page.get_by_text("Die Einrichtung hat einen Sitz im Gremium.")).to_be_visible()
    seats = page.get_by_role("region", name="Sitze").get_by_role("row")
    expect(seats).to_have_count(6)  # the header and five seats
    expect(page.get_by_role("cell", name="Konstanze Koordination")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Sitzung planen").click()
    page.get_by_label("Datum").fill((utcnow() + timedelta(days=14)).date().isoformat())
    page.get_by_label("Beginn (Uhrzeit)").fill("14:00")
    page.get_by_label("Ende (Uhrzeit)").fill("13:00")
    page.get_by_label("Ort", exact=True).fill("Rathaus Dresden, Raum 2")
    page.get_by_role("button", name="Speichern und einladen").click()  # ends before it starts: refused
    expect(page.locator("#end_time-error")).to_contain_text("Ende liegt vor dem Beginn")
    page.get_by_label("Ende (Uhrzeit)").fill("16:00")
    page.get_by_role("button", name="Speichern und einladen").click()
    expect(page.get_by_text("alle Sitze sind eingeladen")).to_be_visible()
    expect(page.get_by_text("Konstanze Koordination: noch keine Antwort")).to_be_visible()
    page.get_by_role("button", name="Ich nehme teil").click()
    expect(page.get_by_text("Konstanze Koordination: Ich nehme teil")).to_be_visible()

    page.get_by_role("link", name="Steuerungsgruppe Frühe Hilfen").first.click()
    page.get_by_role("link", name="Sitzung planen").click()  # this morning's meeting, already held
    page.get_by_label("Datum").fill(utcnow().astimezone(BERLIN).date().isoformat())
    page.get_by_label("Beginn (Uhrzeit)").fill("07:00")
    page.get_by_label("Ende (Uhrzeit)").fill("08:30")
    page.get_by_label("Ort", exact=True).fill("Rathaus Dresden, Raum 2")
    page.get_by_label("Tagesordnung").fill("1. Bericht der Frühen Hilfen\n2. Kooperation mit den Kitas")
    page.get_by_role("button", name="Speichern und einladen").click()
    page.get_by_text("Tagesordnungspunkt ergänzen").click()
    page.get_by_label("Tagesordnungspunkt", exact=True).fill("Verschiedenes")
    page.get_by_label("Vortragende").fill("Konstanze Koordination")
    page.get_by_role("button", name="Punkt ergänzen").click()
    expect(page.get_by_text("Der Tagesordnungspunkt ist ergänzt.")).to_be_visible()
    page.get_by_role("link", name="Protokoll schreiben").click()
    page.get_by_label("Konstanze Koordination").check()
    page.get_by_label("1. Bericht der Frühen Hilfen").fill("Die Familienhebammen erreichen **mehr Familien**.")
    page.get_by_role("button", name="Protokoll speichern").click()
    expect(page.get_by_text("Das Protokoll ist gespeichert.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Beschluss", exact=True).fill("Die Kooperationsvereinbarung mit den Kitas wird fortgeschrieben.")
    page.get_by_role("button", name="Beschluss eintragen").click()
    expect(page.get_by_text(f"Beschluss {utcnow().astimezone(BERLIN).year}/1 ist eingetragen.")).to_be_visible()
    page.get_by_label("Aufgabe", exact=True).fill("Entwurf der Vereinbarung an die Kitas schicken")
    page.get_by_label("Fällig am").fill((utcnow() + timedelta(days=3)).astimezone(BERLIN).date().isoformat())
    page.get_by_role("button", name="Aufgabe eintragen").click()  # nobody takes it on: refused
    expect(page.locator("#owner_email-error")).to_contain_text("Person oder eine Einrichtung")
    page.get_by_label("Übernimmt: Person (E-Mail-Adresse des Kontos)").fill("partner@example.org")
    page.get_by_role("button", name="Aufgabe eintragen").click()
    expect(page.get_by_text("Die Aufgabe ist eingetragen.")).to_be_visible()
    page.get_by_role("link", name="Zurück zur Sitzung").click()
    page.get_by_role("button", name="Zur Korrektur versenden").click()
    expect(page.get_by_text("zur Korrektur an alle Eingeladenen verschickt")).to_be_visible()
    page.get_by_role("button", name="Protokoll genehmigen").click()
    expect(page.get_by_text("Das Protokoll ist genehmigt und damit abgeschlossen.")).to_be_visible()
    expect(page.get_by_text("Konstanze Koordination (Jugendamt Dresden, Allgemeiner Sozialer Dienst)")).to_be_visible()
    expect(page.get_by_role("link", name="Protokoll bearbeiten")).to_have_count(0)  # frozen
    assert_accessible(page)
    page.context.close()

    owner = open_page(browser, live_server)
    log_in(owner, "partner@example.org", "Demo-Passwort-1")
    owner.wait_for_url("**/")
    card = owner.locator("#start-tasks")
    expect(card).to_contain_text("Entwurf der Vereinbarung an die Kitas schicken")
    expect(card).to_contain_text("Steuerungsgruppe Frühe Hilfen")
    card.get_by_role("link", name="Meine Aufgaben").click()
    owner.get_by_role("button", name="Erledigt: Entwurf der Vereinbarung an die Kitas schicken").click()
    expect(owner.get_by_text("Die Aufgabe ist erledigt.")).to_be_visible()
    assert_accessible(owner)
    owner.context.close()
    invitation = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.recipient == "koordination@example.org", OutboxMessage.subject.like("Einladung: Steuerungsgruppe Frühe Hilfen%")))
    assert invitation.calendar_method == "REQUEST" and "BEGIN:VEVENT" in invitation.calendar

    visitor = open_page(browser, live_server)
    visitor.goto("/netzwerk/gremien")
    expect(visitor.get_by_text("Steuerungsgruppe Frühe Hilfen")).to_have_count(0)  # internal
    visitor.context.close()


def test_an_admin_downloads_the_annual_report_and_the_workbook_holds_the_page_s_figures(browser, live_server,
                                                                                      full_demo, tmp_path):
    page = open_page(browser, live_server)
    log_in(page, "admin@example.org", "Demo-Passwort-1")
    page.wait_for_url("**/")
    page.goto("/berichte")
    year = utcnow().astimezone(BERLIN).year
    page.get_by_label("Region").select_option(label="Land gesamt")
    page.get_by_label("Jahr").select_option(str(year))
    page.get_by_role("button", name="Bericht anzeigen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Sachbericht {year}")
    assert_accessible(page)

    def total(key):
        row = page.locator(f'[aria-labelledby="{key}"] tr', has=page.get_by_role("rowheader", name="Insgesamt"))
        return [cell.strip() for cell in row.locator("td").all_inner_texts()]

    shown = {key: total(key) for key in ("meetings", "institutions_by_sector")}
    assert int(shown["meetings"][0]) > 0 and int(shown["institutions_by_sector"][0]) == 48
    with page.expect_download() as download:
        page.get_by_role("link", name="Als Excel-Datei herunterladen").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    page.context.close()
    assert path.name == f"sachbericht-{year}-land-gesamt.xlsx"

    workbook = openpyxl.load_workbook(path)
    assert {"Gremien und Sitzungen", "Netzwerk", "Qualifizierung", "Beratung"} <= set(workbook.sheetnames)

    def sheet_total(sheet, title):
        rows = list(workbook[sheet].iter_rows(values_only=True))
        start = next(index for index, row in enumerate(rows) if row[0] == title)
        return next(row for row in rows[start:] if row[0] == "Insgesamt")[1:]

    meetings = sheet_total("Gremien und Sitzungen", "Durchgeführte Sitzungen")
    institutions = sheet_total("Netzwerk", "Einrichtungen im Netzwerk je Sektor")
    assert isinstance(meetings[0], int) and str(meetings[0]) == shown["meetings"][0]
    assert institutions[0] == 48
