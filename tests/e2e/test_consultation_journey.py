"""Journey of expert consultation: the expert sets up profile, window and absence; a partner finds the
expert, meets the identifier guard, books; the expert confirms; the partner moves and then cancels."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from lms.db import utcnow
from lms.ical import BERLIN
from tests.e2e.conftest import assert_accessible, log_in, open_page

pytestmark = pytest.mark.e2e

WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
TYPE = "Fachberatung zur Gefährdungseinschätzung (anonym/pseudonymisiert)"


def status_of(page) -> str:
    return page.locator(".kern-description-list-item", has_text="Status").locator("dd").inner_text().strip()


def show_week_of(page, day) -> None:
    """On an expert's page, go to the week holding *day* (it lies at most a week ahead)."""
    page.get_by_role("heading", name=re.compile("^Freie Termine in der Woche ab")).wait_for()
    if page.locator("section.lms-week__day", has_text=f"{day:%d.%m.%Y}").count() == 0:
        page.get_by_role("link", name="Nächste Woche").click()
        expect(page.locator("section.lms-week__day", has_text=f"{day:%d.%m.%Y}")).to_have_count(1)
    assert_accessible(page)


def day_section(page, day):
    return page.locator("section.lms-week__day", has_text=f"{WEEKDAYS[day.weekday()]}, {day:%d.%m.%Y}")


def test_expert_offers_partner_books_expert_confirms_partner_moves_and_cancels(page, browser, live_server,
                                                                              demo_users):
    # The weekly window lies on today's weekday and the expert is away today: the first free slot is a
    # week ahead, always in the next calendar week, so the partner has to use "Nächste Woche".
    today = utcnow().astimezone(BERLIN).date()
    day = today + timedelta(days=7)

    # The expert creates a published profile (phone only), a weekly window and an absence.
    log_in(page, "fachkraft@example.org", demo_users)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Beratungszeiten").click()
    expect(page.get_by_text("Legen Sie zuerst Ihr Beratungsprofil an.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Profil anlegen").click()
    assert_accessible(page)
    page.get_by_label("Schwerpunkte").fill("Frühe Kindheit, Vernachlässigung")
    page.get_by_role("checkbox", name=TYPE).check()
    page.get_by_role("checkbox", name="Telefon", exact=True).check()
    page.get_by_label("Telefonnummer für telefonische Beratungen").fill("030 23125 401")
    page.get_by_label("Länge eines Termins").select_option(label="60 Minuten")
    page.get_by_label("Profil veröffentlichen").check()
    page.get_by_role("button", name="Profil speichern").click()
    expect(page.get_by_text("Ihr Profil ist gespeichert.")).to_be_visible()
    expect(page.get_by_text("Ihr Profil ist veröffentlicht.")).to_be_visible()

    page.get_by_label("Wochentag (wöchentlich)").select_option(str(day.weekday()))
    page.get_by_label("Beginn (Uhrzeit)", exact=True).fill("13:00")
    page.get_by_label("Ende (Uhrzeit)", exact=True).fill("09:00")
    page.get_by_role("button", name="Zeitfenster speichern").click()
    expect(page.get_by_text("Das Zeitfenster muss nach seinem Beginn enden.")).to_be_visible()
    expect(page.get_by_text("Noch keine Zeitfenster.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Beginn (Uhrzeit)", exact=True).fill("09:00")
    page.get_by_label("Ende (Uhrzeit)", exact=True).fill("13:00")
    page.get_by_role("button", name="Zeitfenster speichern").click()
    expect(page.get_by_text("Das Zeitfenster ist gespeichert.")).to_be_visible()
    expect(page.get_by_text(f"jeden {WEEKDAYS[day.weekday()]}, 09:00–13:00 Uhr")).to_be_visible()
    page.get_by_label("Erster Tag").fill(today.isoformat())
    page.get_by_label("Letzter Tag").fill(today.isoformat())
    page.get_by_label("Notiz (nur für Sie)").fill("Fortbildung")
    page.get_by_role("button", name="Abwesenheit speichern").click()
    expect(page.get_by_text("Die Abwesenheit ist gespeichert.")).to_be_visible()
    expect(page.get_by_text(f"{today:%d.%m.%Y}–{today:%d.%m.%Y} (Fortbildung)")).to_be_visible()
    assert_accessible(page)

    # A partner finds the expert, picks the first slot of the day and meets the identifier guard.
    partner = open_page(browser, live_server)
    log_in(partner, "partner@example.org", demo_users)
    partner.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Fachberatung").click()
    expect(partner.get_by_text("1 Fachkraft gefunden")).to_be_visible()
    expect(partner.get_by_text(f"Nächster freier Termin: {day:%d.%m.%Y}, 09:00–10:00 Uhr")).to_be_visible()
    assert_accessible(partner)
    partner.get_by_role("link", name="Fatma Fachkraft").click()
    # The week view opens on the week of the first free slot, not on today's empty one.
    monday = day - timedelta(days=day.weekday())
    expect(partner.get_by_role("heading", name=f"Freie Termine in der Woche ab {monday:%d.%m.%Y}")).to_be_visible()
    show_week_of(partner, day)
    day_section(partner, day).get_by_role("link", name=re.compile(r"^09:00–10:00 Uhr")).click()
    expect(partner.get_by_role("heading", name="Beratung buchen")).to_be_visible()
    expect(partner.get_by_text(f"am {day:%d.%m.%Y}, 09:00–10:00 Uhr")).to_be_visible()
    expect(partner.get_by_text("Keine Angaben, die das Kind oder die Familie erkennbar machen")).to_be_visible()
    expect(partner.get_by_text("§ 4 Abs. 2 KKG, § 64 Abs. 2a SGB VIII", exact=False)).to_be_visible()
    assert_accessible(partner)
    partner.get_by_label("Alter des Kindes").select_option(label="3–5 Jahre")
    partner.get_by_label("Art der Sorge").select_option(label="Vernachlässigung")
    partner.get_by_label("Umfeld").select_option(label="Kita")
    partner.get_by_label("Dringlichkeit").select_option(label="bald (in den nächsten Tagen)")
    partner.get_by_label("Fallvignette").fill("Lena ist oft müde und kommt ohne Frühstück in die Kita.")
    partner.get_by_role("button", name="Verbindlich buchen").click()
    expect(partner.get_by_text("Nichts wurde gespeichert: Das Feld „Fallvignette“ enthält Angaben")).to_be_visible()
    expect(partner.locator("mark", has_text="Lena")).to_be_visible()
    expect(partner.get_by_text("„Lena“ ist vermutlich ein Vorname.", exact=False)).to_be_visible()
    expect(partner.get_by_label("Ich bestätige: „Lena“ macht niemanden erkennbar.")).to_be_visible()
    assert_accessible(partner)

    partner.get_by_label("Fallvignette").fill("Das Kind ist oft müde und kommt ohne Frühstück in die Kita.")
    partner.get_by_role("button", name="Verbindlich buchen").click()
    expect(partner.get_by_text("Ihre Buchung ist eingegangen. Fallcode: FB-", exact=False)).to_be_visible()
    case_code = re.search(r"FB-\d{4}-\w{4}", partner.get_by_role("heading", level=1).inner_text()).group(0)
    assert status_of(partner) == "angefragt"
    expect(partner.get_by_text("Telefon: 030 23125 401")).to_be_visible()
    expect(partner.get_by_text("Das Kind ist oft müde", exact=False)).to_be_visible()
    assert_accessible(partner)

    # The expert sees the request under "Meine Beratungen" and confirms it.
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Meine Beratungen").click()
    row = page.get_by_role("row", name=re.compile(case_code))
    assert "angefragt" in row.inner_text() and "Paul Partner" in row.inner_text()
    assert_accessible(page)
    row.get_by_role("link").click()
    expect(page.get_by_text("Das Kind ist oft müde", exact=False)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Termin bestätigen").click()
    expect(page.get_by_text("Der Termin ist bestätigt.")).to_be_visible()
    assert status_of(page) == "bestätigt"

    # The partner moves the booking to a later slot of the same day; it waits for confirmation again.
    partner.reload()
    assert status_of(partner) == "bestätigt"
    partner.get_by_role("link", name="Auf einen anderen freien Termin verschieben").click()
    expect(partner.get_by_text("Termin verschieben: Ihr bisheriger Termin ist", exact=False)).to_be_visible()
    show_week_of(partner, day)
    day_section(partner, day).get_by_role("button", name=re.compile(r"^10:15–11:15 Uhr")).click()
    expect(partner.get_by_role("heading", name="Wirklich den Termin verschieben?")).to_be_visible()
    expect(partner.get_by_text("Ihr bisheriger Termin wird sofort frei")).to_be_visible()
    assert_accessible(partner)
    partner.get_by_role("button", name="Termin verschieben").click()
    expect(partner.get_by_text("Der Termin ist verschoben.")).to_be_visible()
    assert status_of(partner) == "angefragt"
    expect(partner.get_by_text(f"{day:%d.%m.%Y}, 10:15–11:15 Uhr")).to_be_visible()
    assert case_code in partner.get_by_role("heading", level=1).inner_text()

    # The partner cancels with a reason; the expert sees the cancellation.
    partner.get_by_role("button", name="Weiter zur Absage").click()
    expect(partner.get_by_role("link", name="Begründung: Bitte geben Sie eine Begründung an.")).to_be_visible()
    assert status_of(partner) == "angefragt"
    partner.get_by_label("Begründung").fill("Die Lage hat sich im Gespräch mit der Leitung geklärt.")
    partner.get_by_role("button", name="Weiter zur Absage").click()
    expect(partner.get_by_role("heading", name="Wirklich den Termin absagen?")).to_be_visible()
    expect(partner.get_by_text("Die Lage hat sich im Gespräch mit der Leitung geklärt.")).to_be_visible()
    assert_accessible(partner)
    partner.get_by_role("button", name="Termin absagen").click()
    expect(partner.get_by_text("Der Termin ist abgesagt.")).to_be_visible()
    assert status_of(partner) == "abgesagt"
    expect(partner.get_by_text("Die Lage hat sich im Gespräch mit der Leitung geklärt.")).to_be_visible()
    expect(partner.get_by_role("button", name="Weiter zur Absage")).to_have_count(0)
    assert_accessible(partner)
    partner.context.close()

    page.reload()
    assert status_of(page) == "abgesagt"
    expect(page.get_by_role("button", name="Termin bestätigen")).to_have_count(0)


def test_an_admin_has_the_booker_shown_only_with_a_reason(page, demo_users):
    from lms.beratung import demo as consultation_demo
    from lms.extensions import db

    consultation_demo.seed(now=utcnow())  # the demo's experts and bookings
    db.session.commit()
    log_in(page, "admin@example.org", demo_users)
    page.goto("/beratung/uebersicht")
    assert_accessible(page)
    page.get_by_role("table", name="Buchungen", exact=True).get_by_role("link").first.click()
    expect(page.get_by_text("nur mit Begründung sichtbar")).to_be_visible()
    booker = page.locator(".kern-description-list-item", has_text="Gebucht von").locator("dd")
    assert_accessible(page)
    page.get_by_role("button", name="Buchende Person anzeigen").click()
    expect(page.locator("#reveal-reason-error")).to_have_text("Bitte geben Sie eine Begründung an.")
    expect(page.get_by_role("link", name="Begründung: Bitte geben Sie eine Begründung an.")).to_be_visible()
    assert booker.inner_text().strip() == "nur mit Begründung sichtbar"
    page.get_by_label("Begründung").fill("Beschwerde über eine missbräuchliche Buchung")
    page.get_by_role("button", name="Buchende Person anzeigen").click()
    expect(booker).not_to_have_text("nur mit Begründung sichtbar")
    name = booker.inner_text().strip()
    assert name in ("Paul Partner", "Konstanze Koordination")
    assert_accessible(page)
    page.goto("/beratung/protokoll")
    expect(page.get_by_role("row", name=re.compile("buchende Person angezeigt.*missbräuchliche Buchung"))).to_be_visible()
