"""The free-text guard in the browser: a partner types a vignette with a name and a birth date, sees
both marked with their reasons, cannot book while the date is in it (the name alone can be
confirmed), removes the date, confirms the name and books."""
from datetime import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from lms.auth.models import User
from lms.beratung import services
from lms.beratung.models import CaseContent, Consultation
from lms.beratung.services import ProfileInput, WindowInput
from lms.db import utcnow
from lms.extensions import db
from tests.e2e.conftest import assert_accessible, log_in

pytestmark = pytest.mark.e2e


def consultations() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Consultation))


@pytest.fixture
def free_slot(demo_users):
    """The booking page of the demo expert's first free slot (a published profile, every day 08-18)."""
    expert = db.session.scalar(select(User).where(User.email == "fachkraft@example.org"))
    profile = services.save_profile(expert, expert, ProfileInput(
        introduction="", specialisations="Frühe Kindheit", languages="Deutsch", place="", phone="",
        video_link="https://video.example.org/raum-1", auto_confirm=False, slot_minutes=60, buffer_minutes=15,
        notice_minutes=120, horizon_days=28, max_per_day=None, published=True, types=["case_consult_8b"],
        formats=["video"]), now=utcnow())
    for weekday in range(7):
        services.add_window(expert, expert, WindowInput(start_time=time(8), end_time=time(18), weekday=weekday),
                            now=utcnow())
    db.session.commit()
    slot = services.next_free_slots(profile, now=utcnow(), limit=1)[0]
    return f"/beratung/fachkraefte/{expert.id}/buchen?beginn={slot.starts_at.isoformat()}"


def test_partner_sees_name_and_birth_date_marked_and_books_once_the_date_is_gone(page, demo_users, free_slot):
    log_in(page, "partner@example.org", demo_users)
    page.goto(free_slot.replace("+", "%2B"))
    expect(page.get_by_role("heading", name="Beratung buchen")).to_be_visible()
    page.get_by_label("Alter des Kindes").select_option(label="3–5 Jahre")
    page.get_by_label("Art der Sorge").select_option(label="Vernachlässigung")
    page.get_by_label("Umfeld").select_option(label="Kita")
    page.get_by_label("Dringlichkeit").select_option(label="bald (in den nächsten Tagen)")
    vignette = page.get_by_label("Fallvignette")
    vignette.fill("Lena, geb. 12.03.2021, kommt seit Wochen ohne Frühstück in die Kita.")
    page.get_by_role("button", name="Verbindlich buchen").click()

    # Both findings are marked in the text, each with its reason; only the name can be confirmed.
    alert = page.locator(".lms-guard")
    expect(alert.get_by_text("Nichts wurde gespeichert: Das Feld „Fallvignette“", exact=False)).to_be_visible()
    expect(alert.locator("mark", has_text="Lena")).to_be_visible()
    expect(alert.locator("mark.lms-guard__mark--blocked", has_text="12.03.2021")).to_be_visible()
    expect(alert.get_by_text("„Lena“ ist vermutlich ein Vorname.", exact=False)).to_be_visible()
    expect(alert.get_by_text("„12.03.2021“ ist ein vollständiges Datum", exact=False)).to_be_visible()
    expect(alert.get_by_role("checkbox")).to_have_count(1)
    assert_accessible(page)
    assert consultations() == 0

    # Confirming the name is not enough while the birth date is in the text.
    page.get_by_label("Ich bestätige: „Lena“ macht niemanden erkennbar.").check()
    page.get_by_role("button", name="Verbindlich buchen").click()
    expect(page.locator(".lms-guard mark.lms-guard__mark--blocked", has_text="12.03.2021")).to_be_visible()
    expect(page.get_by_label("Ich bestätige: „Lena“ macht niemanden erkennbar.")).to_be_checked()
    assert consultations() == 0

    # Without the date, and with the name confirmed, the booking goes through.
    vignette.fill("Lena kommt seit Wochen ohne Frühstück in die Kita.")
    page.get_by_role("button", name="Verbindlich buchen").click()
    expect(page.get_by_text("Ihre Buchung ist eingegangen. Fallcode: FB-", exact=False)).to_be_visible()
    assert_accessible(page)
    assert consultations() == 1
    assert db.session.scalar(select(CaseContent)).vignette == "Lena kommt seit Wochen ohne Frühstück in die Kita."
