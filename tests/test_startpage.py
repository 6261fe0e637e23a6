"""The start page per role: what waits, what comes next, an overview; each section shows the
person's own things only, and each costs the same number of statements for few rows as for many."""
import itertools
import re
from datetime import time, timedelta
from html import unescape

import pytest

from lms.auth import services as auth_services
from lms.beratung import services as consultation_services
from lms.beratung.models import Consultation, ConsultationStatus
from lms.beratung.services import WindowInput
from lms.extensions import db
from lms.ical import BERLIN
from lms.kompetenzen import services as competence_services
from lms.kompetenzen.models import Competence
from lms.module import queries as module_queries
from lms.module import services as module_services
from lms.netzwerk import bodies as network_bodies
from lms.netzwerk import meetings, minutes
from lms.notifications.models import OutboxMessage, OutboxStatus
from lms.startpage import TODO, Section, grouped, register_section_provider, sections_for
from tests.beratung.conftest import (  # noqa: F401 - shared fixtures
    VIGNETTE,
    at,
    book,
    day_ahead,
    expert,
    expert_profile,
    make_expert,
    partner,
)
from tests.conftest import FIXED_NOW, login_as
from tests.module.conftest import create_module, create_offering, trainer  # noqa: F401 - shared fixtures


def page_of(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def section(page: str, key: str) -> str | None:
    """The HTML of the start page's card *key*, or None when it is not on the page."""
    found = re.search(rf'<section class="kern-card[^"]*" id="start-{key}".*?</section>', page, re.DOTALL)
    return found.group(0) if found else None


def text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def signed_in(app, user):
    client = app.test_client()
    login_as(client, user)
    return client


def berlin_time(moment) -> str:
    return moment.astimezone(BERLIN).strftime("%H:%M")


# --- the registry ---------------------------------------------------------------------------

def test_sections_come_by_group_and_order_and_empty_ones_without_text_are_left_out(app, create_user, now):
    def provider(user, *, now):
        return [Section("later", "Später", "x.html", "ahead", items=[1], order=5),
                Section("silent", "Leer", "x.html", TODO),
                Section("said", "Leer, aber gesagt", "x.html", "overview", empty="Nichts da.", order=1),
                Section("full", "Voll", "x.html", "overview", items=[1], order=2),
                Section("first", "Zuerst", "x.html", TODO, items=[1], order=90)]

    saved = list(app.extensions.get("lms.start_page_sections", []))
    app.extensions["lms.start_page_sections"] = []
    try:
        register_section_provider(app, provider)
        found = sections_for(create_user("partner"), now=now)
    finally:
        app.extensions["lms.start_page_sections"] = saved
    assert [s.key for s in found] == ["first", "later", "full", "said"]  # in a group, those with items first
    assert [(key, [s.key for s in sections]) for key, _label, sections in grouped(found)] == [
        ("todo", ["first"]), ("ahead", ["later"]), ("overview", ["full", "said"])]


def test_nothing_waiting_is_said_and_the_areas_stay(client, create_user):
    login_as(client, create_user("partner"))
    page = page_of(client)
    assert "Derzeit wartet nichts auf Sie." in page
    assert "Ihre Bereiche" in page and 'href="/mein-lernen"' in page and 'href="/konto"' in page


# --- participants: next dates, waitlists and requests ---------------------------------------

@pytest.fixture
def places(create_user, create_module, create_offering):
    """Konstanze holds a seat in one run, waits in a full one, asked in a moderated one; someone
    else holds a seat in a fourth."""
    coordinator = create_user("coordinator", name="Konstanze Koordination")
    other = create_user("coordinator", name="Olga Other")
    seat = create_offering(create_module(title="Gefährdungseinschätzung"), starts_in=timedelta(days=5, hours=1))
    full = create_offering(create_module(title="Netzwerke moderieren"), capacity=1, starts_in=timedelta(days=9))
    moderated = create_offering(create_module(title="Kooperation gestalten"), moderated=True,
                                starts_in=timedelta(days=12))
    others = create_offering(create_module(title="Fremder Kurs"), starts_in=timedelta(days=4))
    module_services.enrol(coordinator, seat, now=FIXED_NOW)
    module_services.enrol(other, full, now=FIXED_NOW)
    module_services.enrol(coordinator, full, now=FIXED_NOW)
    module_services.enrol(coordinator, moderated, now=FIXED_NOW)
    module_services.enrol(other, others, now=FIXED_NOW)
    db.session.commit()
    return coordinator, {"seat": seat, "full": full, "moderated": moderated, "others": others}


def test_a_participant_sees_her_next_dates_in_berlin_time_with_calendar_links(app, places):
    coordinator, offerings = places
    page = page_of(signed_in(app, coordinator))
    dates = section(page, "next-dates")
    seat = offerings["seat"]
    assert "Gefährdungseinschätzung" in dates and f'href="/qualifizierung/angebote/{seat.id}"' in dates
    assert f"{berlin_time(seat.dates[0].starts_at)}–{berlin_time(seat.dates[0].ends_at)} Uhr" in text(dates)
    assert f'href="/qualifizierung/angebote/{seat.id}/termine.ics"' in dates
    for title in ("Netzwerke moderieren", "Kooperation gestalten", "Fremder Kurs"):
        assert title not in dates


def test_a_participant_sees_her_waitlist_position_and_open_request(app, places):
    coordinator, _offerings = places
    waiting = text(section(page_of(signed_in(app, coordinator)), "waiting"))
    assert "Netzwerke moderieren Platz 1 auf der Warteliste" in waiting
    assert "Kooperation gestalten Wartet auf Bestätigung" in waiting
    assert "Gefährdungseinschätzung" not in waiting and "Fremder Kurs" not in waiting


def test_someone_else_sees_none_of_her_places(app, places, create_user):
    _coordinator, _offerings = places
    page = page_of(signed_in(app, create_user("coordinator")))
    assert "Sie haben derzeit keine anstehenden Termine." in section(page, "next-dates")
    assert section(page, "waiting") is None
    assert "Gefährdungseinschätzung" not in page and "Netzwerke moderieren" not in page


@pytest.mark.parametrize("role", ["trainer", "admin"])
def test_people_who_do_not_take_part_see_no_participant_sections(app, create_user, role):
    page = page_of(signed_in(app, create_user(role)))
    assert section(page, "next-dates") is None and section(page, "waiting") is None


def test_an_expert_without_dates_is_not_told_so(app, create_user):
    assert section(page_of(signed_in(app, create_user("expert"))), "next-dates") is None


# --- trainers: requests, attendance, offerings ----------------------------------------------

@pytest.fixture
def moderated_requests(create_user, create_module, create_offering, trainer):
    """Two requests in a run of Renate's, one in another trainer's run."""
    offering = create_offering(create_module(title="Kinderschutz kompakt", audiences=("coordinator", "youth_welfare")),
                               moderated=True)
    first, second = create_user("coordinator", name="Anna Erste"), create_user("partner", name="Bernd Zweiter")
    module_services.enrol(first, offering, now=FIXED_NOW)
    module_services.enrol(second, offering, now=FIXED_NOW + timedelta(minutes=1))
    colleague = create_user("trainer", name="Kurt Kollege")
    foreign = create_offering(create_module(title="Kurts Kurs", actor=colleague), moderated=True, actor=colleague)
    module_services.enrol(create_user("coordinator", name="Clara Fremd"), foreign, now=FIXED_NOW)
    db.session.commit()
    return offering


def test_a_trainer_decides_requests_in_order_from_the_start_page(app, trainer, moderated_requests):
    page = page_of(signed_in(app, trainer))
    requests = section(page, "requests")
    assert "Anna Erste" in requests and "Bernd Zweiter" in requests and "Clara Fremd" not in page
    enrolments = {row.enrolment.user.name: row.enrolment for row in module_queries.participants(moderated_requests)}
    first, second = enrolments["Anna Erste"], enrolments["Bernd Zweiter"]
    # Only the first in line can be approved: the service refuses the second before the first.
    assert f'action="/qualifizierung/verwaltung/anmeldungen/{first.id}/bestaetigen"' in requests
    assert f'action="/qualifizierung/verwaltung/anmeldungen/{second.id}/bestaetigen"' not in requests
    assert f'href="/qualifizierung/verwaltung/angebote/{moderated_requests.id}/teilnehmende"' in requests
    assert '<span class="kern-label">2<' in requests  # the count beside the title


def test_the_approve_button_works_from_the_start_page(app, trainer, moderated_requests):
    client = signed_in(app, trainer)
    action = re.search(r'action="(/qualifizierung/verwaltung/anmeldungen/\d+/bestaetigen)"',
                       section(page_of(client), "requests")).group(1)
    response = client.post(action)
    assert response.status_code == 302
    assert response.location.endswith(f"/qualifizierung/verwaltung/angebote/{moderated_requests.id}/teilnehmende")
    requests = section(page_of(client), "requests")
    assert "Anna Erste" not in requests and "Bernd Zweiter" in requests


def test_attendance_to_record_lists_begun_dates_without_records_until_recorded(app, trainer, create_user,
                                                                             create_module, create_offering):
    past = create_offering(create_module(title="Gestern begonnen"), starts_in=timedelta(days=-1), dates=3)
    future = create_offering(create_module(title="Noch nicht begonnen"), starts_in=timedelta(days=5))
    person = create_user("coordinator")
    enrolment = module_services.enrol(person, past, now=FIXED_NOW - timedelta(days=30))
    module_services.enrol(person, future, now=FIXED_NOW)
    db.session.commit()
    client = signed_in(app, trainer)
    due = section(page_of(client), "attendance")
    assert text(due).count("Gestern begonnen") == 2  # yesterday's and today's dates have begun, tomorrow's not
    assert "Für 1 Person mit Platz fehlt die Anwesenheit." in text(due) and "Noch nicht begonnen" not in due
    assert f'href="/qualifizierung/verwaltung/angebote/{past.id}/anwesenheit"' in due
    begun = [date for date in past.dates if date.starts_at <= FIXED_NOW]
    # A record for yesterday's date leaves today's due: each date counts its own records.
    module_services.record_attendance(trainer, past, {(enrolment.id, begun[0].id): True}, now=FIXED_NOW)
    db.session.commit()
    assert text(section(page_of(client), "attendance")).count("Gestern begonnen") == 1
    module_services.record_attendance(trainer, past, {(enrolment.id, date.id): False for date in begun},
                                      now=FIXED_NOW)
    db.session.commit()
    assert section(page_of(client), "attendance") is None
    assert section(page_of(signed_in(app, create_user("trainer"))), "attendance") is None


def test_a_trainer_sees_her_coming_offerings_with_seats_and_waitlist(app, trainer, create_user, create_module,
                                                                    create_offering):
    offering = create_offering(create_module(title="Ausgebucht"), capacity=1)
    for _ in range(3):
        module_services.enrol(create_user("coordinator"), offering, now=FIXED_NOW)
    db.session.commit()
    taught = text(section(page_of(signed_in(app, trainer)), "taught"))
    assert "Ausgebucht" in taught and "1 von 1 Plätzen belegt" in taught
    assert "2 Personen auf der Warteliste" in taught
    other = text(section(page_of(signed_in(app, create_user("trainer"))), "taught"))
    assert "Ausgebucht" not in other and "Derzeit steht keine Durchführung an, die Sie leiten." in other


@pytest.mark.parametrize("role", ["coordinator", "partner", "expert", "admin"])
def test_only_trainers_see_the_trainer_sections(app, create_user, moderated_requests, role):
    page = page_of(signed_in(app, create_user(role)))
    assert all(section(page, key) is None for key in ("requests", "attendance", "taught"))
    assert "Anna Erste" not in page


# --- consultations --------------------------------------------------------------------------

def test_a_booker_sees_her_open_bookings_neutrally_and_nobody_elses(app, expert_profile, book, partner,
                                                                   create_user):
    mine = book(expert_profile, at(day_ahead(2), "09:00"))
    other = book(expert_profile, at(day_ahead(3), "09:00"), booker=create_user("coordinator"))
    db.session.commit()
    page = page_of(signed_in(app, partner))
    bookings = text(section(page, "consultations"))
    assert "Fachberatung – vertraulich" in bookings and mine.case_code in bookings and "Angefragt" in bookings
    assert other.case_code not in page
    assert VIGNETTE not in page and "Gefährdungseinschätzung (anonym" not in page  # neither case nor type
    assert f'href="/beratung/buchungen/{mine.id}"' in section(page, "consultations")


def test_a_booker_without_bookings_is_pointed_to_the_experts(app, create_user):
    bookings = section(page_of(signed_in(app, create_user("partner"))), "consultations")
    assert "Sie haben keine angefragten oder anstehenden Fachberatungen." in bookings
    assert 'href="/beratung"' in bookings


def test_an_expert_sees_requests_this_weeks_bookings_and_windows_running_out(app, expert_profile, expert, book,
                                                                            create_user, make_expert):
    def booker():
        return create_user("coordinator")

    request = book(expert_profile, at(day_ahead(1), "09:00"), booker=booker())
    confirmed = book(expert_profile, at(day_ahead(1), "10:15"), booker=booker())
    consultation_services.confirm(expert, confirmed, now=FIXED_NOW)
    far = book(expert_profile, at(day_ahead(20), "09:00"), booker=booker())
    consultation_services.add_window(expert, expert, WindowInput(
        start_time=time(13), end_time=time(15), weekday=2, valid_until=day_ahead(10)), now=FIXED_NOW)
    foreign = book(make_expert(name="Olivia Andere"), at(day_ahead(1), "09:00"), booker=booker())
    db.session.commit()
    page = page_of(signed_in(app, expert))
    requests = text(section(page, "consultation-requests"))
    assert request.case_code in requests and far.case_code in requests and confirmed.case_code not in requests
    week = text(section(page, "consultations-week"))
    tomorrow_in_week = day_ahead(1).weekday() != 0  # when tomorrow is a Monday, it is next week already
    assert (request.case_code in week) == tomorrow_in_week and (confirmed.case_code in week) == tomorrow_in_week
    assert far.case_code not in week
    windows = text(section(page, "windows-ending"))
    assert "jeden Mittwoch, 13:00–15:00 Uhr" in windows and day_ahead(10).strftime("%d.%m.%Y") in windows
    assert foreign.case_code not in page and VIGNETTE not in page


def test_this_weeks_bookings_begin_with_today(app, expert, create_user):
    booking = held(expert, create_user("partner"), starts_at=FIXED_NOW + timedelta(hours=3),
                   status=ConsultationStatus.CONFIRMED)
    week = text(section(page_of(signed_in(app, expert)), "consultations-week"))
    assert "Heute" in week and week.index("Heute") < week.index(booking.case_code)


def test_windows_valid_for_longer_are_not_said_to_run_out(app, expert_profile, expert):
    consultation_services.add_window(expert, expert, WindowInput(
        start_time=time(13), end_time=time(15), weekday=3, valid_until=day_ahead(15)), now=FIXED_NOW)
    db.session.commit()
    assert section(page_of(signed_in(app, expert)), "windows-ending") is None


_codes = itertools.count(1)


def held(expert_user, booker, *, starts_at=None, status=ConsultationStatus.COMPLETED) -> Consultation:
    """A consultation of the current month straight in the table (statistics read only these columns)."""
    starts_at = starts_at or FIXED_NOW - timedelta(minutes=90)
    consultation = Consultation(
        case_code=f"T{next(_codes):05d}", expert_id=expert_user.id, booker_id=booker.id, type_code="reflection",
        format="video", starts_at=starts_at, ends_at=starts_at + timedelta(hours=1), status=status,
        booker_sector=booker.sector, scheduled_at=starts_at, created_at=starts_at, updated_at=starts_at)
    db.session.add(consultation)
    db.session.commit()
    return consultation


def test_the_admin_sees_the_months_count_only_when_it_describes_enough_people(app, create_user):
    admin, expert_user = create_user("admin"), create_user("expert")
    bookers = [create_user("partner") for _ in range(5)]
    for booker in bookers[:4]:
        held(expert_user, booker)
        held(expert_user, booker)
    month = text(section(page_of(signed_in(app, admin)), "consultation-month"))
    assert "< 5" in month and " 8 " not in month and "Beratungsstatistik" in month
    held(expert_user, bookers[4])
    month = text(section(page_of(signed_in(app, admin)), "consultation-month"))
    assert " 9 " in month and "< 5" not in month.split("Eine Zahl")[0]


@pytest.mark.parametrize("role", ["coordinator", "partner", "expert", "trainer"])
def test_only_admins_see_the_months_count(app, create_user, role):
    assert section(page_of(signed_in(app, create_user(role))), "consultation-month") is None


# --- administration -------------------------------------------------------------------------

def failed_mail(recipient="verloren@example.org", subject="Ihre Anmeldung") -> OutboxMessage:
    message = OutboxMessage(recipient=recipient, subject=subject, body="…", status=OutboxStatus.FAILED, attempts=5,
                            last_error="550 mailbox unavailable", created_at=FIXED_NOW, not_before=FIXED_NOW)
    db.session.add(message)
    db.session.commit()
    return message


def test_the_admin_sees_failed_mails_and_open_invitations(app, create_user):
    admin = create_user("admin")
    failed_mail()
    auth_services.invite(admin, email="neu@example.org", name="Nora Neu", roles=["partner"], region=None,
                         sector="health", now=FIXED_NOW)
    db.session.commit()
    page = page_of(signed_in(app, admin))
    mails = text(section(page, "failed-mails"))
    assert "verloren@example.org" in mails and "550 mailbox unavailable" in mails
    assert 'href="/verwaltung/konten?q=verloren@example.org"' in section(page, "failed-mails")
    invitations = text(section(page, "invitations"))
    assert "Nora Neu" in invitations and "neu@example.org" in invitations


def test_without_failures_the_mail_section_is_left_out(app, create_user):
    page = page_of(signed_in(app, create_user("admin")))
    assert section(page, "failed-mails") is None
    assert "Alle Einladungen sind angenommen oder abgelaufen." in section(page, "invitations")


@pytest.mark.parametrize("role", ["coordinator", "partner", "expert", "trainer"])
def test_only_admins_see_mails_and_invitations(app, create_user, role):
    failed_mail()
    page = page_of(signed_in(app, create_user(role)))
    assert section(page, "failed-mails") is None and section(page, "invitations") is None
    assert "verloren@example.org" not in page


# --- competences ----------------------------------------------------------------------------

@pytest.fixture
def framework(app):
    competence_services.seed_framework(now=FIXED_NOW)
    db.session.commit()
    return {c.code: c for c in db.session.scalars(db.select(Competence))}


def test_a_coordinator_sees_her_largest_gaps_with_the_next_fitting_offering(app, framework, create_user, trainer,
                                                                           create_module, create_offering):
    coordinator = create_user("coordinator")
    rows = competence_services.gaps(competence_services.profile(coordinator, now=FIXED_NOW))[:3]
    first = rows[0].competence
    module = create_module(title="Passt genau")
    competence_services.map_module(trainer, module, {first.id: 3})
    offering = create_offering(module, starts_in=timedelta(days=20))
    db.session.commit()
    gaps = section(page_of(signed_in(app, coordinator)), "gaps")
    assert all(row.competence.name in gaps for row in rows)
    assert f'href="/qualifizierung/angebote/{offering.id}"' in gaps and "Passt genau" in gaps
    assert "Derzeit schließt keine offene Durchführung diese Lücke." in gaps  # the other two gaps


@pytest.mark.parametrize("role", ["partner", "trainer", "expert", "admin"])
def test_only_coordinators_see_competence_gaps(app, framework, create_user, role):
    assert section(page_of(signed_in(app, create_user(role))), "gaps") is None


# --- bounded statements ---------------------------------------------------------------------

def _statements(count_queries, client) -> int:
    client.get("/")  # the session, the user and the sign-in checks are warm
    with count_queries() as statements:
        assert client.get("/").status_code == 200
    return len(statements)


def _per_provider(app, count_queries, user) -> dict[str, int]:
    """Statements each provider runs for *user*, by provider module."""
    user = db.session.get(type(user), user.id)
    user.has_role("admin")  # its roles are loaded, as for the signed-in user
    counts = {}
    with app.test_request_context("/"):
        for provider in app.extensions["lms.start_page_sections"]:
            with count_queries() as statements:
                provider(user, now=FIXED_NOW)
            counts[provider.__module__] = len(statements)
    return counts


@pytest.fixture
def busy_network(create_user, trainer, create_module, create_offering, expert_profile, expert, book, make_expert,
                 framework, create_region):
    """People of every role, and `add(rounds)` to give each of them more of everything a section lists."""
    people = {"coordinator": create_user("coordinator"), "partner": create_user("partner"), "trainer": trainer,
              "expert": expert, "admin": create_user("admin")}
    bookers = [people["coordinator"], people["partner"]]
    audiences = ("coordinator", "youth_welfare")
    body = network_bodies.save_body(people["admin"], None, network_bodies.BodyInput(
        region_id=create_region().id, kind="steering", name="Steuerungsgruppe"), now=FIXED_NOW)
    rounds = itertools.count()

    def add(count: int):
        for _ in range(count):
            index = next(rounds)
            module = create_module(title=f"Modul {index}", audiences=audiences)
            seat = create_offering(module, starts_in=timedelta(days=5 + index))
            full = create_offering(create_module(audiences=audiences), capacity=1, starts_in=timedelta(days=6 + index))
            moderated = create_offering(create_module(audiences=audiences), moderated=True,
                                        starts_in=timedelta(days=7 + index))
            past = create_offering(create_module(audiences=audiences), starts_in=timedelta(days=-2 - index))
            advised = create_module(title=f"Empfohlen {index}", audiences=audiences)  # recommended, not taken
            competence_services.map_module(trainer, advised, {framework["A1"].id: 3, framework["B1"].id: 2})
            create_offering(advised, starts_in=timedelta(days=9 + index))
            module_services.enrol(create_user("partner"), create_offering(advised, capacity=1), now=FIXED_NOW)
            module_services.enrol(create_user("partner"), full, now=FIXED_NOW)
            for person in bookers:
                module_services.enrol(person, seat, now=FIXED_NOW)
                module_services.enrol(person, full, now=FIXED_NOW)
                module_services.enrol(person, moderated, now=FIXED_NOW)
                module_services.enrol(person, past, now=FIXED_NOW - timedelta(days=30))
            other_expert = make_expert()
            for number, person in enumerate(bookers):
                book(other_expert, at(day_ahead(2 + index), ("09:00", "10:15")[number]), booker=person)
            for number in range(2):
                booking = book(expert_profile, at(day_ahead(1 + index), ("09:00", "10:15")[number]),
                               booker=create_user("partner"))
                if number:
                    consultation_services.confirm(expert, booking, now=FIXED_NOW)
            consultation_services.add_window(expert, expert, WindowInput(
                start_time=time(13 + index % 4), end_time=time(14 + index % 4), weekday=index // 4 % 7,
                valid_until=day_ahead(3 + index)), now=FIXED_NOW)
            failed_mail(recipient=f"r{index}@example.org")
            auth_services.invite(people["admin"], email=f"n{index}@example.org", name="Neu", roles=["partner"],
                                 region=None, sector="health", now=FIXED_NOW)
            held(expert, bookers[index % 2])
            meeting = meetings.plan_meeting(people["admin"], body, meetings.MeetingInput(
                starts_at=FIXED_NOW - timedelta(days=index + 1), ends_at=FIXED_NOW - timedelta(days=index, hours=22),
                place="Rathaus"), now=FIXED_NOW)
            for person in people.values():
                minutes.add_task(people["admin"], meeting, minutes.TaskInput(
                    f"Aufgabe {index}", FIXED_NOW.date() + timedelta(days=index), owner_email=person.email),
                    today=FIXED_NOW.date(), now=FIXED_NOW)
        db.session.commit()

    return people, add


def test_every_role_start_page_runs_the_same_statements_for_few_and_many_rows(app, count_queries, busy_network):
    people, add = busy_network
    add(1)
    clients = {role: signed_in(app, user) for role, user in people.items()}
    few = {role: _statements(count_queries, client) for role, client in clients.items()}
    add(8)
    many = {role: _statements(count_queries, client) for role, client in clients.items()}
    assert many == few
    assert max(few.values()) <= 30, few


def test_each_section_provider_runs_a_fixed_number_of_statements(app, count_queries, busy_network):
    """One statement a section; the competence gaps a few more (profile, then the offerings that fit); the
    network's open tasks a count and their rows."""
    people, add = busy_network
    add(1)
    few = {role: _per_provider(app, count_queries, user) for role, user in people.items()}
    add(8)
    many = {role: _per_provider(app, count_queries, user) for role, user in people.items()}
    assert many == few
    expected = {  # statements per provider (lms.<package>.startpage) and role, with something in every section
        "coordinator": {"module": 2, "kompetenzen": 16, "beratung": 1, "auth": 0, "netzwerk": 2},
        "partner": {"module": 2, "kompetenzen": 0, "beratung": 1, "auth": 0, "netzwerk": 2},
        "trainer": {"module": 3, "kompetenzen": 0, "beratung": 0, "auth": 0, "netzwerk": 2},
        "expert": {"module": 2, "kompetenzen": 0, "beratung": 3, "auth": 0, "netzwerk": 2},
        "admin": {"module": 0, "kompetenzen": 0, "beratung": 1, "auth": 2, "netzwerk": 2},
    }
    assert {role: {name.split(".")[1]: count for name, count in counts.items()} for role, counts in few.items()} \
        == expected
