"""Rules found in review: former experts take no bookings, changes on stale data are refused, limits
hold under parallel bookings, free-text reasons stay with booker and expert, bad dates are no 500."""
import threading

import pytest
from sqlalchemy import select

from lms.auth.models import User, UserRole
from lms.beratung import services
from lms.beratung.models import Consultation, ConsultationStatus, ExpertProfile, SlotWatch
from lms.errors import Conflict, NotFound
from lms.extensions import db
from tests.beratung.conftest import CASE, at, day_ahead, outbox
from tests.conftest import FIXED_NOW, login_as


def _take_role(user: User, role: str) -> None:
    db.session.execute(UserRole.__table__.delete().where(UserRole.user_id == user.id, UserRole.role == role))
    db.session.commit()
    db.session.expire_all()


def test_an_expert_whose_role_was_taken_is_neither_found_nor_booked(expert_profile, expert, book):
    _take_role(expert, "expert")
    assert services.find_experts(services.ExpertFilter(), now=FIXED_NOW) == []
    assert services.bookable_profile(expert.id) is None
    with pytest.raises(NotFound):
        book(db.session.get(ExpertProfile, expert_profile.id), at(day_ahead(3), "09:00"))


def test_a_change_on_stale_data_is_refused(app, expert_profile, expert, partner, book):
    consultation = book(expert_profile, at(day_ahead(3), "09:00"))
    db.session.commit()
    stale = consultation.id

    def cancel_elsewhere():
        with app.app_context():
            services.cancel(db.session.get(User, partner.id), db.session.get(Consultation, stale),
                            reason="Termin entfällt", now=FIXED_NOW)
            db.session.commit()

    thread = threading.Thread(target=cancel_elsewhere)
    thread.start()
    thread.join()
    # This session still holds the booking as "requested": confirming it must not revive it.
    assert consultation.__dict__["status"] == ConsultationStatus.REQUESTED
    with pytest.raises(Conflict, match="inzwischen geändert"):
        services.confirm(expert, consultation, now=FIXED_NOW)
    db.session.rollback()
    assert db.session.get(Consultation, stale).status == ConsultationStatus.CANCELLED


@pytest.mark.parametrize("limit", ["max_per_day", "per_booker"])
def test_limits_hold_under_parallel_bookings(app, make_expert, create_user, limit):
    """Eight parallel bookings of different slots on one day: a cap of one per day, or two open
    bookings per booker, lets exactly that many through."""
    profile = make_expert(max_per_day=1 if limit == "max_per_day" else None, buffer_minutes=0, slot_minutes=30)
    day = day_ahead(4)
    starts = [at(day, clock) for clock in ("09:00", "09:30", "10:00", "10:30", "11:00", "11:30")]
    one_booker = create_user("partner")
    bookers = [one_booker.id] * len(starts) if limit == "per_booker" else \
        [create_user("partner").id for _ in starts]
    barrier, won, refused = threading.Barrier(len(starts), timeout=60), [], []

    def attempt(booker_id, starts_at):
        with app.app_context():
            barrier.wait()
            try:
                services.book(db.session.get(User, booker_id), db.session.get(ExpertProfile, profile.id),
                              services.BookingInput(starts_at=starts_at, type_code="case_consult_8b", format="video",
                                                    case=CASE), now=FIXED_NOW)
                db.session.commit()
                won.append(starts_at)
            except services.DomainError as error:
                db.session.rollback()
                refused.append(str(error.message))

    threads = [threading.Thread(target=attempt, args=pair) for pair in zip(bookers, starts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = 1 if limit == "max_per_day" else 2
    assert len(won) == expected and len(refused) == len(starts) - expected
    held = db.session.scalars(select(Consultation).where(Consultation.expert_id == profile.user_id)).all()
    assert len(held) == expected
    message = "ausgebucht" if limit == "max_per_day" else "offene Buchungen"
    assert all(message in text for text in refused)


def test_reasons_stay_with_booker_and_expert_and_are_erased_with_the_case(
        client, app, expert_profile, expert, partner, book, create_user):
    consultation = book(expert_profile, at(day_ahead(3), "09:00"))
    services.cancel(partner, consultation, reason="Die Familie zieht um", now=FIXED_NOW)
    db.session.commit()
    assert all("zieht um" not in message.body for message in outbox())
    path = f"/beratung/buchungen/{consultation.id}"
    for person, visible in ((partner, True), (expert, True), (create_user("coordinator"), False),
                            (create_user("admin"), False)):
        login_as(client, person)
        assert ("Die Familie zieht um" in client.get(path).get_data(as_text=True)) is visible
    consultation.ends_at = FIXED_NOW.replace(year=FIXED_NOW.year - 1)
    consultation.starts_at = consultation.ends_at.replace(hour=consultation.ends_at.hour - 1)
    db.session.commit()
    services.erase_expired_case_content(now=FIXED_NOW)
    assert db.session.get(Consultation, consultation.id).decision_reason == ""


def test_watching_twice_keeps_one_request_and_a_past_slot_frees_nothing(expert_profile, expert, book,
                                                                          create_user):
    watcher = create_user("partner")
    first = services.watch(watcher, expert_profile, now=FIXED_NOW)
    assert services.watch(watcher, expert_profile, now=FIXED_NOW).id == first.id
    assert len(db.session.scalars(select(SlotWatch)).all()) == 1
    consultation = book(expert_profile, at(day_ahead(3), "09:00"))
    services.decline(expert, consultation, reason="Nicht zuständig", now=consultation.starts_at.replace(
        year=consultation.starts_at.year + 1))  # long after its time: no slot is freed
    assert list(outbox(watcher.email)) == []
    assert db.session.get(SlotWatch, first.id).notified_at is None


@pytest.mark.parametrize("query", [
    "beginn=0001-01-01T00:00:00%2B01:00", "beginn=9999-12-31T23:30:00%2B00:00", "beginn=2026-12-01T09:00:00",
    "beginn=kaputt",
])
def test_malformed_slot_starts_are_not_found_not_errors(client, expert_profile, partner, query):
    login_as(client, partner)
    assert client.get(f"/beratung/fachkraefte/{expert_profile.user_id}/buchen?{query}").status_code == 404


@pytest.mark.parametrize("week", ["0001-01-01", "9999-12-31", "kaputt"])
def test_any_week_argument_shows_a_week(client, expert_profile, partner, week):
    login_as(client, partner)
    assert client.get(f"/beratung/fachkraefte/{expert_profile.user_id}?woche={week}").status_code == 200


def test_a_malformed_move_target_is_a_bad_request(client, expert_profile, partner, book):
    consultation = book(expert_profile, at(day_ahead(3), "09:00"))
    db.session.commit()
    login_as(client, partner)
    for value in ("9999-12-31T23:30:00+00:00", "2026-12-01T09:00:00", ""):
        response = client.post(f"/beratung/buchungen/{consultation.id}/verschieben", data={"starts_at": value})
        assert response.status_code == 400, value
