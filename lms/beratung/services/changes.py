"""Decisions on and changes to a booking: confirm, decline, cancel and move.

Each change is one conditional update of the booking's state and SEQUENCE, so that two changes in
parallel cannot both win, and each tells both sides.
"""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from lms.auth.models import User
from lms.beratung.models import HOLDING, Consultation, ConsultationStatus, ExpertProfile, sealed_reason
from lms.beratung.queries import is_bookable, profile_of
from lms.beratung.services.booking import _check_or_offer, _hours, _lock_calendar, _write_or_offer, check_slot
from lms.beratung.services.cases import _require_expert_of
from lms.beratung.services.errors import _require_reason
from lms.beratung.services.mail import _notify
from lms.beratung.services.watches import _slot_freed
from lms.beratung.slots import Slot
from lms.errors import Conflict, NotFound, PermissionDenied
from lms.extensions import db
from lms.i18n import _l


def _change(consultation: Consultation, *, now: datetime, expected: tuple, **values) -> None:
    """Change the booking if it is still in one of the *expected* states and unchanged since it was
    read (its SEQUENCE), in one conditional update; raise Conflict otherwise. SEQUENCE goes up."""
    db.session.flush()
    changed = db.session.execute(
        update(Consultation)
        .where(Consultation.id == consultation.id, Consultation.sequence == consultation.sequence,
               Consultation.status.in_(expected))
        .values(sequence=consultation.sequence + 1, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.expire(consultation)
    if not changed:
        raise Conflict(_l("Die Buchung wurde inzwischen geändert. Bitte laden Sie die Seite neu."))


def confirm(actor: User, consultation: Consultation, *, now: datetime) -> None:
    """The expert confirms a requested booking that has not begun; both sides get the calendar event."""
    _require_expert_of(actor, consultation)
    if consultation.status != ConsultationStatus.REQUESTED or consultation.starts_at <= now:
        raise Conflict(_l("Nur angefragte, noch nicht begonnene Beratungen können bestätigt werden."))
    _change(consultation, now=now, expected=(ConsultationStatus.REQUESTED,), status=ConsultationStatus.CONFIRMED)
    for person in (consultation.booker, consultation.expert):  # the expert's calendar holds the request too
        if person is not None:
            _notify(consultation, "confirmed", to=person, now=now, method="REQUEST")


def decline(actor: User, consultation: Consultation, *, reason: str, now: datetime,
            confirmed: frozenset[str] = frozenset()) -> None:
    """The expert declines a request with a reason; the slot is free again and those waiting hear of it."""
    _require_expert_of(actor, consultation)
    if consultation.status != ConsultationStatus.REQUESTED:
        raise Conflict(_l("Nur angefragte Beratungen können abgelehnt werden."))
    _require_reason(reason, confirmed)
    _change(consultation, now=now, expected=(ConsultationStatus.REQUESTED,), status=ConsultationStatus.DECLINED,
            reason_sealed=sealed_reason(consultation.id, reason.strip()[:500]))
    for person in (consultation.booker, consultation.expert):  # the expert's calendar got the request too
        if person is not None:
            _notify(consultation, "declined", to=person, now=now, method="CANCEL")
    _slot_freed(consultation.expert, consultation.starts_at, now=now)


def cancel(actor: User, consultation: Consultation, *, reason: str, now: datetime,
           confirmed: frozenset[str] = frozenset()) -> None:
    """Booker or expert call off a booking before it starts; the slot is free at once."""
    if not consultation.is_party(actor):
        raise PermissionDenied()
    if not consultation.holds_slot or consultation.starts_at <= now:
        raise Conflict(_l("Diese Beratung kann nicht mehr abgesagt werden."))
    _require_reason(reason, confirmed)
    _change(consultation, now=now, expected=HOLDING, status=ConsultationStatus.CANCELLED,
            reason_sealed=sealed_reason(consultation.id, reason.strip()[:500]), cancelled_by_id=actor.id)
    for person in (consultation.booker, consultation.expert):
        if person is not None:
            _notify(consultation, "cancelled", to=person, now=now, method="CANCEL", by_other=person.id != actor.id)
    _slot_freed(consultation.expert, consultation.starts_at, now=now)


def reschedule(actor: User, consultation: Consultation, starts_at: datetime, *, now: datetime) -> None:
    """The booker moves the booking to another free slot, up to the cutoff before it starts.

    The booking keeps its UID and case code; SEQUENCE goes up, so calendars move the event.
    With an expert who confirms by hand the moved booking waits for confirmation again.
    """
    profile = _check_move(actor, consultation, starts_at, now=now)
    _lock_calendar(profile)
    slot = _check_or_offer(profile, starts_at, now=now, ignore=consultation)
    status = ConsultationStatus.CONFIRMED if profile.auto_confirm else ConsultationStatus.REQUESTED
    freed = consultation.starts_at
    _write_or_offer(profile, lambda: _change(
        consultation, now=now, expected=HOLDING, starts_at=slot.starts_at, ends_at=slot.ends_at, status=status,
        scheduled_at=now, reminded_day_at=None, reminded_hour_at=None), now=now)
    for person in (consultation.booker, consultation.expert):
        _notify(consultation, "rescheduled", to=person, now=now, method="REQUEST")
    _slot_freed(consultation.expert, freed, now=now)


def _check_move(actor: User, consultation: Consultation, starts_at: datetime, *, now: datetime) -> ExpertProfile:
    if actor.id != consultation.booker_id:
        raise PermissionDenied()
    if starts_at == consultation.starts_at:  # not a move: it would only un-confirm it and send mails
        raise Conflict(_l("Die Beratung liegt bereits zu dieser Zeit. Bitte wählen Sie einen anderen Termin."))
    cutoff = current_app.config["CONSULTATION_CHANGE_CUTOFF_MINUTES"]
    if not consultation.holds_slot or consultation.starts_at - timedelta(minutes=cutoff) <= now:
        raise Conflict(_l("Die Beratung kann nur bis %(hours)s Stunden vor Beginn verschoben werden.",
                          hours=_hours(cutoff)))
    profile = profile_of(consultation.expert)
    if not is_bookable(profile):
        raise NotFound()
    return profile


def check_move(actor: User, consultation: Consultation, starts_at: datetime, *, now: datetime) -> Slot:
    """The slot *consultation* would move to, changing nothing; raise the reason if it cannot move there."""
    return check_slot(_check_move(actor, consultation, starts_at, now=now), starts_at, now=now, ignore=consultation)
