"""Qualification dates as RFC 5546 invitations: one event per mail, held exactly while a seat is held,
SEQUENCE in step with the private feed."""
from datetime import timedelta

import pytest
import vobject
from icalendar import Calendar
from sqlalchemy import select

from lms.extensions import db
from lms.ical import event_uid
from lms.kalender.services import ensure_token, token_value
from lms.module import services
from lms.module.services import DateInput, OfferingInput
from lms.notifications.models import OutboxMessage
from tests.conftest import FIXED_NOW


def _mails(user) -> list[OutboxMessage]:
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == user.email).order_by(OutboxMessage.id)))


def _event(message: OutboxMessage):
    """The one VEVENT of an invitation mail, after both parsers have read its calendar part."""
    calendar = Calendar.from_ical(message.calendar)
    assert calendar["METHOD"] == message.calendar_method
    parsed = vobject.readOne(message.calendar)
    (event,) = calendar.walk("VEVENT")  # one iTIP object, one event: clients read only the first
    assert len(parsed.contents["vevent"]) == 1
    return event


def _invitations(messages) -> list[tuple[str, str, int]]:
    """(METHOD, UID, SEQUENCE) of each mail that carries a calendar part, in order."""
    return [(m.calendar_method, str(_event(m)["UID"]), int(_event(m)["SEQUENCE"])) for m in messages if m.calendar]


def _feed(client, user) -> dict[str, object]:
    row = ensure_token(user, now=FIXED_NOW)
    db.session.commit()
    response = client.get(f"/kalender/{token_value(row)}.ics")
    assert response.status_code == 200
    return {str(event["UID"]): event for event in Calendar.from_ical(response.data).walk("VEVENT")}


def _in_step_with_feed(client, user, messages) -> None:
    """Each invitation's SEQUENCE is the one the person's private feed shows for the UID right now."""
    feed = _feed(client, user)
    for _method, uid, sequence in _invitations(messages):
        assert int(feed[uid]["SEQUENCE"]) == sequence, uid


def _dates_input(offering, dates):
    return OfferingInput(capacity=offering.capacity, registration_deadline=offering.registration_deadline,
                         region_id=None, moderated=False, trainer_ids=[], dates=dates)


def _kept(date, shift=timedelta(0), location=None):
    return DateInput(starts_at=date.starts_at + shift, ends_at=date.ends_at + shift,
                     location=date.location if location is None else location, id=date.id)


def test_an_offering_with_two_dates_is_invited_moved_and_cancelled(client, create_user, create_offering, trainer,
                                                                   now):
    offering = create_offering(dates=2)
    person = create_user("coordinator", name="Paula Teilnehmerin")
    services.enrol(person, offering, now=now)
    db.session.commit()
    first, second = offering.dates
    title = offering.module.title

    enrolled, further = _mails(person)
    assert enrolled.subject == f"Platz gebucht: {title}"
    assert further.subject.startswith(f"Einladung: {title} am ")
    assert "Rathaus, Saal 2" in further.body and f"/qualifizierung/angebote/{offering.id}" in further.body
    invited = _invitations([enrolled, further])
    first_uid, second_uid = event_uid("offering-date", first.id), event_uid("offering-date", second.id)
    assert [(method, uid) for method, uid, _ in invited] == [("REQUEST", first_uid), ("REQUEST", second_uid)]
    for message in (enrolled, further):
        event = _event(message)
        assert str(event["STATUS"]) == "CONFIRMED"
        organizer = event["ORGANIZER"]
        assert (str(organizer), organizer.params["CN"]) == (f"mailto:{trainer.email}", "Renate Referentin")
        attendee = event["ATTENDEE"]
        assert str(attendee) == f"mailto:{person.email}"
        assert {key: attendee.params[key] for key in ("CN", "ROLE", "PARTSTAT", "RSVP")} == {
            "CN": "Paula Teilnehmerin", "ROLE": "REQ-PARTICIPANT", "PARTSTAT": "ACCEPTED", "RSVP": "FALSE"}
    assert set(_feed(client, person)) == {uid for _, uid, _ in invited}  # the same UIDs as the private feed
    _in_step_with_feed(client, person, [enrolled, further])

    moved_start = first.starts_at + timedelta(hours=2)
    services.update_offering(trainer, offering, _dates_input(offering, [
        _kept(first, timedelta(hours=2)), _kept(second)]), now=now + timedelta(minutes=1))
    db.session.commit()
    (moved,) = _mails(person)[2:]
    assert moved.subject.startswith(f"Termin geändert: {title} am ")
    assert _invitations([moved]) == [("REQUEST", first_uid, invited[0][2] + 1)]
    assert _event(moved)["DTSTART"].dt == moved_start
    _in_step_with_feed(client, person, [moved])

    services.cancel_offering(trainer, offering, reason="Referentin erkrankt", now=now + timedelta(minutes=2))
    db.session.commit()
    cancelled, cancelled_further = _mails(person)[3:]
    assert cancelled.subject == f"Abgesagt: {title}"
    assert cancelled_further.subject.startswith(f"Termin entfällt: {title} am ")
    cancels = _invitations([cancelled, cancelled_further])
    assert [(method, uid) for method, uid, _ in cancels] == [("CANCEL", uid) for _, uid, _ in invited]
    earlier = max(sequence for *_, sequence in invited + _invitations([moved]))
    assert all(sequence > earlier for *_, sequence in cancels)
    assert {str(_event(m)["STATUS"]) for m in (cancelled, cancelled_further)} == {"CANCELLED"}
    _in_step_with_feed(client, person, [cancelled, cancelled_further])


def test_a_withdrawal_takes_back_every_upcoming_date(client, create_user, create_offering, now):
    offering = create_offering(dates=2)
    person = create_user("coordinator")
    enrolment = services.enrol(person, offering, now=now)
    requests = _invitations(_mails(person))
    services.cancel_enrolment(person, enrolment, now=now + timedelta(hours=1))
    db.session.commit()
    withdrawn = _mails(person)[2:]
    assert [m.subject.split(":")[0] for m in withdrawn] == ["Teilnahme zurückgezogen", "Termin entfällt"]
    cancels = _invitations(withdrawn)
    assert [(method, uid) for method, uid, _ in cancels] == [("CANCEL", uid) for _, uid, _ in requests]
    assert all(after > before for (*_, after), (*_, before) in zip(cancels, requests))
    assert {_event(m)["ATTENDEE"].params["PARTSTAT"] for m in withdrawn} == {"DECLINED"}
    _in_step_with_feed(client, person, withdrawn)


def test_a_removal_by_a_trainer_sends_cancel_and_the_next_in_line_is_invited(client, create_user, create_offering,
                                                                            trainer, now):
    offering = create_offering(capacity=1)
    seated, waiting = create_user("coordinator"), create_user("coordinator")
    enrolment = services.enrol(seated, offering, now=now)
    services.enrol(waiting, offering, now=now + timedelta(minutes=1))
    services.remove_participant(trainer, enrolment, reason="Doppelt angemeldet", now=now + timedelta(minutes=2))
    db.session.commit()
    (removed,) = _mails(seated)[1:]
    assert removed.subject.startswith("Änderung Ihrer Teilnahme") and removed.calendar_method == "CANCEL"
    assert str(_event(removed)["STATUS"]) == "CANCELLED"
    assert [uid for *_, uid, _ in _invitations([removed])] == [uid for *_, uid, _ in _invitations(_mails(seated)[:1])]
    _in_step_with_feed(client, seated, [removed])
    assert [m.calendar_method for m in _mails(waiting)] == [None, "REQUEST"]  # waitlisted, then promoted


def test_the_waitlist_gets_no_calendar_until_promoted(client, create_user, create_offering, now):
    offering = create_offering(capacity=1, dates=2)
    first, waiting = create_user("coordinator"), create_user("coordinator")
    seat = services.enrol(first, offering, now=now)
    services.enrol(waiting, offering, now=now + timedelta(minutes=1))
    (waitlisted,) = _mails(waiting)
    assert waitlisted.subject.startswith("Warteliste") and waitlisted.calendar is None
    services.cancel_enrolment(first, seat, now=now + timedelta(minutes=2))
    db.session.commit()
    promoted = _mails(waiting)[1:]
    assert [m.subject.split(":")[0] for m in promoted] == ["Sie sind nachgerückt", "Einladung"]
    assert [method for method, *_ in _invitations(promoted)] == ["REQUEST", "REQUEST"]
    assert {str(_event(m)["STATUS"]) for m in promoted} == {"CONFIRMED"}
    _in_step_with_feed(client, waiting, promoted)


def test_requests_get_no_calendar_until_approved(create_user, create_offering, trainer, now):
    offering = create_offering(moderated=True)
    person = create_user("coordinator")
    enrolment = services.enrol(person, offering, now=now)
    services.approve_request(trainer, enrolment, now=now + timedelta(minutes=1))
    assert [m.calendar_method for m in _mails(person)] == [None, "REQUEST"]


def test_dates_already_over_get_no_invitation(create_user, create_offering, trainer, now):
    offering = create_offering(starts_in=timedelta(days=-1), dates=3)  # yesterday's is over, today's runs
    person = create_user("coordinator")
    services.enrol(person, offering, now=now, actor=trainer)
    _over, today, tomorrow = offering.dates
    assert [uid for _, uid, _ in _invitations(_mails(person))] == [
        event_uid("offering-date", today.id), event_uid("offering-date", tomorrow.id)]


def test_adding_and_removing_dates_invites_and_cancels_only_those(client, create_user, create_offering, trainer, now):
    offering = create_offering(dates=2)
    person = create_user("coordinator")
    services.enrol(person, offering, now=now)
    db.session.commit()
    first, second = offering.dates
    removed_uid = _invitations(_mails(person))[1][1]
    added_start = second.starts_at + timedelta(days=1)
    services.update_offering(trainer, offering, _dates_input(offering, [
        _kept(first), DateInput(starts_at=added_start, ends_at=added_start + timedelta(hours=3), location="Schule"),
    ]), now=now + timedelta(minutes=1))
    db.session.commit()
    cancel, added = _mails(person)[2:]
    assert cancel.subject.startswith("Termin entfällt") and added.subject.startswith("Einladung")
    ((method, uid, _),) = _invitations([cancel])
    assert (method, uid, str(_event(cancel)["STATUS"])) == ("CANCEL", removed_uid, "CANCELLED")
    (new,) = [date for date in offering.dates if date.id != first.id]
    assert _invitations([added])[0][:2] == ("REQUEST", event_uid("offering-date", new.id))
    assert "Schule" in added.body
    _in_step_with_feed(client, person, [added])


def test_trainers_and_unchanged_dates_get_no_invitation(create_user, create_offering, trainer, now):
    offering = create_offering(dates=2)
    person = create_user("coordinator")
    services.enrol(person, offering, now=now)
    services.update_offering(trainer, offering, _dates_input(offering, [_kept(d) for d in offering.dates]),
                             now=now + timedelta(minutes=1))
    assert len(_mails(person)) == 2  # nothing changed, nothing sent
    assert _mails(trainer) == []


@pytest.mark.parametrize("template", ["date_invitation", "date_cancelled"])
def test_date_mails_hold_only_title_date_place_and_link(create_user, create_offering, trainer, now, template):
    offering = create_offering(dates=2)
    person = create_user("coordinator")
    enrolment = services.enrol(person, offering, now=now)
    if template == "date_cancelled":
        services.cancel_enrolment(person, enrolment, now=now + timedelta(minutes=1))
    message = _mails(person)[-1]
    lines = [line for line in message.body.splitlines() if line.strip()]
    assert lines[0] == f"Guten Tag {person.name},"
    assert lines[-1].endswith(f"/qualifizierung/angebote/{offering.id}")
    assert offering.module.summary not in message.body and trainer.email not in message.body
