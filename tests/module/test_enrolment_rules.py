"""Rules found in use: one active place per person and module, "Zulassung anfragen" when a
prerequisite is missing, and promotions from the waitlist recorded as the system's."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.errors import Conflict, DomainError
from lms.extensions import db
from lms.module import services
from lms.module.models import Enrolment, EnrolmentEvent, EnrolmentStatus, Offering
from lms.module.services import AlreadyInModule, PrerequisitesMissing
from lms.notifications.models import OutboxMessage
from tests.conftest import FIXED_NOW, login_as

NOW = FIXED_NOW


def _subjects(user) -> list[str]:
    return list(db.session.scalars(
        select(OutboxMessage.subject).where(OutboxMessage.recipient == user.email).order_by(OutboxMessage.id)))


def _events(enrolment) -> list[EnrolmentEvent]:
    return list(db.session.scalars(
        select(EnrolmentEvent).where(EnrolmentEvent.enrolment_id == enrolment.id).order_by(EnrolmentEvent.id)))


@pytest.fixture
def two_runs(create_module, create_offering):
    """Two offerings of one module, a spring and an autumn run."""
    module = create_module(title="Kinderschutz im Netzwerk")
    return create_offering(module), create_offering(module, starts_in=timedelta(days=60))


# --- one active place per module ---------------------------------------------------------------

@pytest.mark.parametrize("first_status", ["enrolled", "waitlisted", "requested"])
def test_nobody_holds_two_places_in_one_module(create_user, create_module, create_offering, first_status):
    module = create_module()
    first = create_offering(module, capacity=1, moderated=first_status == "requested")
    second = create_offering(module, starts_in=timedelta(days=60))
    if first_status == "waitlisted":
        services.enrol(create_user("coordinator"), first, now=NOW)
    person = create_user("coordinator")
    assert services.enrol(person, first, now=NOW + timedelta(minutes=1)).status == first_status
    db.session.commit()
    with pytest.raises(AlreadyInModule, match="bereits in einer anderen Durchführung dieses Moduls einen Platz"):
        services.enrol(person, second, now=NOW)
    db.session.rollback()
    assert services.enrolment_for(person, second) is None
    with pytest.raises(AlreadyInModule):  # the offering page shows the same reason instead of the button
        services.check_can_enrol(person, second, now=NOW)


def test_a_place_given_back_cancelled_or_over_no_longer_counts(create_user, two_runs, trainer):
    spring, autumn = two_runs
    person = create_user("coordinator")
    enrolment = services.enrol(person, spring, now=NOW)
    services.cancel_enrolment(person, enrolment, now=NOW + timedelta(hours=1))
    moved = services.enrol(person, autumn, now=NOW + timedelta(hours=2))  # changing runs: give back, sign up
    assert moved.status == EnrolmentStatus.ENROLLED
    # A run that is cancelled or over holds nobody's place.
    other = create_user("coordinator")
    services.enrol(other, autumn, now=NOW)
    services.cancel_offering(trainer, autumn, reason="Referentin erkrankt", now=NOW + timedelta(hours=3))
    assert services.enrol(other, spring, now=NOW + timedelta(hours=4)).status == EnrolmentStatus.ENROLLED


def test_a_past_run_without_completion_does_not_block_the_next(create_user, create_module, create_offering):
    module = create_module()
    past = create_offering(module, starts_in=timedelta(days=2), deadline_before=timedelta(days=1))
    person = create_user("coordinator")
    services.enrol(person, past, now=NOW)
    later = create_offering(module, starts_in=timedelta(days=40))
    assert services.enrol(person, later, now=NOW + timedelta(days=10)).status == EnrolmentStatus.ENROLLED


def test_trainers_add_someone_to_a_second_run_only_with_a_reason(client, create_user, two_runs, trainer):
    spring, autumn = two_runs
    person = create_user("coordinator", email="jana@example.org", name="Jana Jäger")
    services.enrol(person, spring, now=NOW)
    db.session.commit()
    with pytest.raises(Conflict, match="Jana Jäger hat bereits einen Platz in einer anderen Durchführung"):
        services.enrol(person, autumn, actor=trainer, now=NOW)
    db.session.rollback()
    login_as(client, trainer)
    url = f"/qualifizierung/verwaltung/angebote/{autumn.id}/teilnehmende/hinzufuegen"
    page = client.post(url, data={"person-email": "jana@example.org"}, follow_redirects=True).get_data(as_text=True)
    assert "geben Sie bitte eine Begründung an" in page
    assert services.enrolment_for(person, autumn) is None
    client.post(url, data={"person-email": "jana@example.org", "person-reason": "Wiederholung auf Wunsch des Amts"})
    db.session.expire_all()
    added = services.enrolment_for(person, autumn)
    assert added.status == EnrolmentStatus.ENROLLED
    assert [(event.actor_id, event.reason) for event in _events(added)] == [
        (trainer.id, "Wiederholung auf Wunsch des Amts")]


def test_parallel_sign_ups_for_two_runs_of_one_module_leave_one_place(app, create_user, two_runs):
    spring, autumn = two_runs
    person = create_user("coordinator")
    barrier, outcomes = threading.Barrier(2, timeout=60), []

    def sign_up(offering_id):
        with app.app_context():
            from lms.auth.models import User

            barrier.wait()
            user, target = db.session.get(User, person.id), db.session.get(Offering, offering_id)
            try:
                services.enrol(user, target, now=NOW)
                db.session.commit()
                outcomes.append("enrolled")
            except AlreadyInModule:
                db.session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=sign_up, args=(offering.id,)) for offering in (spring, autumn)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["enrolled", "refused"]
    db.session.expire_all()
    assert len(db.session.scalars(select(Enrolment).where(Enrolment.user_id == person.id)).all()) == 1


# --- asking for admission -------------------------------------------------------------------------

@pytest.fixture
def advanced(create_module, create_offering, trainer):
    """An advanced module that requires the basics; the basics run now, the advanced one later."""
    basics = create_module(title="Grundlagen Kinderschutz")
    module = create_module(title="Vertiefung Kinderschutz", prerequisites=[basics])
    return {"basics": basics, "basics_run": create_offering(basics),
            "offering": create_offering(module, starts_in=timedelta(days=60))}


def test_asking_for_admission_goes_to_the_trainers_and_approval_places_the_person(create_user, advanced, trainer):
    person = create_user("coordinator", name="Jana Jäger")
    services.enrol(person, advanced["basics_run"], now=NOW)  # she is doing the basics now
    db.session.commit()
    with pytest.raises(PrerequisitesMissing):
        services.enrol(person, advanced["offering"], now=NOW)
    db.session.rollback()
    request = services.request_admission(person, advanced["offering"], note="Ich besuche die Grundlagen gerade.",
                                         now=NOW)
    assert request.status == EnrolmentStatus.REQUESTED
    assert [event.reason for event in _events(request)] == [
        "Zulassung angefragt, es fehlt: Grundlagen Kinderschutz. Ich besuche die Grundlagen gerade."]
    assert _subjects(trainer) == ["Zulassung angefragt: Vertiefung Kinderschutz"]
    body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == trainer.email))
    assert "Jana Jäger" in body and "- Grundlagen Kinderschutz" in body and "Ich besuche die Grundlagen" in body
    assert _subjects(person)[-1] == "Anfrage eingegangen: Vertiefung Kinderschutz"
    db.session.commit()
    with pytest.raises(Conflict):  # once is enough
        services.request_admission(person, advanced["offering"], note="", now=NOW)
    db.session.rollback()
    services.approve_request(trainer, request, now=NOW + timedelta(hours=1))
    assert request.status == EnrolmentStatus.ENROLLED


def test_admission_is_asked_only_where_a_prerequisite_is_missing(create_user, advanced, create_offering):
    person = create_user("coordinator")
    with pytest.raises(DomainError, match="direkt einen Platz buchen"):
        services.request_admission(person, advanced["basics_run"], note="", now=NOW)
    db.session.rollback()
    second_run = create_offering(advanced["offering"].module, starts_in=timedelta(days=90))
    services.request_admission(person, advanced["offering"], note="", now=NOW)
    with pytest.raises(AlreadyInModule):  # a request holds the module's place too
        services.request_admission(person, second_run, note="", now=NOW)


def test_the_offering_page_offers_the_prerequisite_and_the_request(client, create_user, advanced):
    person = create_user("coordinator")
    login_as(client, person)
    url = f"/qualifizierung/angebote/{advanced['offering'].id}"
    page = client.get(url).get_data(as_text=True)
    assert "Für dieses Modul fehlt Ihnen noch:" in page and "Grundlagen Kinderschutz</a>" in page
    assert "Zulassung anfragen" in page and "Platz buchen" not in page
    answer = client.post(f"{url}/zulassung-anfragen", data={"note": "x" * 501}, follow_redirects=True)
    assert "Höchstens 500 Zeichen." in answer.get_data(as_text=True)
    assert services.enrolment_for(person, advanced["offering"]) is None
    done = client.post(f"{url}/zulassung-anfragen", data={"note": ""}, follow_redirects=True).get_data(as_text=True)
    assert "Ihre Anfrage ist bei den Referent*innen" in done
    assert services.enrolment_for(person, advanced["offering"]).status == EnrolmentStatus.REQUESTED


@pytest.mark.parametrize("role", ["trainer", "admin"])
def test_only_participants_ask_for_admission(client, create_user, advanced, role):
    login_as(client, create_user(role))
    response = client.post(f"/qualifizierung/angebote/{advanced['offering'].id}/zulassung-anfragen", data={})
    assert response.status_code == 403


# --- promotions are the system's ---------------------------------------------------------------

def test_a_promotion_is_recorded_as_the_systems_with_the_seat_it_took(client, create_user, create_offering,
                                                                        trainer):
    offering = create_offering(capacity=1)
    holder = create_user("coordinator", name="Anna Abgabe")
    waiting = create_user("coordinator", name="Ben Nachrücker")
    seat = services.enrol(holder, offering, now=NOW)
    place = services.enrol(waiting, offering, now=NOW + timedelta(minutes=1))
    services.cancel_enrolment(holder, seat, now=NOW + timedelta(hours=1))
    promotion = _events(place)[-1]
    assert (promotion.to_status, promotion.actor_id, promotion.freed_by_id) == ("enrolled", None, seat.id)
    assert promotion.reason == "Platz frei geworden durch Rückgabe"
    assert "Anna" not in promotion.reason  # the name is shown from the enrolment, not copied into the text
    db.session.commit()
    login_as(client, trainer)
    page = client.get(f"/qualifizierung/verwaltung/angebote/{offering.id}/teilnehmende").get_data(as_text=True)
    assert "Platz frei geworden durch Rückgabe (Anna Abgabe)" in page
    row = page.split("Platz frei geworden durch Rückgabe (Anna Abgabe)")[0].rsplit("<tr", 1)[1]
    assert "System" in row and "Ben Nachrücker" in row


def test_promotions_after_a_removal_or_more_seats_are_the_systems_too(create_user, create_offering, trainer):
    offering = create_offering(capacity=1)
    holder, second, third = (create_user("coordinator") for _ in range(3))
    seat = services.enrol(holder, offering, now=NOW)
    places = [services.enrol(person, offering, now=NOW + timedelta(minutes=index + 1))
              for index, person in enumerate((second, third))]
    services.remove_participant(trainer, seat, reason="Doppelt angemeldet", now=NOW + timedelta(hours=1))
    removal = _events(places[0])[-1]
    assert (removal.actor_id, removal.freed_by_id, removal.reason) == (
        None, seat.id, "Platz frei geworden durch Entfernen von der Liste")
    data = services.OfferingInput(
        capacity=2, registration_deadline=offering.registration_deadline, region_id=None, moderated=False,
        trainer_ids=[], dates=[services.DateInput(starts_at=d.starts_at, ends_at=d.ends_at, location=d.location)
                               for d in offering.dates])
    services.update_offering(trainer, offering, data, now=NOW + timedelta(hours=2))
    more = _events(places[1])[-1]
    assert (more.to_status, more.actor_id, more.freed_by_id, more.reason) == (
        "enrolled", None, None, "Platz frei geworden: mehr Plätze in der Durchführung")
