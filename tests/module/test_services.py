"""The enrolment, waitlist, attendance and certificate rules, below HTTP."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.errors import Conflict, PermissionDenied
from lms.extensions import db
from lms.ical import BERLIN
from lms.module import services, tasks
from lms.module.models import (
    Completion,
    Enrolment,
    EnrolmentEvent,
    EnrolmentStatus,
    ModuleState,
    Offering,
    OfferingState,
)
from lms.module.services import (
    AlreadyEnrolled,
    InvalidDates,
    NotInTargetGroup,
    OfferingInput,
    PrerequisitesMissing,
    RegistrationClosed,
)
from lms.notifications.models import OutboxMessage
from lms.signals import completion_recorded, completion_revoked
from tests.module.conftest import day_dates


def _mails_to(user) -> list[str]:
    return list(db.session.scalars(
        select(OutboxMessage.subject).where(OutboxMessage.recipient == user.email).order_by(OutboxMessage.id)
    ))


def _history(enrolment) -> list[tuple]:
    return [(e.from_status, e.to_status) for e in db.session.scalars(
        select(EnrolmentEvent).where(EnrolmentEvent.enrolment_id == enrolment.id).order_by(EnrolmentEvent.id))]


def test_enrol_takes_a_free_seat_confirms_by_mail_and_keeps_history(create_user, create_offering, now):
    offering = create_offering(capacity=2)
    user = create_user("coordinator")
    enrolment = services.enrol(user, offering, now=now)
    assert enrolment.status == EnrolmentStatus.ENROLLED
    db.session.refresh(offering)
    assert offering.seats_taken == 1
    assert _history(enrolment) == [(None, "enrolled")]
    assert _mails_to(user) == [f"Platz gebucht: {offering.module.title}"]


def test_enrol_full_offering_joins_waitlist_first_come_first_served(create_user, create_offering, now):
    offering = create_offering(capacity=1)
    first, second, third = (create_user("coordinator") for _ in range(3))
    services.enrol(first, offering, now=now)
    earlier = services.enrol(second, offering, now=now + timedelta(minutes=1))
    later = services.enrol(third, offering, now=now + timedelta(minutes=2))
    assert (earlier.status, later.status) == (EnrolmentStatus.WAITLISTED, EnrolmentStatus.WAITLISTED)
    assert services.waitlist_position(earlier) == 1 and services.waitlist_position(later) == 2
    assert "Warteliste" in _mails_to(second)[0]


def test_cancelling_before_deadline_promotes_the_first_waiting_at_once(create_user, create_offering, now):
    offering = create_offering(capacity=1)
    holder, waiting, behind = (create_user("coordinator") for _ in range(3))
    seat = services.enrol(holder, offering, now=now)
    first = services.enrol(waiting, offering, now=now + timedelta(minutes=1))
    second = services.enrol(behind, offering, now=now + timedelta(minutes=2))
    services.cancel_enrolment(holder, seat, now=now + timedelta(hours=1))
    db.session.refresh(first)
    db.session.refresh(second)
    db.session.refresh(offering)
    assert (first.status, second.status, offering.seats_taken) == ("enrolled", "waitlisted", 1)
    assert services.waitlist_position(second) == 1
    assert _history(first)[-1] == ("waitlisted", "enrolled")
    assert _mails_to(waiting)[-1] == f"Sie sind nachgerückt: {offering.module.title}"


def test_participant_cannot_give_back_a_seat_after_the_deadline(create_user, create_offering, now):
    offering = create_offering(capacity=1, starts_in=timedelta(days=2), deadline_before=timedelta(days=1))
    user = create_user("coordinator")
    enrolment = services.enrol(user, offering, now=now)
    with pytest.raises(Conflict, match="Anmeldeschluss"):
        services.cancel_enrolment(user, enrolment, now=now + timedelta(days=1, hours=1))


def test_nobody_is_promoted_after_the_offering_has_started(create_user, create_offering, trainer, now):
    offering = create_offering(capacity=1, starts_in=timedelta(days=1), deadline_before=timedelta(hours=1))
    holder, waiting = create_user("coordinator"), create_user("coordinator")
    seat = services.enrol(holder, offering, now=now)
    services.enrol(waiting, offering, now=now)
    services.remove_participant(trainer, seat, reason="Krank gemeldet", now=now + timedelta(days=1, hours=1))
    db.session.refresh(offering)
    assert offering.seats_taken == 0
    assert services.enrolment_for(waiting, offering).status == EnrolmentStatus.WAITLISTED


def test_nobody_enrols_twice(create_user, create_offering, now):
    offering = create_offering()
    user = create_user("coordinator")
    services.enrol(user, offering, now=now)
    with pytest.raises(AlreadyEnrolled):
        services.enrol(user, offering, now=now)


def test_cancelled_enrolment_can_sign_up_again_at_the_end_of_the_line(create_user, create_offering, now):
    offering = create_offering(capacity=1)
    holder, user = create_user("coordinator"), create_user("coordinator")
    services.enrol(holder, offering, now=now)
    enrolment = services.enrol(user, offering, now=now)
    services.cancel_enrolment(user, enrolment, now=now)
    again = services.enrol(user, offering, now=now + timedelta(hours=1))
    assert again.id == enrolment.id and again.status == EnrolmentStatus.WAITLISTED
    assert _history(again) == [(None, "waitlisted"), ("waitlisted", "cancelled"), ("cancelled", "waitlisted")]


def test_registration_closes_at_the_deadline(create_user, create_offering, now):
    offering = create_offering(starts_in=timedelta(days=5), deadline_before=timedelta(days=3))
    late = now + timedelta(days=2, minutes=1)
    with pytest.raises(RegistrationClosed):
        services.enrol(create_user("coordinator"), offering, now=late)
    assert tasks.close_due_registrations(now=late) == 1
    db.session.refresh(offering)
    assert offering.registration_closed


@pytest.mark.parametrize("case", ["draft", "planned", "cancelled", "finished"])
def test_enrolling_needs_a_published_open_upcoming_offering(create_user, create_module, create_offering, trainer,
                                                            now, case):
    if case == "draft":
        offering = create_offering(create_module(state=ModuleState.DRAFT))
    elif case == "planned":
        offering = create_offering(open_registration=False)
    elif case == "cancelled":
        offering = create_offering()
        services.cancel_offering(trainer, offering, reason="Referentin erkrankt", now=now)
    else:
        offering = create_offering(starts_in=timedelta(days=-10))
    with pytest.raises(RegistrationClosed):
        services.enrol(create_user("coordinator"), offering, now=now)
    assert db.session.scalar(select(func.count(Enrolment.id))) == 0


def test_partners_enrol_only_in_modules_for_their_sector(create_user, create_module, create_offering, now):
    offering = create_offering(create_module(audiences=["coordinator", "health"]))
    with pytest.raises(NotInTargetGroup):
        services.enrol(create_user("partner", sector="police"), offering, now=now)
    assert services.enrol(create_user("partner", sector="health"), offering, now=now).status == "enrolled"
    assert services.enrol(create_user("coordinator"), offering, now=now).status == "enrolled"


def test_trainers_and_admins_do_not_enrol_themselves(create_user, create_offering, trainer, now):
    offering = create_offering()
    for person in (trainer, create_user("admin")):
        with pytest.raises(PermissionDenied):
            services.enrol(person, offering, now=now)


def test_missing_prerequisites_block_unless_a_trainer_admits(create_user, create_module, create_offering, trainer,
                                                              now):
    basics = create_module(title="Grundlagen")
    offering = create_offering(create_module(title="Vertiefung", prerequisites=[basics]))
    user = create_user("coordinator")
    with pytest.raises(PrerequisitesMissing, match="Grundlagen"):
        services.enrol(user, offering, now=now)
    services.admit(trainer, offering, user, reason="Gleichwertige Fortbildung", now=now)
    assert services.enrol(user, offering, now=now).status == "enrolled"


def test_a_completed_prerequisite_opens_the_module(create_user, create_module, create_offering, trainer, now):
    basics = create_module(title="Grundlagen")
    past = create_offering(basics, starts_in=timedelta(days=-3))
    user = create_user("coordinator")
    enrolment = services.enrol(user, past, actor=trainer, now=now - timedelta(days=5))
    services.record_attendance(trainer, past, {(enrolment.id, past.dates[0].id): True}, now=now)
    follow_up = create_offering(create_module(title="Vertiefung", prerequisites=[basics]))
    assert services.enrol(user, follow_up, now=now).status == "enrolled"


def test_moderated_requests_wait_and_are_approved_in_order(create_user, create_offering, trainer, now):
    offering = create_offering(capacity=1, moderated=True)
    first, second, third = (create_user("coordinator") for _ in range(3))
    requests = [services.enrol(user, offering, now=now + timedelta(minutes=i))
                for i, user in enumerate((first, second, third))]
    assert {r.status for r in requests} == {"requested"}
    db.session.refresh(offering)
    assert offering.seats_taken == 0
    with pytest.raises(Conflict, match="früheren Anfragen"):
        services.approve_request(trainer, requests[1], now=now)
    services.approve_request(trainer, requests[0], now=now)
    services.approve_request(trainer, requests[1], now=now)
    services.decline_request(trainer, requests[2], reason="Zielgruppe passt nicht", now=now)
    assert [r.status for r in requests] == ["enrolled", "waitlisted", "declined"]
    assert _mails_to(third)[-1].startswith("Anfrage nicht angenommen")


def test_trainer_adds_a_person_but_never_beyond_capacity(create_user, create_offering, trainer, now):
    offering = create_offering(capacity=1)
    services.enrol(create_user("coordinator"), offering, now=now)
    guest = create_user("partner", sector="police")  # not in the target group: trainers may still add
    assert services.enrol(guest, offering, actor=trainer, now=now).status == "waitlisted"
    db.session.refresh(offering)
    assert offering.seats_taken == 1


def test_other_trainers_manage_nothing(create_user, create_module, create_offering, now):
    stranger = create_user("trainer")
    offering = create_offering()
    with pytest.raises(PermissionDenied):
        services.cancel_offering(stranger, offering, reason="x", now=now)
    with pytest.raises(PermissionDenied):
        services.update_module(stranger, offering.module, services.ModuleInput(
            title="Übernommen", summary="s", description="", learning_goals="", dimension="internal",
            teaching_units=8, required_attendance=100, audiences=["coordinator"], prerequisite_ids=[], trainer_ids=[],
        ), now=now)
    with pytest.raises(PermissionDenied):
        services.enrol(create_user("coordinator"), offering, actor=stranger, now=now)


def test_module_cannot_require_itself_through_others(create_module, trainer, now):
    first = create_module(title="A")
    second = create_module(title="B", prerequisites=[first])
    data = services.ModuleInput(title="A", summary="s", description="", learning_goals="", dimension="internal",
                                teaching_units=8, required_attendance=100, audiences=["coordinator"],
                                prerequisite_ids=[second.id], trainer_ids=[trainer.id])
    with pytest.raises(services.DomainError, match="eigene Voraussetzung"):
        services.update_module(trainer, first, data, now=now)


def _input(offering, **changes):
    data = OfferingInput(
        capacity=offering.capacity, registration_deadline=offering.registration_deadline,
        region_id=offering.region_id, moderated=offering.moderated, trainer_ids=[],
        dates=[services.DateInput(starts_at=d.starts_at, ends_at=d.ends_at, location=d.location, id=d.id)
               for d in offering.dates],
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def test_capacity_cannot_drop_below_the_participants(create_user, create_offering, trainer, now):
    offering = create_offering(capacity=3)
    for _ in range(2):
        services.enrol(create_user("coordinator"), offering, now=now)
    with pytest.raises(Conflict, match=r"Teilnehmenden \(2\)"):
        services.update_offering(trainer, offering, _input(offering, capacity=1), now=now)
    db.session.rollback()
    assert db.session.get(Offering, offering.id).capacity == 3


def test_more_capacity_lets_the_waitlist_move_up(create_user, create_offering, trainer, now):
    offering = create_offering(capacity=1)
    people = [create_user("coordinator") for _ in range(3)]
    enrolments = [services.enrol(person, offering, now=now + timedelta(minutes=i)) for i, person in enumerate(people)]
    services.update_offering(trainer, offering, _input(offering, capacity=2), now=now)
    for enrolment in enrolments:
        db.session.refresh(enrolment)
    assert [e.status for e in enrolments] == ["enrolled", "enrolled", "waitlisted"]


@pytest.mark.parametrize("dates,deadline_offset,message", [
    ("end_before_start", 1, "endet vor"),
    ("overlap", 1, "überschneiden"),
    ("ok", -1, "Anmeldeschluss muss vor dem ersten Termin"),
    ("none", 1, "mindestens einen Termin"),
    ("no_place", 1, "Ort oder einen Online-Link"),
])
def test_bad_dates_are_refused_and_nothing_is_saved(create_module, trainer, now, dates, deadline_offset, message):
    module = create_module()
    start = now + timedelta(days=10)
    rows = {
        "end_before_start": [services.DateInput(starts_at=start, ends_at=start - timedelta(hours=1), location="X")],
        "overlap": day_dates(start, 1, hours=5) + [services.DateInput(starts_at=start + timedelta(hours=2),
                                                                       ends_at=start + timedelta(hours=6), location="X")],
        "ok": day_dates(start),
        "none": [],
        "no_place": [services.DateInput(starts_at=start, ends_at=start + timedelta(hours=2))],
    }[dates]
    with pytest.raises(InvalidDates, match=message):
        services.create_offering(trainer, module, OfferingInput(
            capacity=5, registration_deadline=start - timedelta(days=deadline_offset), region_id=None,
            moderated=False, trainer_ids=[], dates=rows), open_registration=True, now=now)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Offering.id))) == 0


def test_moving_a_date_raises_its_sequence_and_rearms_the_reminder(create_offering, trainer, now):
    offering = create_offering()
    date = offering.dates[0]
    date.reminder_sent_at = now
    moved = [services.DateInput(starts_at=date.starts_at + timedelta(hours=1), ends_at=date.ends_at + timedelta(hours=1),
                                location=date.location, id=date.id)]
    services.update_offering(trainer, offering, _input(offering, dates=moved), now=now)
    assert (date.sequence, date.reminder_sent_at) == (1, None)


def test_cancelling_an_offering_tells_everyone_on_its_lists(create_user, create_offering, trainer, now):
    offering = create_offering(capacity=1)
    people = [create_user("coordinator") for _ in range(2)]
    for person in people:
        services.enrol(person, offering, now=now)
    services.cancel_offering(trainer, offering, reason="Referentin erkrankt", now=now)
    assert offering.state == OfferingState.CANCELLED and offering.seats_taken == 0
    for person in people:
        assert _mails_to(person)[-1] == f"Abgesagt: {offering.module.title}"
        assert services.enrolment_for(person, offering).status == "cancelled"


# --- attendance, completion, certificates ---------------------------------------------------

@pytest.fixture
def finished(create_user, create_module, create_offering, trainer, now):
    """A two-date offering that took place last week, with one enrolled coordinator."""
    module = create_module(title="Rechtliche Grundlagen", code="M07", dimension="performance", teaching_units=8)
    offering = create_offering(module, starts_in=timedelta(days=-7), dates=2)
    person = create_user("coordinator", name="Jürgen Müßig-Öztürk")
    enrolment = services.enrol(person, offering, actor=trainer, now=now - timedelta(days=10))
    return offering, enrolment, person


def _mark(offering, enrolment, *present):
    return {(enrolment.id, date.id): flag for date, flag in zip(offering.dates, present)}


def test_completion_needs_all_dates_by_default(finished, trainer, now):
    offering, enrolment, person = finished
    services.record_attendance(trainer, offering, _mark(offering, enrolment, True, False), now=now)
    assert services.completions_for(person) == []
    services.record_attendance(trainer, offering, _mark(offering, enrolment, True, True), now=now)
    (completion,) = services.completions_for(person)
    assert (completion.teaching_units, completion.dimension) == (8, "performance")
    assert completion.completed_on == offering.dates[1].ends_at
    assert services.units_by_dimension(person) == {"internal": 0, "performance": 8}


def test_a_lower_threshold_completes_with_fewer_dates(create_user, create_module, create_offering, trainer, now):
    offering = create_offering(create_module(required_attendance=50), starts_in=timedelta(days=-7), dates=2)
    enrolment = services.enrol(create_user("coordinator"), offering, actor=trainer, now=now - timedelta(days=10))
    services.record_attendance(trainer, offering, _mark(offering, enrolment, True, False), now=now)
    assert len(services.completions_of(offering)) == 1


def test_completion_signals_the_competence_profiles(finished, trainer, now):
    offering, enrolment, person = finished
    received = []

    def receiver(sender, **kwargs):
        received.append((sender, kwargs))

    with completion_recorded.connected_to(receiver), completion_revoked.connected_to(receiver):
        services.record_attendance(trainer, offering, _mark(offering, enrolment, True, True), now=now)
        services.record_attendance(trainer, offering, _mark(offering, enrolment, True, False), now=now)
    assert [type(sender) for sender, _ in received] == [Completion, Completion]
    assert received[0][1]["user"] == person and received[0][1]["module"] == offering.module


def test_correcting_attendance_revokes_completion_and_certificate(finished, trainer, now):
    offering, enrolment, person = finished
    services.record_attendance(trainer, offering, _mark(offering, enrolment, True, True), now=now)
    certificate = services.completions_for(person)[0].certificate
    services.record_attendance(trainer, offering, _mark(offering, enrolment, False, True), now=now)
    assert services.completions_for(person) == [] and not certificate.is_valid


def test_attendance_for_future_dates_or_strangers_is_refused(create_user, create_offering, trainer, now):
    offering = create_offering()
    enrolment = services.enrol(create_user("coordinator"), offering, now=now)
    with pytest.raises(services.DomainError, match="ab Beginn"):
        services.record_attendance(trainer, offering, _mark(offering, enrolment, True), now=now)
    other = create_offering()
    with pytest.raises(services.DomainError, match="dieser Durchführung"):
        services.record_attendance(trainer, other, _mark(offering, enrolment, True), now=now)


def test_certificate_is_a_frozen_record(finished, trainer, now):
    offering, enrolment, person = finished
    services.record_attendance(trainer, offering, _mark(offering, enrolment, True, True), now=now)
    certificate = services.completions_for(person)[0].certificate
    module = offering.module
    module.title = "Ganz neuer Titel"
    person.name = "Anderer Name"
    services.set_module_state(trainer, module, ModuleState.ARCHIVED, now=now)
    db.session.commit()
    db.session.expire_all()
    found = services.certificate_by_token(certificate.verification_token)
    assert (found.holder_name, found.module_title, found.teaching_units) == (
        "Jürgen Müßig-Öztürk", "Rechtliche Grundlagen", 8)
    assert found.number.startswith(f"TB-{now.astimezone(BERLIN):%Y}-") and found.is_valid
    assert found.dates_text.count("\n") == 1 and "Uhr" in found.dates_text


def test_certificate_pdf_carries_name_module_units_number_and_verification_link(finished, trainer, now):
    import io

    from pypdf import PdfReader

    from lms.module.certificates import certificate_pdf

    offering, enrolment, person = finished
    services.record_attendance(trainer, offering, _mark(offering, enrolment, True, True), now=now)
    certificate = services.completions_for(person)[0].certificate
    text = PdfReader(io.BytesIO(certificate_pdf(certificate))).pages[0].extract_text()
    for expected in ("Teilnahmebescheinigung", "Jürgen Müßig-Öztürk", "M07 Rechtliche Grundlagen",
                     "Leistungsdimension", "8 Unterrichtseinheiten", certificate.number,
                     f"/nachweis/{certificate.verification_token}"):
        assert expected in text.replace("\n", " "), expected


def test_reminders_go_out_once_per_date(create_user, create_offering, app, now):
    offering = create_offering(starts_in=timedelta(hours=20), deadline_before=timedelta(hours=1))
    person = create_user("coordinator")
    services.enrol(person, offering, now=now - timedelta(days=1))
    assert tasks.send_date_reminders(now=now) == 1
    db.session.commit()
    email = person.email
    db.session.remove()  # a scheduler restart: a fresh session reads the claim from the database
    assert tasks.send_date_reminders(now=now + timedelta(minutes=5)) == 0
    subjects = db.session.scalars(select(OutboxMessage.subject).where(OutboxMessage.recipient == email))
    assert sum(subject.startswith("Erinnerung") for subject in subjects) == 1


def test_reminders_wait_until_a_day_before(create_user, create_offering, now):
    offering = create_offering(starts_in=timedelta(days=3), deadline_before=timedelta(days=1))
    services.enrol(create_user("coordinator"), offering, now=now)
    assert tasks.send_date_reminders(now=now) == 0


# --- races ----------------------------------------------------------------------------------

def test_parallel_enrolments_never_exceed_the_capacity(app, create_user, create_offering, now):
    offering = create_offering(capacity=1)
    people = [create_user("coordinator") for _ in range(20)]
    barrier, errors = threading.Barrier(len(people), timeout=60), []

    def sign_up(user_id):
        with app.app_context():
            from lms.auth.models import User

            barrier.wait()  # all start together; each then loads its objects on its own connection
            user, target = db.session.get(User, user_id), db.session.get(Offering, offering.id)
            try:
                services.enrol(user, target, now=services_now())
                db.session.commit()
            except Exception as error:  # pragma: no cover - reported below
                db.session.rollback()
                errors.append(repr(error))

    threads = [threading.Thread(target=sign_up, args=(person.id,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.expire_all()
    rows = db.session.scalars(select(Enrolment).where(Enrolment.offering_id == offering.id)).all()
    assert sum(row.status == "enrolled" for row in rows) == 1
    assert db.session.get(Offering, offering.id).seats_taken == 1
    waiting = sorted((row for row in rows if row.status == "waitlisted"), key=lambda r: (r.queued_at, r.id))
    assert len(waiting) == 19
    assert [services.waitlist_position(row) for row in waiting] == list(range(1, 20))


def services_now():
    from lms.db import utcnow

    return utcnow()


def test_parallel_cancellations_promote_different_people(app, create_user, create_offering, now):
    offering = create_offering(capacity=2, starts_in=timedelta(days=30))
    holders = [create_user("coordinator") for _ in range(2)]
    waiting = [create_user("coordinator") for _ in range(3)]
    seats = [services.enrol(person, offering, now=now) for person in holders]
    for index, person in enumerate(waiting):
        services.enrol(person, offering, now=now + timedelta(minutes=index + 1))
    db.session.commit()
    barrier = threading.Barrier(2, timeout=60)

    def withdraw(user_id, enrolment_id):
        with app.app_context():
            from lms.auth.models import User

            barrier.wait()
            user, enrolment = db.session.get(User, user_id), db.session.get(Enrolment, enrolment_id)
            services.cancel_enrolment(user, enrolment, now=now + timedelta(hours=1))
            db.session.commit()

    threads = [threading.Thread(target=withdraw, args=(h.id, s.id)) for h, s in zip(holders, seats)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()
    statuses = [services.enrolment_for(person, offering).status for person in waiting]
    assert statuses == ["enrolled", "enrolled", "waitlisted"]
    assert db.session.get(Offering, offering.id).seats_taken == 2
