"""Journeys of the shell: every demo role signs in and sees its start page; a wrong password does not."""
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, log_in, open_page

pytestmark = pytest.mark.e2e

ROLES = [
    ("admin@example.org", "Administration", "Benutzerverwaltung"),
    ("koordination@example.org", "Netzwerkkoordination", "Mein Konto"),
    ("referentin@example.org", "Referent*in", "Mein Konto"),
    ("partner@example.org", "Netzwerkpartner*in", "Mein Konto"),
    ("fachkraft@example.org", "Insoweit erfahrene Fachkraft", "Mein Konto"),
]


@pytest.mark.parametrize("email,role_label,area", ROLES)
def test_each_demo_role_signs_in_and_sees_its_start_page(page, demo_users, email, role_label, area):
    log_in(page, email, demo_users)
    page.wait_for_url("**/")
    expect(page.get_by_role("status").filter(has_text="Sie sind angemeldet.")).to_be_visible()
    expect(page.get_by_text(f"Angemeldet als: {role_label}")).to_be_visible()
    expect(page.get_by_role("link", name=area).first).to_be_visible()
    if email != "admin@example.org":
        assert page.get_by_role("link", name="Benutzerverwaltung").count() == 0
    assert_accessible(page)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Mein Konto").click()
    page.wait_for_url("**/konto")
    assert_accessible(page)


def test_wrong_password_shows_a_german_error_and_does_not_sign_in(page, demo_users):
    log_in(page, "koordination@example.org", "falsches-Passwort")
    alert = page.get_by_role("alert")
    assert "E-Mail-Adresse oder Passwort ist nicht korrekt" in alert.inner_text()
    assert page.url.endswith("/anmelden")
    assert_accessible(page)
    page.goto("/konto")
    assert "/anmelden" in page.url


def test_admin_invites_a_partner_who_sets_up_the_account(page, demo_users, browser, live_server, app):
    from sqlalchemy import select

    from lms.extensions import db
    from lms.notifications.models import OutboxMessage

    log_in(page, "admin@example.org", demo_users)
    page.get_by_role("link", name="Benutzerverwaltung").first.click()
    assert_accessible(page)
    page.get_by_role("link", name="Person einladen").click()
    assert_accessible(page)
    page.get_by_label("E-Mail-Adresse").fill("neue.partnerin@example.org")
    page.get_by_label("Name", exact=True).fill("Nele Neu")
    page.get_by_label("Netzwerkpartner*in").check()
    page.get_by_role("button", name="Einladung senden").click()
    expect(page.locator("#sector-error")).to_have_text("Netzwerkpartner*innen brauchen einen Sektor.")
    expect(page.get_by_role("link", name="Sektor: Netzwerkpartner*innen brauchen einen Sektor.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Sektor").select_option(label="Polizei")
    page.get_by_role("button", name="Einladung senden").click()
    expect(page.get_by_text("Die Einladung an neue.partnerin@example.org wurde verschickt.")).to_be_visible()
    expect(page.get_by_role("cell", name="neue.partnerin@example.org", exact=True)).to_be_visible()

    db.session.expire_all()
    body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == "neue.partnerin@example.org"))
    path = next(line for line in body.splitlines() if "/einladung/" in line).replace("http://lms.test", "")
    invited = open_page(browser, live_server)
    invited.goto(path)
    assert_accessible(invited)
    invited.get_by_label("Neues Passwort", exact=True).fill("Nele-Passwort-1")
    invited.get_by_label("Neues Passwort wiederholen").fill("Nele-Passwort-1")
    invited.get_by_role("button", name="Konto einrichten").click()
    invited.wait_for_url("**/")
    expect(invited.get_by_text("Angemeldet als: Netzwerkpartner*in")).to_be_visible()
    invited.context.close()
