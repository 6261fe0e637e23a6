"""Meine Termine: one's own dates and consultations by Berlin day, neutral consultations, the week,
month and all-coming views, pages, and two statements whatever the volume."""
import re
from datetime import timedelta
from html import unescape

import pytest
from babel.dates import format_date

from lms.beratung import services as beratung_services
from lms.beratung.catalogue import CONSULTATION_TYPES
from lms.extensions import db
from lms.ical import BERLIN
from lms.kalender import agenda
from lms.kalender.services import ensure_token, token_value
from lms.module import services as module_services
from lms.module.models import OfferingState
from tests.conftest import FIXED_NOW, login_as
from tests.kalender.conftest import VIGNETTE

AUDIENCES = ("coordinator", "youth_welfare")


def page_of(client, query="") -> str:
    response = client.get(f"/termine{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def days(html: str) -> list[str]:
    """The day headings of the agenda, in order."""
    return [text(found).strip() for found in re.findall(r'<h2 class="kern-heading-small" id="tag-[^"]+">(.*?)</h2>',
                                                        html, re.DOTALL)]


def berlin_day(moment) -> str:
    return format_date(moment.astimezone(BERLIN).date(), "EEEE, d. MMMM yyyy", locale="de")


@pytest.fixture
def coordinator(create_user):
    return create_user("coordinator", name="Konstanze Koordination")


def test_own_dates_and_consultations_come_in_time_order_grouped_by_berlin_day(
        client, coordinator, create_module, create_offering, create_expert, book):
    seat = create_offering(create_module(title="Gefährdung einschätzen"), starts_in=timedelta(days=5))
    module_services.enrol(coordinator, seat, now=FIXED_NOW)
    booking = book(coordinator, create_expert(name="Erika Expertin"), days=2)
    db.session.commit()
    login_as(client, coordinator)
    page = page_of(client)
    assert days(page) == [berlin_day(booking.starts_at), berlin_day(seat.dates[0].starts_at)]
    body = text(page)
    assert body.index("Fachberatung – vertraulich") < body.index("Gefährdung einschätzen")
    start = seat.dates[0].starts_at.astimezone(BERLIN).strftime("%H:%M")
    end = seat.dates[0].ends_at.astimezone(BERLIN).strftime("%H:%M")
    assert re.search(rf"{start}\s*–\s*{end} Uhr", body)
    assert f'href="/kalender/termine/{seat.dates[0].id}.ics"' in page
    assert f'href="/kalender/beratungen/{booking.id}.ics"' in page
    assert 'href="/konto/kalender"' in page


def test_a_date_late_at_night_utc_belongs_to_the_next_berlin_day(client, coordinator, create_module,
                                                                create_offering):
    # 23:30 UTC is 00:30 (winter) or 01:30 (summer) on the next day in Berlin.
    night = create_offering(create_module(), starts_in=timedelta(days=3, hours=14, minutes=30))
    module_services.enrol(coordinator, night, now=FIXED_NOW)
    db.session.commit()
    starts_at = night.dates[0].starts_at
    assert starts_at.hour == 23 and starts_at.astimezone(BERLIN).date() > starts_at.date()
    login_as(client, coordinator)
    page = page_of(client)
    assert days(page) == [berlin_day(starts_at)]
    assert re.search(rf"{starts_at.astimezone(BERLIN):%H:%M}\s*–", text(page))


def test_today_and_tomorrow_are_named(client, coordinator, create_module, create_offering):
    for hours in (2, 24):
        offering = create_offering(create_module(), starts_in=timedelta(hours=hours),
                                   deadline_before=timedelta(hours=1))
        module_services.enrol(coordinator, offering, now=FIXED_NOW - timedelta(hours=3))
    db.session.commit()
    login_as(client, coordinator)
    headings = days(page_of(client))
    assert headings[0].startswith("Heute, ") and headings[1].startswith("Morgen, ")


def test_consultations_show_the_neutral_title_time_format_and_case_code_only(client, coordinator, create_expert,
                                                                            book):
    booking = book(coordinator, create_expert(name="Erika Expertin"), days=3)
    login_as(client, coordinator)
    body = text(page_of(client))
    assert "Fachberatung – vertraulich" in body and f"Fallcode {booking.case_code}" in body and "Video" in body
    assert VIGNETTE not in body and "QUOKKA" not in body
    assert str(CONSULTATION_TYPES[booking.type_code].label) not in body


def test_the_expert_sees_her_consultations_and_the_booker_his(client, app, coordinator, create_expert, book):
    profile = create_expert(name="Erika Expertin")
    booking = book(coordinator, profile, days=4)
    login_as(client, profile.user)
    assert f"Fallcode {booking.case_code}" in text(page_of(client))


def test_a_trainer_sees_the_dates_she_teaches_once_even_when_also_on_the_list(
        client, create_user, create_module, create_offering):
    both = create_user(roles=["trainer", "coordinator"], name="Doppelrolle")
    offering = create_offering(create_module(title="Selbst geleitet", trainers=[both], audiences=AUDIENCES),
                               actor=both)
    module_services.enrol(both, offering, now=FIXED_NOW)
    planned = create_offering(create_module(title="Noch in Planung", trainers=[both]), actor=both,
                              open_registration=False, starts_in=timedelta(days=20))
    db.session.commit()
    login_as(client, both)
    page = page_of(client)
    body = text(page)
    assert page.count(">Selbst geleitet</a>") == 1 and "Sie leiten" in body
    assert '<span class="kern-label">Platz gebucht</span>' not in page
    assert "Noch in Planung" in body and "Buchung noch nicht geöffnet" in body
    assert planned.state == OfferingState.PLANNED


def test_waiting_places_are_marked_and_cancelled_things_left_out(client, coordinator, create_user, create_module,
                                                                create_offering, create_expert, book, trainer):
    full = create_offering(create_module(title="Ausgebucht"), capacity=1, starts_in=timedelta(days=6))
    module_services.enrol(create_user("coordinator"), full, now=FIXED_NOW)
    module_services.enrol(coordinator, full, now=FIXED_NOW)
    called_off = create_offering(create_module(title="Abgesagt"), starts_in=timedelta(days=7))
    module_services.enrol(coordinator, called_off, now=FIXED_NOW)
    module_services.cancel_offering(trainer, called_off, reason="Krankheit", now=FIXED_NOW)
    withdrawn = book(coordinator, create_expert(), days=5)
    beratung_services.cancel(coordinator, withdrawn, reason="Termin passt nicht", now=FIXED_NOW)
    db.session.commit()
    login_as(client, coordinator)
    body = text(page_of(client))
    assert "Ausgebucht" in body and "Warteliste" in body
    assert "Abgesagt" not in body and withdrawn.case_code not in body


def test_nobody_sees_anyone_elses_dates_or_consultations(client, coordinator, create_user, create_module,
                                                         create_offering, create_expert, book):
    offering = create_offering(create_module(title="Fremd"))
    module_services.enrol(create_user("coordinator"), offering, now=FIXED_NOW)
    booking = book(create_user("partner"), create_expert(), days=3)
    login_as(client, coordinator)
    body = text(page_of(client))
    assert "Fremd" not in body and booking.case_code not in body and "Es stehen keine Termine an." in body


def test_the_week_and_month_views_end_with_the_berlin_week_and_month(client, coordinator, create_module,
                                                                     create_offering):
    soon = create_offering(create_module(title="Gleich"), starts_in=timedelta(hours=2),
                           deadline_before=timedelta(hours=1))
    module_services.enrol(coordinator, soon, now=FIXED_NOW - timedelta(hours=3))
    for title, days_ahead in (("Nächste Woche", 8), ("Übernächster Monat", 32)):
        module_services.enrol(coordinator, create_offering(create_module(title=title),
                                                           starts_in=timedelta(days=days_ahead)), now=FIXED_NOW)
    db.session.commit()
    login_as(client, coordinator)
    week, month, coming = (text(page_of(client, f"?ansicht={view}")) for view in ("woche", "monat", "alle"))
    assert "Gleich" in week and "Nächste Woche" not in week
    assert "Gleich" in month and "Übernächster Monat" not in month
    assert all(title in coming for title in ("Gleich", "Nächste Woche", "Übernächster Monat"))
    end = agenda.period_end("woche", FIXED_NOW).astimezone(BERLIN)
    assert end.weekday() == 0 and (end.hour, end.minute) == (0, 0) and end > FIXED_NOW
    month_end = agenda.period_end("monat", FIXED_NOW).astimezone(BERLIN)
    assert month_end.day == 1 and (month_end.hour, month_end.minute) == (0, 0) and end > FIXED_NOW
    assert agenda.period_end("alle", FIXED_NOW) is None


def test_an_empty_week_says_so_and_leads_to_all_coming_dates(client, coordinator):
    login_as(client, coordinator)
    page = page_of(client, "?ansicht=woche")
    assert "Bis zum Ende dieser Woche stehen keine Termine an." in text(page)
    assert 'href="/termine?ansicht=alle"' in page


def test_long_agendas_are_paged_and_cost_two_statements_per_page(client, coordinator, create_module, create_offering,
                                                                count_queries):
    def add(count, first_day):
        for index in range(count):
            module_services.enrol(coordinator, create_offering(create_module(), starts_in=timedelta(
                days=first_day + index)), now=FIXED_NOW)
        db.session.commit()

    login_as(client, coordinator)
    add(2, 5)
    page_of(client)
    with count_queries() as few:
        page_of(client)
    add(28, 10)
    with count_queries() as many:
        first = page_of(client)
    assert len(many) == len(few)
    assert "30 Termine" in text(first) and "Seite 1 von 2" in text(first)
    assert len(days(first)) == agenda.PER_PAGE
    second = page_of(client, "?page=2")
    assert len(days(second)) == 5 and 'rel="prev"' in second


def test_the_agenda_links_the_personal_feed_once_there_is_an_address(client, coordinator):
    login_as(client, coordinator)
    assert 'type="text/calendar"' not in page_of(client)
    row = ensure_token(coordinator, now=FIXED_NOW)
    db.session.commit()
    response = client.get("/termine")
    link = re.search(r'<link rel="alternate" type="text/calendar"[^>]*href="([^"]+)"', response.get_data(as_text=True))
    assert link and link.group(1).endswith(f"/kalender/{token_value(row)}.ics")
    assert response.headers["Referrer-Policy"] == "no-referrer"  # the address is a secret


@pytest.mark.parametrize("role,status", [("coordinator", 200), ("partner", 200), ("expert", 200), ("trainer", 200),
                                         ("admin", 403)])
def test_who_has_an_agenda(client, create_user, role, status):
    login_as(client, create_user(role))
    assert client.get("/termine").status_code == status


def test_visitors_are_sent_to_sign_in(client):
    response = client.get("/termine")
    assert response.status_code == 302 and "/anmelden" in response.location
