"""The consultation rules below HTTP: slots, refusals, windows, races, pseudonymity, permissions, the audit
log, changes, mails with calendar parts, reminders, retention and statistics."""
import dataclasses
import re
import threading
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms.auth.models import User
from lms.beratung import services
from lms.beratung.catalogue import (
    AGE_BANDS,
    CONCERNS,
    CONSULTATION_TYPES,
    SETTINGS,
    URGENCIES,
)
from lms.beratung.models import (
    Absence,
    AvailabilityWindow,
    CaseContent,
    Consultation,
    ConsultationStatus,
    ExpertProfile,
    SlotWatch,
)
from lms.beratung.services import (
    BookingInput,
    IdentifiersFound,
    SlotUnavailable,
    WindowInput,
)
from lms.beratung.slots import Slot
from lms.errors import Conflict, DomainError, NotFound, PermissionDenied
from lms.extensions import db
from lms.ical import BERLIN
from lms.installation import uid_domain
from lms.links import external_url
from tests.beratung.conftest import (
    CASE,
    VIGNETTE,
    at,
    audit,
    count,
    day_ahead,
    footprint,
    outbox,
    subjects,
    wall_clock,
)
from tests.conftest import FIXED_NOW

TITLE = "Fachberatung – vertraulich"
HOUR = timedelta(hours=1)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def message_of(error) -> str:
    return str(error.value.message)


def starts(slots) -> list[datetime]:
    return [slot.starts_at for slot in slots]


def parse(calendar: str):
    """The METHOD and the one VEVENT of a mail's calendar part."""
    parsed = Calendar.from_ical(calendar)
    events = parsed.walk("VEVENT")
    assert len(events) == 1
    return str(parsed["METHOD"]), events[0]


# --- free slots through the services ------------------------------------------------------------

def test_next_free_slots_follow_the_windows_after_the_notice(expert_profile):
    slots = services.next_free_slots(expert_profile, now=FIXED_NOW, limit=6)
    # Today's 10:15 lies in the past or within the two hours' notice: tomorrow 09:00 comes first.
    assert starts(slots) == [at(day_ahead(day), clock) for day in (1, 2, 3) for clock in ("09:00", "10:15")]


def test_services_keep_nine_oclock_berlin_across_the_march_change(make_expert):
    profile = make_expert(weekdays=(1,))
    now = utc(2026, 3, 20, 12, 0)
    slots = services.free_slots(profile, first_day=date(2026, 3, 23), last_day=date(2026, 4, 1), now=now)
    assert starts(slots) == [utc(2026, 3, 24, 8, 0), utc(2026, 3, 24, 9, 15), utc(2026, 3, 31, 7, 0),
                             utc(2026, 3, 31, 8, 15)]
    assert services.check_slot(profile, utc(2026, 3, 31, 7, 0), now=now).ends_at == utc(2026, 3, 31, 8, 0)
    with pytest.raises(SlotUnavailable, match="keine Beratung an"):
        services.check_slot(profile, utc(2026, 3, 31, 8, 0), now=now)  # 10:00 summer time: not on the grid


def test_services_keep_nine_oclock_berlin_across_the_october_change(make_expert):
    profile = make_expert(weekdays=(1, 6))
    now = utc(2026, 10, 16, 12, 0)
    slots = services.free_slots(profile, first_day=date(2026, 10, 19), last_day=date(2026, 10, 28), now=now)
    nines = [slot.starts_at for slot in slots if wall_clock(slot.starts_at) == "09:00"]
    assert nines == [utc(2026, 10, 20, 7, 0), utc(2026, 10, 25, 8, 0), utc(2026, 10, 27, 8, 0)]


def test_next_free_slot_by_expert_answers_for_each_profile(make_expert, book):
    first, second = make_expert(), make_expert(weekdays=(day_ahead(4).weekday(),))
    book(first, at(day_ahead(1), "09:00"))
    found = services.next_free_slot_by_expert([first, second], now=FIXED_NOW)
    assert found[first.user_id].starts_at == at(day_ahead(1), "10:15")
    assert found[second.user_id].starts_at == at(day_ahead(4), "09:00")


# --- refusals -----------------------------------------------------------------------------------

REFUSALS = {
    "past": "Der gewählte Termin liegt in der Vergangenheit.",
    "notice": "Der Termin ist zu kurzfristig: Buchungen sind bis 2 Stunden vorher möglich.",
    "notice_90": "Der Termin ist zu kurzfristig: Buchungen sind bis 1,5 Stunden vorher möglich.",
    "horizon": "Der Termin liegt außerhalb des Buchungszeitraums von 56 Tagen.",
    "absence": "Die Fachkraft ist an diesem Tag abwesend.",
    "no_window": "Zu dieser Zeit bietet die Fachkraft keine Beratung an.",
    "off_grid": "Zu dieser Zeit bietet die Fachkraft keine Beratung an.",
    "taken": "Dieser Termin ist bereits vergeben.",
    "buffer": "Dieser Termin ist bereits vergeben.",
    "day_cap": "Die Fachkraft ist an diesem Tag bereits ausgebucht.",
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_unbookable_slots_are_refused_with_the_reason_and_nothing_is_saved(case, make_expert, book, create_user):
    day = day_ahead(3)
    nine, now = at(day, "09:00"), FIXED_NOW
    profile = make_expert(max_per_day=1 if case == "day_cap" else None,
                          notice_minutes=90 if case == "notice_90" else 120)
    target = nine
    if case == "past":
        target = at(day_ahead(-1), "09:00")
    elif case in ("notice", "notice_90"):
        now = nine - timedelta(minutes=60)
    elif case == "horizon":
        target = at(day_ahead(60), "09:00")
    elif case == "absence":
        services.add_absence(profile.user, profile.user, day, day, "Fortbildung", now=FIXED_NOW)
    elif case == "no_window":
        target = at(day, "13:00")
    elif case == "off_grid":
        target = at(day, "09:30")
    elif case == "taken":
        book(profile, nine, booker=create_user("partner"))
    elif case == "buffer":
        # A booking of the old grid (a 08:00-08:50 window since removed) sits too close to 09:00.
        db.session.add(Consultation(
            case_code="FB-2000-AAAA", expert_id=profile.user_id, booker_id=create_user("partner").id,
            type_code="process_consult", format="video", starts_at=at(day, "08:00"), ends_at=at(day, "08:50"),
            status=ConsultationStatus.CONFIRMED, scheduled_at=FIXED_NOW, created_at=FIXED_NOW,
            updated_at=FIXED_NOW))
        assert services.check_slot(profile, at(day, "10:15"), now=now)  # the next slot keeps its distance
    elif case == "day_cap":
        book(profile, nine, booker=create_user("partner"))
        target = at(day, "10:15")
    db.session.commit()
    before = footprint()
    with pytest.raises(SlotUnavailable) as direct:
        services.check_slot(profile, target, now=now)
    assert message_of(direct) == REFUSALS[case]
    with pytest.raises(SlotUnavailable) as refused:
        book(profile, target, now=now)
    assert message_of(refused) == REFUSALS[case]
    assert footprint() == before


def test_a_free_slot_passes_the_check(expert_profile):
    slot = services.check_slot(expert_profile, at(day_ahead(3), "10:15"), now=FIXED_NOW)
    assert (slot.starts_at, slot.ends_at) == (at(day_ahead(3), "10:15"), at(day_ahead(3), "11:15"))


def test_a_refused_booking_names_the_next_free_slots(expert_profile, book, create_user):
    taken = at(day_ahead(1), "09:00")
    book(expert_profile, taken, booker=create_user("partner"))
    with pytest.raises(SlotUnavailable) as refused:
        book(expert_profile, taken)
    alternatives = refused.value.alternatives
    assert starts(alternatives) == [at(day_ahead(1), "10:15"), at(day_ahead(2), "09:00"), at(day_ahead(2), "10:15")]
    assert alternatives == services.next_free_slots(expert_profile, now=FIXED_NOW)


def test_when_the_index_refuses_a_parallel_booking_the_booker_gets_alternatives(monkeypatch, expert_profile,
                                                                                  book, create_user):
    """The race lost after the check: simulated by a check that still saw the slot free."""
    nine = at(day_ahead(1), "09:00")
    book(expert_profile, nine, booker=create_user("partner"))
    db.session.commit()
    monkeypatch.setattr("lms.beratung.services.booking.check_slot",  # where booking and moving look it up
                        lambda profile, starts_at, **_: Slot(starts_at, starts_at + HOUR))
    before = footprint()
    with pytest.raises(SlotUnavailable) as refused:
        book(expert_profile, nine)
    assert message_of(refused) == "Dieser Termin wurde soeben von jemand anderem gebucht."
    assert refused.value.alternatives and nine not in starts(refused.value.alternatives)
    assert footprint() == before


def test_a_booker_holds_at_most_two_open_bookings_with_one_expert(make_expert, book, partner):
    profile, other = make_expert(), make_expert()
    first = book(profile, at(day_ahead(1), "09:00"))
    book(profile, at(day_ahead(2), "09:00"))
    before = footprint()
    with pytest.raises(DomainError) as refused:
        book(profile, at(day_ahead(3), "09:00"))
    assert message_of(refused) == ("Sie haben bereits 2 offene Buchungen bei dieser Fachkraft. Eine weitere ist "
                                   "möglich, wenn eine davon stattgefunden hat oder abgesagt ist.")
    assert footprint() == before
    assert book(other, at(day_ahead(3), "09:00")).expert_id == other.user_id  # another expert: fine
    services.cancel(partner, first, reason="Hat sich erledigt", now=FIXED_NOW)
    assert book(profile, at(day_ahead(3), "09:00")).status == ConsultationStatus.REQUESTED


@pytest.mark.parametrize("app_config", [{"CONSULTATION_MAX_OPEN_PER_EXPERT": 1}])
def test_the_open_booking_limit_is_configurable(expert_profile, book):
    book(expert_profile, at(day_ahead(1), "09:00"))
    with pytest.raises(DomainError, match="Sie haben bereits 1 offene Buchung bei"):
        book(expert_profile, at(day_ahead(2), "09:00"))
    assert count(Consultation) == 1


def test_only_offered_types_and_formats_can_be_booked(make_expert, book):
    profile = make_expert(types=("process_consult",), formats=("phone",))
    with pytest.raises(DomainError, match="Diese Beratungsart bietet die Fachkraft nicht an."):
        book(profile, at(day_ahead(1), "09:00"), format="phone")
    with pytest.raises(DomainError, match="Dieses Format bietet die Fachkraft nicht an."):
        book(profile, at(day_ahead(1), "09:00"), type_code="process_consult", format="video")
    consultation = book(profile, at(day_ahead(1), "09:00"), type_code="process_consult", format="phone")
    assert consultation.location == "0351 1234567"


def test_unpublished_or_inactive_experts_cannot_be_booked(make_expert, book):
    hidden = make_expert(published=False)
    with pytest.raises(NotFound):
        book(hidden, at(day_ahead(1), "09:00"))
    gone = make_expert()
    gone.user.active = False
    db.session.commit()
    with pytest.raises(NotFound):
        book(gone, at(day_ahead(1), "09:00"))
    assert count(Consultation) == 0


# --- windows and absences -----------------------------------------------------------------------

def _window(**values) -> WindowInput:
    values.setdefault("start_time", time(9))
    values.setdefault("end_time", time(12))
    return WindowInput(**values)


INVALID_WINDOWS = [
    (_window(weekday=1, start_time=time(12), end_time=time(9)), "Das Zeitfenster muss nach seinem Beginn enden."),
    (_window(weekday=1, start_time=time(9), end_time=time(9)), "Das Zeitfenster muss nach seinem Beginn enden."),
    (_window(weekday=1, valid_from=date(2030, 6, 1), valid_until=date(2030, 5, 31)),
     "Das Ende der Gültigkeit liegt vor ihrem Beginn."),
    (_window(), "Bitte wählen Sie entweder einen Wochentag oder ein Datum."),
    (_window(weekday=1, day=date(2030, 6, 4)), "Bitte wählen Sie entweder einen Wochentag oder ein Datum."),
    (_window(day=day_ahead(-1)), "Das Datum liegt in der Vergangenheit."),
]


def test_invalid_windows_are_refused_and_not_saved(make_expert):
    profile = make_expert(weekdays=())
    for data, message in INVALID_WINDOWS:
        with pytest.raises(DomainError) as refused:
            services.add_window(profile.user, profile.user, data, now=FIXED_NOW)
        assert message_of(refused) == message, data
    assert count(AvailabilityWindow) == 0


OVERLAP = "Das Zeitfenster überschneidet sich mit einem bestehenden Zeitfenster."
A_TUESDAY = date(2030, 6, 4)


OVERLAPS = [  # (existing, new, clash)
    (_window(weekday=1), _window(weekday=1, start_time=time(11), end_time=time(13)), True),
    (_window(weekday=1), _window(weekday=1, start_time=time(8), end_time=time(13)), True),
    (_window(weekday=1), _window(weekday=1, start_time=time(12), end_time=time(14)), False),  # touching
    (_window(weekday=1), _window(weekday=2), False),
    (_window(weekday=1, valid_until=date(2030, 6, 30)), _window(weekday=1, valid_from=date(2030, 6, 30)), True),
    (_window(weekday=1, valid_until=date(2030, 6, 30)), _window(weekday=1, valid_from=date(2030, 7, 1)), False),
    (_window(weekday=1), _window(day=A_TUESDAY, start_time=time(10), end_time=time(11)), True),
    (_window(weekday=1), _window(day=A_TUESDAY, start_time=time(13), end_time=time(15)), False),
    (_window(weekday=1), _window(day=A_TUESDAY + timedelta(days=1)), False),
    (_window(weekday=1, valid_until=date(2030, 6, 3)), _window(day=A_TUESDAY), False),
    (_window(day=A_TUESDAY), _window(weekday=1, start_time=time(11), end_time=time(12)), True),
    (_window(day=A_TUESDAY), _window(day=A_TUESDAY, start_time=time(11), end_time=time(13)), True),
]


def test_windows_must_not_overlap(make_expert):
    for existing, new, clash in OVERLAPS:
        expert = make_expert(weekdays=()).user
        services.add_window(expert, expert, existing, now=FIXED_NOW)
        if clash:
            with pytest.raises(Conflict) as refused:
                services.add_window(expert, expert, new, now=FIXED_NOW)
            assert message_of(refused) == OVERLAP
        else:
            services.add_window(expert, expert, new, now=FIXED_NOW)
        assert len(services.windows_of(expert)) == (1 if clash else 2), (existing, new)


def test_only_the_expert_or_an_admin_edits_the_calendar(make_expert, partner, create_user):
    profile = make_expert(weekdays=())
    for outsider in (partner, create_user("coordinator"), make_expert(weekdays=()).user):
        with pytest.raises(PermissionDenied):
            services.add_window(outsider, profile.user, _window(weekday=1), now=FIXED_NOW)
        with pytest.raises(PermissionDenied):
            services.add_absence(outsider, profile.user, day_ahead(1), day_ahead(2), "", now=FIXED_NOW)
    assert (count(AvailabilityWindow), count(Absence)) == (0, 0)
    services.add_window(create_user("admin"), profile.user, _window(weekday=1), now=FIXED_NOW)
    assert [window.weekday for window in services.windows_of(profile.user)] == [1]


def test_absences_need_an_order_and_a_future(expert):
    with pytest.raises(DomainError) as refused:
        services.add_absence(expert, expert, day_ahead(5), day_ahead(4), "Urlaub", now=FIXED_NOW)
    assert message_of(refused) == "Der letzte Tag der Abwesenheit liegt vor dem ersten."
    with pytest.raises(DomainError) as refused:
        services.add_absence(expert, expert, day_ahead(-5), day_ahead(-1), "Urlaub", now=FIXED_NOW)
    assert message_of(refused) == "Die Abwesenheit liegt ganz in der Vergangenheit."
    assert count(Absence) == 0
    services.add_absence(expert, expert, day_ahead(4), day_ahead(4), "Urlaub", now=FIXED_NOW)
    assert count(Absence) == 1


def test_absences_and_window_changes_never_delete_bookings_but_show_conflicts(expert_profile, expert, book):
    day = day_ahead(3)
    consultation = book(expert_profile, at(day, "09:00"))
    later = book(expert_profile, at(day_ahead(6), "09:00"))
    assert services.conflicts(expert, now=FIXED_NOW) == []
    absence = services.add_absence(expert, expert, day_ahead(2), day_ahead(4), "Urlaub", now=FIXED_NOW)
    assert services.conflicts(expert, now=FIXED_NOW) == [consultation]
    assert consultation.status == ConsultationStatus.REQUESTED and count(Consultation) == 2
    free_days = {slot.day for slot in services.next_free_slots(expert_profile, now=FIXED_NOW, limit=20)}
    assert not free_days & {day_ahead(2), day_ahead(3), day_ahead(4)}
    services.remove_absence(expert, absence, now=FIXED_NOW)
    assert services.conflicts(expert, now=FIXED_NOW) == []
    # A new window the same afternoon leaves the booking alone; removing its window makes it a conflict.
    services.add_window(expert, expert, _window(day=day, start_time=time(14), end_time=time(16)), now=FIXED_NOW)
    weekly = next(w for w in services.windows_of(expert) if w.weekday == day.weekday())
    services.remove_window(expert, weekly, now=FIXED_NOW)
    assert services.conflicts(expert, now=FIXED_NOW) == [consultation]
    assert count(Consultation) == 2 and later.holds_slot and consultation.holds_slot


# --- the race for one slot ----------------------------------------------------------------------

def test_twenty_parallel_bookings_of_one_slot_leave_exactly_one(app, make_expert, create_user):
    profile = make_expert()
    target = at(day_ahead(2), "09:00")
    profile_id, expert_id = profile.id, profile.user_id
    booker_ids = [create_user("partner").id for _ in range(20)]
    db.session.commit()
    barrier, won, refused = threading.Barrier(len(booker_ids), timeout=60), [], []

    def attempt(booker_id):
        with app.app_context():
            barrier.wait()  # all start together; each loads its objects on its own connection
            booker, mine = db.session.get(User, booker_id), db.session.get(ExpertProfile, profile_id)
            try:
                consultation = services.book(booker, mine, BookingInput(
                    starts_at=target, type_code="case_consult_8b", format="video", case=CASE), now=FIXED_NOW)
                won.append((booker_id, consultation.id))
                db.session.commit()
            except SlotUnavailable as error:
                db.session.rollback()
                refused.append((str(error.message), starts(error.alternatives)))

    threads = [threading.Thread(target=attempt, args=(booker_id,)) for booker_id in booker_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1 and len(refused) == 19
    for message, alternatives in refused:
        assert message in ("Dieser Termin ist bereits vergeben.",
                           "Dieser Termin wurde soeben von jemand anderem gebucht.")
        assert alternatives and target not in alternatives
    db.session.expire_all()
    holders = db.session.scalars(select(Consultation).where(
        Consultation.expert_id == expert_id, Consultation.starts_at == target)).all()
    assert [(row.booker_id, row.id) for row in holders] == won and holders[0].holds_slot
    assert (count(Consultation), count(CaseContent)) == (1, 1)
    assert len(outbox()) == 2  # the winner's request and the expert's notice, nothing for the others


def _raw(profile, booker, starts_at, status, code) -> Consultation:
    return Consultation(case_code=code, expert_id=profile.user_id, booker_id=booker.id, type_code="process_consult",
                        format="video", starts_at=starts_at, ends_at=starts_at + HOUR, status=status,
                        scheduled_at=FIXED_NOW, created_at=FIXED_NOW, updated_at=FIXED_NOW)


def test_the_database_refuses_a_second_holding_booking_of_one_slot(expert_profile, partner, create_user):
    slot = at(day_ahead(2), "09:00")
    db.session.add(_raw(expert_profile, partner, slot, ConsultationStatus.REQUESTED, "FB-2000-AAAA"))
    db.session.commit()
    db.session.add(_raw(expert_profile, create_user("partner"), slot, ConsultationStatus.CONFIRMED, "FB-2000-BBBB"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    for status, code in ((ConsultationStatus.CANCELLED, "FB-2000-CCCC"), (ConsultationStatus.DECLINED, "FB-2000-DDDD"),
                         (ConsultationStatus.COMPLETED, "FB-2000-EEEE")):
        db.session.add(_raw(expert_profile, create_user("partner"), slot, status, code))
        db.session.commit()
    assert count(Consultation) == 4
    assert db.session.scalar(select(func.count()).where(
        Consultation.starts_at == slot, Consultation.status.in_(("requested", "confirmed")))) == 1


# --- pseudonymity -------------------------------------------------------------------------------

CASE_TYPES = [code for code, kind in CONSULTATION_TYPES.items() if kind.case_related]


CASE_FIELDS = {
    "age_band": "Bitte wählen Sie die Altersgruppe des Kindes.",
    "concern": "Bitte wählen Sie die Art der Sorge.",
    "setting": "Bitte wählen Sie das Umfeld.",
    "urgency": "Bitte wählen Sie die Dringlichkeit.",
}


@pytest.mark.parametrize("type_code", ["case_consult_8b", "case_consult_kkg4", "reflection"])
def test_case_related_types_need_the_pseudonymous_fields(expert_profile, book, type_code):
    assert {"case_consult_8b", "case_consult_kkg4", "case_consult_8a4", "reflection",
            "helper_conf_prep"} == set(CASE_TYPES)
    for field, message in CASE_FIELDS.items():
        for value in ("", "unbekannt"):
            with pytest.raises(DomainError) as refused:
                book(expert_profile, at(day_ahead(1), "09:00"), type_code=type_code,
                     case=dataclasses.replace(CASE, **{field: value}))
            assert message_of(refused) == message
    assert footprint() == {"Consultation": 0, "CaseContent": 0, "CaseAccess": 0, "OutboxMessage": 0}


def test_the_vignette_is_at_most_a_thousand_characters(expert_profile, book):
    with pytest.raises(DomainError) as refused:
        book(expert_profile, at(day_ahead(1), "09:00"), case=dataclasses.replace(CASE, vignette="a" * 1001))
    assert message_of(refused) == "Die Fallvignette darf höchstens 1000 Zeichen lang sein."
    assert count(Consultation) == 0
    consultation = book(expert_profile, at(day_ahead(1), "09:00"), case=dataclasses.replace(CASE, vignette="a" * 1000))
    assert len(db.session.get(CaseContent, consultation.id).vignette) == 1000


BLOCKED = [  # (vignette, kind, finding): none of them can be confirmed away
    ("Das Kind ist am 12.03.2018 geboren.", "date", "12.03.2018"),
    ("Die Mutter schreibt an eltern.muster@example.org zurück.", "email", "eltern.muster@example.org"),
    ("Rückruf der Mutter unter 0351 4567890 erbeten.", "phone", "0351 4567890"),
    ("Die Familie wohnt in der Lindenstraße 12 im Erdgeschoss.", "address", "Lindenstraße 12"),
    ("Die Familie ist nach 04109 umgezogen.", "postcode", "04109"),
    ("Versichertennummer A123456789 liegt der Kita vor.", "number", "A123456789"),
]
CONFIRMABLE = [  # (vignette, kind, finding)
    ("Leon kommt oft zu spät und hungrig.", "given_name", "Leon"),
    ("Frau Bach kommt oft zu spät.", "surname", "Bach"),
    ("Die Familie ist aus Grimma zugezogen.", "place", "Grimma"),
    ("In der Kita Pusteblume fällt das Kind auf.", "institution", "Kita Pusteblume"),
    ("Seit dem 3. Mai ist sie auffällig.", "day", "3. Mai"),
]


@pytest.mark.parametrize(("text", "kind", "found"), BLOCKED)
def test_blocked_identifiers_in_the_vignette_cannot_be_confirmed_away(expert_profile, book, text, kind, found):
    case, slot = dataclasses.replace(CASE, vignette=text), at(day_ahead(1), "09:00")
    for confirmed in ((), {f"{kind}:{found}"}):
        with pytest.raises(IdentifiersFound) as refused:
            book(expert_profile, slot, case=case, confirmed=confirmed)
        assert [(finding.kind, finding.text) for finding in refused.value.open_findings] == [(kind, found)]
        assert message_of(refused) == ("Nichts wurde gespeichert: Das Feld „Fallvignette“ enthält Angaben, die eine "
                                       "Person erkennbar machen können.")
        assert refused.value.text == text
    assert footprint() == {"Consultation": 0, "CaseContent": 0, "CaseAccess": 0, "OutboxMessage": 0}


@pytest.mark.parametrize(("text", "kind", "found"), CONFIRMABLE)
def test_names_in_the_vignette_are_confirmed_each(expert_profile, book, text, kind, found):
    case, slot = dataclasses.replace(CASE, vignette=text), at(day_ahead(1), "09:00")
    for confirmed in ((), {f"{kind}:Mia", f"{kind}:{found}x", f"date:{found}"}):  # none names this finding
        with pytest.raises(IdentifiersFound) as refused:
            book(expert_profile, slot, case=case, confirmed=confirmed)
        assert [(finding.kind, finding.text) for finding in refused.value.open_findings] == [(kind, found)]
    assert footprint() == {"Consultation": 0, "CaseContent": 0, "CaseAccess": 0, "OutboxMessage": 0}
    consultation = book(expert_profile, slot, case=case, confirmed={f"{kind}:{found}"})
    assert db.session.get(CaseContent, consultation.id).vignette == text


def test_confirming_one_finding_leaves_the_others_open(expert_profile, book):
    case = dataclasses.replace(CASE, vignette="Lena Müller und ihr Bruder Ali kommen aus Plauen, seit dem 3. Mai.")
    slot = at(day_ahead(1), "09:00")
    with pytest.raises(IdentifiersFound) as refused:
        book(expert_profile, slot, case=case, confirmed={"given_name:Lena", "place:Plauen"})
    assert [finding.key for finding in refused.value.open_findings] == ["surname:Müller", "given_name:Ali", "day:3. Mai"]
    assert [finding.key for finding in refused.value.findings] == [
        "given_name:Lena", "surname:Müller", "given_name:Ali", "place:Plauen", "day:3. Mai"]
    book(expert_profile, slot, case=case, confirmed={finding.key for finding in refused.value.findings})
    assert count(Consultation) == 1


def test_an_exact_age_with_a_place_is_confirmed_on_its_own(expert_profile, book):
    case = dataclasses.replace(CASE, vignette="Ein 7-jähriger Junge aus Wurzen kommt hungrig.")
    slot = at(day_ahead(1), "09:00")
    with pytest.raises(IdentifiersFound) as refused:
        book(expert_profile, slot, case=case, confirmed={"place:Wurzen"})
    assert [finding.key for finding in refused.value.open_findings] == ["age:7-jähriger"]
    book(expert_profile, slot, case=case, confirmed={"place:Wurzen", "age:7-jähriger"})
    assert count(Consultation) == 1


def test_the_seen_vignette_cannot_be_saved_whatever_is_confirmed(expert_profile, book):
    text = "Lena Müller, geb. 12.03.2018, Hauptstraße 5 in Grimma, Tel. 0341 1234567, lena.mueller@web.de"
    every_key = {f"{kind}:{found}" for kind in ("given_name", "surname", "place", "date", "address", "phone", "email")
                 for found in ("Lena", "Müller", "Grimma", "12.03.2018", "Hauptstraße 5", "0341 1234567",
                               "lena.mueller@web.de")}
    with pytest.raises(IdentifiersFound) as refused:
        book(expert_profile, at(day_ahead(1), "09:00"), case=dataclasses.replace(CASE, vignette=text),
             confirmed=every_key)
    assert [(finding.kind, finding.text) for finding in refused.value.open_findings] == [
        ("date", "12.03.2018"), ("address", "Hauptstraße 5"), ("phone", "0341 1234567"),
        ("email", "lena.mueller@web.de")]
    assert count(Consultation) == 0


def test_every_free_text_of_a_consultation_passes_the_guard(expert_profile, expert, book, partner):
    """Decline and cancel reasons and the expert's documentation: refused with the findings, nothing
    changed, and saved once the findings are gone or confirmed."""
    requested = book(expert_profile, at(day_ahead(1), "09:00"))
    for reason, confirmed in (("Familie Kowalski ist bekannt, Tel. 0341 1234567", {"surname:Kowalski"}),
                              ("Familie Kowalski ist uns bekannt", ())):
        with pytest.raises(IdentifiersFound) as refused:
            services.decline(expert, requested, reason=reason, now=FIXED_NOW, confirmed=confirmed)
        assert refused.value.field == "Begründung"
        assert requested.status == "requested"
    services.decline(expert, requested, reason="Familie Kowalski ist uns bekannt", now=FIXED_NOW,
                     confirmed={"surname:Kowalski"})
    assert requested.decision_reason == "Familie Kowalski ist uns bekannt"

    booked = book(expert_profile, at(day_ahead(2), "09:00"))
    with pytest.raises(IdentifiersFound) as refused:
        services.cancel(partner, booked, reason="Frau Weber hat am 14.01.2026 abgesagt", now=FIXED_NOW,
                        confirmed={"surname:Weber", "date:14.01.2026"})
    assert [finding.kind for finding in refused.value.open_findings] == ["date"]
    assert booked.status == "requested"
    services.cancel(partner, booked, reason="Frau Weber hat abgesagt", now=FIXED_NOW, confirmed={"surname:Weber"})
    assert booked.status == "cancelled"

    held = book(expert_profile, at(day_ahead(3), "09:00"))
    services.confirm(expert, held, now=FIXED_NOW)
    later = held.starts_at + timedelta(minutes=5)
    with pytest.raises(IdentifiersFound) as refused:
        services.record_outcome(expert, held, outcome="Hilfeplan mit der Kita Regenbogen, Az. 51-2026-0457",
                                result="support", now=later, confirmed={"institution:Kita Regenbogen"})
    assert refused.value.field == "Dokumentation"
    assert [finding.kind for finding in refused.value.open_findings] == ["number"]
    assert db.session.get(CaseContent, held.id).outcome == ""
    services.record_outcome(expert, held, outcome="Hilfeplan mit der Kita Regenbogen", result="support", now=later,
                            confirmed={"institution:Kita Regenbogen"})
    assert db.session.get(CaseContent, held.id).outcome == "Hilfeplan mit der Kita Regenbogen"


def test_the_admins_reason_for_showing_the_booker_is_no_case_text(expert_profile, book, create_user):
    """The audit log keeps why an admin looked: who complained may be named there."""
    consultation = book(expert_profile, at(day_ahead(1), "09:00"))
    services.reveal_booker(create_user("admin"), consultation, reason="Beschwerde von Frau Schmidt", now=FIXED_NOW)
    assert audit(consultation.id)[-1][3] == "booker"


@pytest.mark.parametrize("type_code", ["process_consult", "cooperation_clarify"])
def test_types_without_a_case_store_no_case_content(expert_profile, book, partner, type_code):
    with_case = book(expert_profile, at(day_ahead(1), "09:00"), type_code=type_code,
                     case=dataclasses.replace(CASE, vignette="Leon, Lindenstraße 12"))
    without = book(expert_profile, at(day_ahead(2), "09:00"), type_code=type_code, case=services.CaseInput())
    assert (count(CaseContent), audit()) == (0, [])
    assert services.read_case(partner, with_case, now=FIXED_NOW).content is None
    assert without.type_code == type_code


def test_case_codes_are_pseudonymous_and_unique(expert_profile, book, create_user):
    codes = [book(expert_profile, at(day_ahead(day), clock), booker=create_user("partner")).case_code
             for day in (1, 2, 3) for clock in ("09:00", "10:15")]
    year = FIXED_NOW.astimezone(BERLIN).year
    assert all(re.fullmatch(rf"FB-{year}-[2-9A-HJ-NP-Z]{{4}}", code) for code in codes), codes
    assert len(set(codes)) == len(codes)


# --- permissions --------------------------------------------------------------------------------

def test_only_booker_and_expert_read_the_case(expert_profile, expert, book, partner, create_user, make_expert):
    consultation = book(expert_profile, at(day_ahead(1), "09:00"))
    outsiders = [create_user("admin"), create_user("coordinator"), create_user("trainer"), create_user("partner"),
                 make_expert().user, create_user(roles=["admin", "coordinator", "trainer"])]
    for outsider in outsiders:
        with pytest.raises(PermissionDenied):
            services.read_case(outsider, consultation, now=FIXED_NOW)
    assert [row[3] for row in audit()] == ["write"]  # refused reads leave no trace of content
    # The page itself: admins see the metadata; coordinators, trainers, other partners and experts nothing.
    assert [consultation.can_view(person) for person in outsiders] == [True, False, False, False, False, True]
    assert not any(consultation.is_party(person) for person in outsiders)
    assert consultation.can_view(partner) and consultation.can_view(expert)
    as_booker = services.read_case(partner, consultation, now=FIXED_NOW)
    as_expert = services.read_case(expert, consultation, now=FIXED_NOW)
    assert as_booker.content.vignette == as_expert.content.vignette == VIGNETTE
    assert (as_booker.outcome_visible, as_expert.outcome_visible) == (False, True)


def test_a_booker_cannot_cancel_or_move_someone_elses_booking(expert_profile, book, create_user):
    consultation = book(expert_profile, at(day_ahead(2), "09:00"))
    before = footprint()
    for outsider in (create_user("partner"), create_user("coordinator"), create_user("admin")):
        with pytest.raises(PermissionDenied):
            services.cancel(outsider, consultation, reason="Kein Bedarf", now=FIXED_NOW)
        with pytest.raises(PermissionDenied):
            services.reschedule(outsider, consultation, at(day_ahead(3), "09:00"), now=FIXED_NOW)
    assert consultation.status == ConsultationStatus.REQUESTED and consultation.sequence == 0
    assert footprint() == before


def test_only_the_booked_expert_confirms_declines_and_records_the_outcome(expert_profile, expert, book, partner,
                                                                           make_expert, create_user):
    consultation = book(expert_profile, at(day_ahead(1), "09:00"))
    later = consultation.starts_at + timedelta(minutes=30)
    for outsider in (partner, make_expert().user, create_user("admin"), create_user("coordinator")):
        with pytest.raises(PermissionDenied):
            services.confirm(outsider, consultation, now=FIXED_NOW)
        with pytest.raises(PermissionDenied):
            services.decline(outsider, consultation, reason="Keine Zeit", now=FIXED_NOW)
        with pytest.raises(PermissionDenied):
            services.record_outcome(outsider, consultation, outcome="Notiz", result="support", now=later)
    assert consultation.status == ConsultationStatus.REQUESTED
    services.confirm(expert, consultation, now=FIXED_NOW)
    services.record_outcome(expert, consultation, outcome="Hilfeplan besprochen", result="support", now=later)
    assert consultation.status == ConsultationStatus.COMPLETED
    view = services.read_case(partner, consultation, now=later)
    assert view.outcome_visible is False


def test_only_partners_and_coordinators_book(expert_profile, book, create_user):
    for role in ("trainer", "admin", "expert"):
        with pytest.raises(PermissionDenied):
            book(expert_profile, at(day_ahead(1), "09:00"), booker=create_user(role))
    with pytest.raises(PermissionDenied):
        book(expert_profile, at(day_ahead(1), "09:00"), booker=create_user("partner", active=False))
    assert count(Consultation) == 0
    assert book(expert_profile, at(day_ahead(1), "09:00"), booker=create_user("coordinator")).holds_slot


def test_nobody_books_themselves(make_expert, book):
    profile = make_expert(roles=("expert", "coordinator"))
    with pytest.raises(DomainError) as refused:
        book(profile, at(day_ahead(1), "09:00"), booker=profile.user)
    assert message_of(refused) == "Sie können keine Beratung bei sich selbst buchen."
    assert count(Consultation) == 0


# --- decisions ----------------------------------------------------------------------------------

def test_confirm_decline_and_outcome_follow_the_status(expert_profile, expert, book, create_user):
    consultation = book(expert_profile, at(day_ahead(1), "09:00"))
    with pytest.raises(Conflict, match="Das Ergebnis kann erst nach Beginn"):
        services.record_outcome(expert, consultation, outcome="", result=None,
                                now=consultation.starts_at + HOUR)  # still only requested
    services.confirm(expert, consultation, now=FIXED_NOW)
    assert (consultation.status, consultation.sequence) == (ConsultationStatus.CONFIRMED, 1)
    with pytest.raises(Conflict, match="Nur angefragte, noch nicht begonnene Beratungen"):
        services.confirm(expert, consultation, now=FIXED_NOW)
    with pytest.raises(Conflict, match="Nur angefragte Beratungen können abgelehnt werden."):
        services.decline(expert, consultation, reason="Doch nicht", now=FIXED_NOW)
    with pytest.raises(Conflict, match="Das Ergebnis kann erst nach Beginn"):
        services.record_outcome(expert, consultation, outcome="", result=None, now=FIXED_NOW)
    with pytest.raises(DomainError, match="Bitte wählen Sie ein gültiges Ergebnis."):
        services.record_outcome(expert, consultation, outcome="", result="egal", now=consultation.ends_at)
    services.record_outcome(expert, consultation, outcome=" Hilfe vereinbart ", result="support",
                            now=consultation.ends_at)
    content = db.session.get(CaseContent, consultation.id)
    assert (content.outcome, content.result, consultation.status) == ("Hilfe vereinbart", "support", "completed")

    declined = book(expert_profile, at(day_ahead(2), "09:00"), booker=create_user("partner"))
    with pytest.raises(DomainError, match="Bitte geben Sie einen Grund an."):
        services.decline(expert, declined, reason=" ", now=FIXED_NOW)
    assert declined.status == ConsultationStatus.REQUESTED
    services.decline(expert, declined, reason="Nicht zuständig", now=FIXED_NOW)
    assert (declined.status, declined.decision_reason) == (ConsultationStatus.DECLINED, "Nicht zuständig")
    assert at(day_ahead(2), "09:00") in starts(services.next_free_slots(expert_profile, now=FIXED_NOW, limit=4))


def test_auto_confirm_books_confirmed_at_once(make_expert, book, partner):
    profile = make_expert(auto_confirm=True)
    consultation = book(profile, at(day_ahead(1), "09:00"))
    assert consultation.status == ConsultationStatus.CONFIRMED
    assert subjects(partner.email) == [f"Beratung bestätigt: {consultation.starts_at.astimezone(BERLIN):%d.%m.%Y}"]
    assert subjects(profile.user.email) == [f"Neue Buchung: {consultation.starts_at.astimezone(BERLIN):%d.%m.%Y}"]


# --- audit log ----------------------------------------------------------------------------------

def test_every_read_write_and_erasure_of_case_content_is_logged(app, expert_profile, expert, book, partner):
    consultation = book(expert_profile, at(day_ahead(1), "09:00"))
    code, cid = consultation.case_code, consultation.id
    assert audit(cid) == [(cid, code, partner.id, "write", FIXED_NOW)]
    services.read_case(expert, consultation, now=FIXED_NOW + timedelta(minutes=5))
    services.read_case(partner, consultation, now=FIXED_NOW + timedelta(minutes=6))
    services.read_case(expert, consultation, now=FIXED_NOW + timedelta(minutes=7))
    services.confirm(expert, consultation, now=FIXED_NOW)
    after = consultation.ends_at + timedelta(minutes=1)
    services.record_outcome(expert, consultation, outcome="Kurz", result="no_risk", now=after)
    erased_at = consultation.ends_at + timedelta(days=91)
    assert services.erase_expired_case_content(now=erased_at) == 1
    assert audit(cid) == [
        (cid, code, partner.id, "write", FIXED_NOW),
        (cid, code, expert.id, "read", FIXED_NOW + timedelta(minutes=5)),
        (cid, code, partner.id, "read", FIXED_NOW + timedelta(minutes=6)),
        (cid, code, expert.id, "read", FIXED_NOW + timedelta(minutes=7)),
        (cid, code, expert.id, "write", after),
        (cid, code, None, "erase", erased_at),
    ]


# --- cancelling, rescheduling, watching ---------------------------------------------------------

def test_cancelling_needs_a_reason(expert_profile, book, partner):
    consultation = book(expert_profile, at(day_ahead(1), "09:00"))
    before = footprint()
    for reason in ("", "   "):
        with pytest.raises(DomainError) as refused:
            services.cancel(partner, consultation, reason=reason, now=FIXED_NOW)
        assert message_of(refused) == "Bitte geben Sie einen Grund an."
    assert consultation.status == ConsultationStatus.REQUESTED and footprint() == before


@pytest.mark.parametrize("side", ["booker", "expert"])
def test_either_side_cancels_and_the_slot_is_free_at_once(expert_profile, expert, book, partner, create_user, side):
    nine = at(day_ahead(1), "09:00")
    consultation = book(expert_profile, nine)
    assert nine not in starts(services.next_free_slots(expert_profile, now=FIXED_NOW))
    actor, other = (partner, expert) if side == "booker" else (expert, partner)
    services.cancel(actor, consultation, reason="Krankheit", now=FIXED_NOW + HOUR)
    assert (consultation.status, consultation.cancelled_by_id, consultation.decision_reason) == (
        ConsultationStatus.CANCELLED, actor.id, "Krankheit")
    assert starts(services.next_free_slots(expert_profile, now=FIXED_NOW + HOUR))[0] == nine
    date_label = f"{nine.astimezone(BERLIN):%d.%m.%Y}"
    assert subjects(actor.email)[-1] == subjects(other.email)[-1] == f"Beratung abgesagt: {date_label}"
    assert "Der folgende Beratungstermin wurde abgesagt." in outbox(other.email)[-1].body
    assert "Krankheit" not in outbox(other.email)[-1].body  # free text stays out of mails
    assert "Sie haben den folgenden Beratungstermin abgesagt." in outbox(actor.email)[-1].body
    assert book(expert_profile, nine, booker=create_user("partner")).holds_slot  # someone else takes it
    with pytest.raises(Conflict, match="Diese Beratung kann nicht mehr abgesagt werden."):
        services.cancel(actor, consultation, reason="Nochmal", now=FIXED_NOW + HOUR)


def test_a_started_consultation_cannot_be_cancelled(expert_profile, book, partner):
    consultation = book(expert_profile, at(day_ahead(1), "09:00"))
    with pytest.raises(Conflict, match="Diese Beratung kann nicht mehr abgesagt werden."):
        services.cancel(partner, consultation, reason="Zu spät", now=consultation.starts_at)
    assert consultation.holds_slot


def test_the_booker_reschedules_keeping_uid_and_case_code(expert_profile, expert, book, partner):
    old, new = at(day_ahead(3), "09:00"), at(day_ahead(4), "10:15")
    consultation = book(expert_profile, old)
    services.confirm(expert, consultation, now=FIXED_NOW)
    cid, code = consultation.id, consultation.case_code
    _, booked_event = parse(outbox(partner.email)[0].calendar)
    services.reschedule(partner, consultation, new, now=FIXED_NOW + HOUR)
    db.session.commit()
    db.session.expire_all()
    moved = db.session.get(Consultation, cid)
    assert (moved.case_code, moved.starts_at, moved.ends_at, moved.sequence) == (code, new, new + HOUR, 2)
    assert moved.status == ConsultationStatus.REQUESTED  # waits for the expert again
    assert moved.scheduled_at == FIXED_NOW + HOUR
    free = starts(services.free_slots(expert_profile, first_day=day_ahead(3), last_day=day_ahead(4),
                                      now=FIXED_NOW + HOUR))
    assert old in free and new not in free
    for person in (partner, expert):
        mail = outbox(person.email)[-1]
        assert mail.subject == f"Beratung verschoben: {new.astimezone(BERLIN):%d.%m.%Y}"
        method, event = parse(mail.calendar)
        assert (method, str(event["UID"]), event.decoded("SEQUENCE")) == ("REQUEST", str(booked_event["UID"]), 2)
        assert event.decoded("DTSTART") == new


def test_rescheduling_is_possible_up_to_the_cutoff(expert_profile, book, partner):
    consultation = book(expert_profile, at(day_ahead(3), "09:00"))
    cutoff_passed = consultation.starts_at - timedelta(minutes=120)
    with pytest.raises(Conflict) as refused:
        services.reschedule(partner, consultation, at(day_ahead(3), "10:15"), now=cutoff_passed)
    assert message_of(refused) == "Die Beratung kann nur bis 2 Stunden vor Beginn verschoben werden."
    assert consultation.sequence == 0
    services.reschedule(partner, consultation, at(day_ahead(3), "10:15"), now=cutoff_passed - timedelta(minutes=1))
    assert consultation.starts_at == at(day_ahead(3), "10:15")


@pytest.mark.parametrize("app_config", [{"CONSULTATION_CHANGE_CUTOFF_MINUTES": 1440}])
def test_the_cutoff_is_configurable(expert_profile, book, partner):
    consultation = book(expert_profile, at(day_ahead(3), "09:00"))
    with pytest.raises(Conflict, match="bis 24 Stunden vor Beginn"):
        services.reschedule(partner, consultation, at(day_ahead(4), "09:00"),
                            now=consultation.starts_at - timedelta(hours=23))


def test_the_expert_does_not_reschedule(expert_profile, expert, book):
    consultation = book(expert_profile, at(day_ahead(3), "09:00"))
    with pytest.raises(PermissionDenied):
        services.reschedule(expert, consultation, at(day_ahead(4), "09:00"), now=FIXED_NOW)


def test_rescheduling_to_a_taken_slot_is_refused_with_alternatives(expert_profile, book, partner, create_user):
    consultation = book(expert_profile, at(day_ahead(3), "09:00"))
    book(expert_profile, at(day_ahead(3), "10:15"), booker=create_user("partner"))
    before = footprint()
    with pytest.raises(SlotUnavailable) as refused:
        services.reschedule(partner, consultation, at(day_ahead(3), "10:15"), now=FIXED_NOW)
    assert message_of(refused) == "Dieser Termin ist bereits vergeben."
    assert at(day_ahead(1), "09:00") in starts(refused.value.alternatives)
    assert (consultation.starts_at, consultation.sequence) == (at(day_ahead(3), "09:00"), 0)
    assert footprint() == before


def test_rescheduling_into_a_slot_taken_in_parallel_is_refused(monkeypatch, expert_profile, book, partner,
                                                               create_user):
    """The race lost after the check, simulated: the unique index refuses and the booking stays put."""
    consultation = book(expert_profile, at(day_ahead(3), "09:00"))
    book(expert_profile, at(day_ahead(3), "10:15"), booker=create_user("partner"))
    db.session.commit()
    cid = consultation.id
    monkeypatch.setattr("lms.beratung.services.booking.check_slot",  # where booking and moving look it up
                        lambda profile, starts_at, **_: Slot(starts_at, starts_at + HOUR))
    before = footprint()
    with pytest.raises(SlotUnavailable) as refused:
        services.reschedule(partner, consultation, at(day_ahead(3), "10:15"), now=FIXED_NOW)
    assert message_of(refused) == "Dieser Termin wurde soeben von jemand anderem gebucht."
    assert refused.value.alternatives
    db.session.expire_all()
    kept = db.session.get(Consultation, cid)
    assert (kept.starts_at, kept.sequence, kept.status) == (at(day_ahead(3), "09:00"), 0, "requested")
    assert footprint() == before


def test_watchers_hear_once_when_a_slot_frees(expert_profile, expert, book, partner, create_user):
    watcher, trainer = create_user("partner"), create_user("trainer")
    first = services.watch(watcher, expert_profile, now=FIXED_NOW)
    assert services.watch(watcher, expert_profile, now=FIXED_NOW).id == first.id
    with pytest.raises(PermissionDenied):
        services.watch(trainer, expert_profile, now=FIXED_NOW)
    one = book(expert_profile, at(day_ahead(1), "09:00"))
    two = book(expert_profile, at(day_ahead(2), "09:00"))
    assert subjects(watcher.email) == []
    services.cancel(partner, one, reason="Erledigt", now=FIXED_NOW)
    assert subjects(watcher.email) == ["Ein Beratungstermin ist frei geworden"]
    mail = outbox(watcher.email)[0]
    assert f"Bei {expert.name} ist ein Beratungstermin frei geworden." in mail.body
    assert external_url("beratung.expert", expert_id=expert.id) in mail.body
    assert external_url("beratung.expert", expert_id=expert.id).startswith("http://lms.test/")
    services.decline(expert, two, reason="Nicht zuständig", now=FIXED_NOW)
    assert len(subjects(watcher.email)) == 1  # answered once
    assert db.session.get(SlotWatch, first.id).notified_at == FIXED_NOW
    again = services.watch(watcher, expert_profile, now=FIXED_NOW + HOUR)
    assert again.id != first.id
    services.reschedule(partner, book(expert_profile, at(day_ahead(3), "09:00")), at(day_ahead(4), "09:00"),
                        now=FIXED_NOW + HOUR)
    assert len(subjects(watcher.email)) == 2


# --- mail content and calendar parts ------------------------------------------------------------

SECRET_CASE = services.CaseInput(age_band="14-17", concern="sexual", setting="school", urgency="urgent",
                                 vignette="Das Kind zittert beim Abholen und weint oft im Gruppenraum.")
KKG = CONSULTATION_TYPES["case_consult_kkg4"]
FORBIDDEN = (SECRET_CASE.vignette, "zittert beim Abholen", "14-17", AGE_BANDS["14-17"], "sexual",
             CONCERNS["sexual"], "school", SETTINGS["school"], "urgent", URGENCIES["urgent"], "dringend",
             "case_consult", KKG.label, "Berufsgeheimnisträger", "KKG")


def _assert_neutral(message, consultation):
    texts = [message.subject, message.body]
    if message.calendar:
        texts += [message.calendar, message.calendar.replace("\r\n ", "")]  # folded and unfolded
    for text in texts:
        for forbidden in FORBIDDEN:
            assert str(forbidden) not in text, (forbidden, message.subject)
    assert TITLE in message.body and consultation.case_code in message.body


def _assert_invitation(message, consultation, method, sequence, status, starts_at):
    assert message.calendar_method == method
    parsed_method, event = parse(message.calendar)
    assert parsed_method == method
    assert str(event["UID"]) == f"consultation-{consultation.id}@{uid_domain()}"
    assert event.decoded("SEQUENCE") == sequence
    assert (str(event["CLASS"]), str(event["SUMMARY"]), str(event["STATUS"])) == ("CONFIDENTIAL", TITLE, status)
    assert event.decoded("DTSTART") == starts_at
    assert consultation.case_code in str(event["DESCRIPTION"])
    return event


def test_mails_and_invitations_carry_only_neutral_facts(expert_profile, expert, book, partner, create_user):
    consultation = book(expert_profile, at(day_ahead(3), "09:00"), type_code="case_consult_kkg4", format="phone",
                        case=SECRET_CASE)
    first, moved = at(day_ahead(3), "09:00"), at(day_ahead(4), "10:15")
    steps = []  # (recipients, method, sequence, status, start, subject prefixes, the expert's PARTSTAT)
    steps.append(((partner, expert), "REQUEST", 0, "TENTATIVE", first, ("Beratung angefragt", "Neue Buchung"),
                  "NEEDS-ACTION"))
    services.confirm(expert, consultation, now=FIXED_NOW + timedelta(minutes=1))
    steps.append(((partner, expert), "REQUEST", 1, "CONFIRMED", first, ("Beratung bestätigt",) * 2, "ACCEPTED"))
    services.reschedule(partner, consultation, moved, now=FIXED_NOW + timedelta(minutes=2))
    steps.append(((partner, expert), "REQUEST", 2, "TENTATIVE", moved, ("Beratung verschoben",) * 2, "NEEDS-ACTION"))
    services.cancel(expert, consultation, reason="Terminkollision", now=FIXED_NOW + timedelta(minutes=3))
    steps.append(((partner, expert), "CANCEL", 3, "CANCELLED", moved, ("Beratung abgesagt",) * 2, "DECLINED"))

    messages = outbox()
    assert len(messages) == sum(len(recipients) for recipients, *_ in steps)
    position = 0
    for recipients, method, sequence, status, starts_at, prefixes, answer in steps:
        for person, prefix in zip(recipients, prefixes, strict=True):
            message = messages[position]
            position += 1
            assert message.recipient == person.email and message.subject.startswith(prefix + ": ")
            _assert_neutral(message, consultation)
            event = _assert_invitation(message, consultation, method, sequence, status, starts_at)
            # RFC 5546: the expert organizes (replies go to her), the app sends on her behalf.
            organizer = event["ORGANIZER"]
            assert str(organizer) == f"mailto:{expert.email}"
            assert (organizer.params["CN"], organizer.params["SENT-BY"]) == (expert.name, "mailto:lms@example.org")
            attendees = {str(value): dict(value.params) for value in event.get("ATTENDEE")}
            assert attendees == {
                f"mailto:{expert.email}": {"CN": expert.name, "ROLE": "CHAIR", "PARTSTAT": answer, "RSVP": "FALSE"},
                f"mailto:{partner.email}": {"CN": partner.name, "ROLE": "REQ-PARTICIPANT", "PARTSTAT": "ACCEPTED",
                                            "RSVP": "FALSE"},
            }
    assert "0351 1234567" in messages[0].body  # the number to call, chosen by format

    declined = book(expert_profile, at(day_ahead(5), "09:00"), booker=create_user("partner"), case=SECRET_CASE)
    services.decline(expert, declined, reason="Nicht zuständig", now=FIXED_NOW + timedelta(minutes=4))
    mail = outbox(declined.booker.email)[-1]
    assert mail.subject.startswith("Beratung abgelehnt: ") and "Nicht zuständig" not in mail.body
    assert outbox(expert.email)[-1].calendar_method == "CANCEL"  # the expert's calendar drops the request too
    _assert_neutral(mail, declined)
    _assert_invitation(mail, declined, "CANCEL", 1, "CANCELLED", declined.starts_at)


# --- reminders ----------------------------------------------------------------------------------

def _reminders() -> Counter:
    return Counter((message.recipient, message.subject.split(" ")[2]) for message in outbox()
                   if message.subject.startswith("Erinnerung:"))


@pytest.fixture
def confirmed(expert_profile, expert, book):
    consultation = book(expert_profile, at(day_ahead(5), "09:00"))
    services.confirm(expert, consultation, now=FIXED_NOW)
    db.session.commit()
    return consultation


def test_both_sides_get_each_reminder_once_even_after_a_restart(app, confirmed, partner, expert):
    begin = confirmed.starts_at
    send = services.send_consultation_reminders
    assert send(now=begin - timedelta(hours=25)) == 0
    assert send(now=begin - timedelta(hours=23)) == 2
    assert send(now=begin - timedelta(hours=22)) == 0
    assert send(now=begin - timedelta(minutes=61)) == 0
    assert send(now=begin - timedelta(minutes=50)) == 2
    assert send(now=begin - timedelta(minutes=40)) == 0
    db.session.commit()
    with app.app_context():  # a restarted scheduler: a fresh context and session
        assert services.send_consultation_reminders(now=begin - timedelta(minutes=30)) == 0
        db.session.commit()
    assert _reminders() == Counter({(partner.email, "am"): 1, (partner.email, "um"): 1,
                                    (expert.email, "am"): 1, (expert.email, "um"): 1})
    for message in outbox():
        if message.subject.startswith("Erinnerung:"):
            assert message.calendar is None
            _assert_neutral(message, confirmed)
    hour = next(m for m in outbox(partner.email) if m.subject.startswith("Erinnerung: Fachberatung um"))
    assert hour.subject == f"Erinnerung: Fachberatung um {wall_clock(begin)} Uhr"


def _parallel_schedulers(app, now, runners=2) -> list[int]:
    barrier, sent = threading.Barrier(runners, timeout=60), []

    def run():
        with app.app_context():
            barrier.wait()
            sent.append(services.send_consultation_reminders(now=now))
            db.session.commit()

    threads = [threading.Thread(target=run) for _ in range(runners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sent


def test_two_schedulers_in_parallel_send_each_reminder_once(app, confirmed, partner, expert):
    begin = confirmed.starts_at
    day_run = _parallel_schedulers(app, begin - timedelta(hours=23))
    assert len(day_run) == 2 and sum(day_run) == 2
    hour_run = _parallel_schedulers(app, begin - timedelta(minutes=50))
    assert len(hour_run) == 2 and sum(hour_run) == 2
    db.session.expire_all()
    assert _reminders() == Counter({(partner.email, "am"): 1, (partner.email, "um"): 1,
                                    (expert.email, "am"): 1, (expert.email, "um"): 1})


def test_requested_and_cancelled_bookings_get_no_reminder(expert_profile, expert, book, partner, create_user):
    book(expert_profile, at(day_ahead(5), "09:00"))  # requested, never confirmed
    cancelled = book(expert_profile, at(day_ahead(5), "10:15"), booker=create_user("partner"))
    services.confirm(expert, cancelled, now=FIXED_NOW)
    services.cancel(cancelled.booker, cancelled, reason="Erledigt", now=FIXED_NOW)
    begin = at(day_ahead(5), "09:00")
    for before in (timedelta(hours=23), timedelta(minutes=50), timedelta(minutes=-40)):
        assert services.send_consultation_reminders(now=begin - before) == 0
    assert _reminders() == Counter()


def test_a_booking_made_less_than_a_day_ahead_gets_the_hour_reminder_only(expert_profile, expert, book, partner):
    begin = at(day_ahead(3), "09:00")
    consultation = book(expert_profile, begin, now=begin - timedelta(hours=20))
    services.confirm(expert, consultation, now=begin - timedelta(hours=20))
    assert services.send_consultation_reminders(now=begin - timedelta(hours=19)) == 0
    assert services.send_consultation_reminders(now=begin - timedelta(hours=2)) == 0
    assert services.send_consultation_reminders(now=begin - timedelta(minutes=50)) == 2
    assert _reminders() == Counter({(partner.email, "um"): 1, (expert.email, "um"): 1})


def test_a_moved_booking_is_reminded_again_for_its_new_time(expert_profile, expert, book, partner):
    consultation = book(expert_profile, at(day_ahead(5), "09:00"))
    services.confirm(expert, consultation, now=FIXED_NOW)
    assert services.send_consultation_reminders(now=consultation.starts_at - timedelta(hours=23)) == 2
    db.session.commit()  # the scheduler's work is done; the move comes in a later request
    assert consultation.reminded_day_at is not None
    moved_to, now = at(day_ahead(8), "09:00"), consultation.starts_at - timedelta(hours=22)
    services.reschedule(partner, consultation, moved_to, now=now)
    assert (consultation.reminded_day_at, consultation.reminded_hour_at) == (None, None)
    services.confirm(expert, consultation, now=now)
    assert services.send_consultation_reminders(now=moved_to - timedelta(hours=23)) == 2
    assert _reminders() == Counter({(partner.email, "am"): 2, (expert.email, "am"): 2})


# --- retention ----------------------------------------------------------------------------------

def test_case_content_is_erased_after_the_retention_period(expert_profile, expert, book, create_user):
    old = book(expert_profile, at(day_ahead(3), "09:00"))
    young = book(expert_profile, at(day_ahead(10), "09:00"), booker=create_user("partner"))
    for consultation in (old, young):
        services.confirm(expert, consultation, now=FIXED_NOW)
    assert services.erase_expired_case_content(now=old.ends_at + timedelta(days=90)) == 0  # not yet older
    now = old.ends_at + timedelta(days=90, minutes=1)  # young ended 83 days ago
    assert services.erase_expired_case_content(now=now) == 1
    db.session.expire_all()
    assert db.session.get(CaseContent, old.id) is None
    assert db.session.get(CaseContent, young.id).vignette == VIGNETTE
    kept = db.session.get(Consultation, old.id)
    assert (kept.case_erased_at, kept.status, kept.case_code) == (now, ConsultationStatus.CONFIRMED, old.case_code)
    assert db.session.get(Consultation, young.id).case_erased_at is None
    # The metadata the statistics count stays (tests/beratung/test_statistics.py).
    assert [(row.status, row.type_code) for row in db.session.scalars(select(Consultation))] == [
        (ConsultationStatus.CONFIRMED, "case_consult_8b")] * 2
    assert services.erase_expired_case_content(now=now + HOUR) == 0  # once
    assert services.read_case(expert, kept, now=now).content is None
    with pytest.raises(Conflict, match="Die Falldaten dieser Beratung sind bereits gelöscht."):
        services.record_outcome(expert, kept, outcome="Spät", result=None, now=now)


@pytest.mark.parametrize("app_config", [{"CONSULTATION_RETENTION_DAYS": 30}])
def test_the_retention_period_is_configurable(expert_profile, book):
    consultation = book(expert_profile, at(day_ahead(3), "09:00"))
    assert services.erase_expired_case_content(now=consultation.ends_at + timedelta(days=29)) == 0
    assert services.erase_expired_case_content(now=consultation.ends_at + timedelta(days=31)) == 1
    assert count(CaseContent) == 0 and count(Consultation) == 1
