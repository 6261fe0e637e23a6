"""Enrolment: signing up, requests (moderated offerings, admission despite a missing prerequisite),
approval and decline, admission, withdrawal and removal.

The seats and the waitlist behind these steps are in `seats`, the mails in `mail`.
"""
from datetime import datetime

from flask_babel import format_date
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms.auth.models import User
from lms.errors import Conflict, DomainError, PermissionDenied
from lms.extensions import db
from lms.i18n import _l
from lms.links import external_url
from lms.locks import lock_row
from lms.module.models import (
    ACTIVE_STATUSES,
    PARTICIPANT_ROLES,
    Admission,
    Enrolment,
    EnrolmentStatus,
    Offering,
    OfferingState,
)
from lms.module.services.errors import (
    AlreadyEnrolled,
    AlreadyInModule,
    NotInTargetGroup,
    PrerequisitesMissing,
    RegistrationClosed,
)
from lms.module.services.mail import _notify
from lms.module.services.offerings import _require_manage
from lms.module.services.seats import (
    _claim_status,
    _hand_on_seat,
    _lock_offering,
    _place,
    _queue_time,
    _record,
)
from lms.module.standing import enrolment_for, is_admitted, missing_prerequisites, other_place_in_module
from lms.notifications.services import queue_mail


def _check_open_to(user: User, offering: Offering, *, now: datetime) -> None:
    """What a sign-up and a request for admission both need: the right role, an open registration,
    the target group and no other place in the same module."""
    if not user.is_active or not user.has_role(*PARTICIPANT_ROLES):
        raise PermissionDenied(_l("Plätze buchen können Netzwerkkoordinator*innen, Netzwerkpartner*innen und Fachkräfte."))
    if not offering.module.is_published or not offering.registration_open(now):
        raise RegistrationClosed()
    if not offering.module.is_for(user):
        raise NotInTargetGroup()
    if (other := other_place_in_module(user, offering, now=now)) is not None:
        raise AlreadyInModule(other.offering)


def check_can_enrol(user: User, offering: Offering, *, now: datetime) -> None:
    """Raise the reason why *user* may not sign up for *offering* themselves, if there is one."""
    _check_open_to(user, offering, now=now)
    missing = missing_prerequisites(user, offering.module)
    if missing and not is_admitted(user, offering):
        raise PrerequisitesMissing(missing)


def may_request_admission(user: User, offering: Offering, *, now: datetime) -> bool:
    """Whether the only thing between *user* and *offering* is a missing prerequisite: then the
    pages offer "Zulassung anfragen" instead of a dead end."""
    try:
        check_can_enrol(user, offering, now=now)
    except PrerequisitesMissing:
        return enrolment_for(user, offering) is None or not enrolment_for(user, offering).is_active
    except DomainError:
        return False
    return False


def _lock_person(user: User) -> None:
    """Serialise one person's sign-ups, so that two parallel ones in offerings of the same module
    cannot both pass `other_place_in_module` (the offering locks only serialise one offering)."""
    lock_row(User, user.id)


def _first_enrolment(user: User, offering: Offering, *, queued_at: datetime, now: datetime) -> Enrolment:
    """The first enrolment row of *user* in *offering*, written at once: the unique (offering, user)
    constraint stops a parallel double sign-up here, which the person is told as AlreadyEnrolled
    (the row is written in a SAVEPOINT, so only it is undone and the caller sees a DomainError)."""
    try:
        with db.session.begin_nested():
            enrolment = Enrolment(offering=offering, user=user, status=EnrolmentStatus.REQUESTED,
                                  queued_at=queued_at, created_at=now, updated_at=now)
            db.session.add(enrolment)
            db.session.flush()
    except IntegrityError:
        raise AlreadyEnrolled() from None
    return enrolment


def enrol(user: User, offering: Offering, *, now: datetime, actor: User | None = None, reason: str = "") -> Enrolment:
    """Sign *user* up: a seat if one is free, else the waitlist; a request in moderated offerings.

    A trainer (*actor*) adding someone skips the deadline, target group, prerequisite and approval
    checks, but never the capacity; someone who already holds a place in another offering of the
    module they add only with a *reason*, which the history keeps. The place in line is taken under
    the offering's lock (see `_place`).
    """
    actor = actor or user
    by_trainer = actor.id != user.id
    if by_trainer:
        _require_manage(actor, offering)
    _lock_person(user)
    _lock_offering(offering)
    if by_trainer:
        if offering.state == OfferingState.CANCELLED or (offering.last_ends_at and offering.last_ends_at <= now):
            raise RegistrationClosed()
        other = other_place_in_module(user, offering, now=now)
        if other is not None and not reason.strip():
            raise Conflict(_l(
                "%(name)s hat bereits einen Platz in einer anderen Durchführung dieses Moduls (Beginn %(date)s). "
                "Wenn Sie die Person trotzdem hinzufügen möchten, geben Sie bitte eine Begründung an.",
                name=user.name, date=format_date(other.offering.first_starts_at, "dd.MM.yyyy")
                if other.offering.first_starts_at else "–"))
    else:
        check_can_enrol(user, offering, now=now)
    enrolment, previous = _join_line(user, offering, now=now)
    if offering.moderated and not by_trainer:
        _record(enrolment, EnrolmentStatus.REQUESTED, actor=actor, now=now, previous=previous)
        _notify(enrolment, "request_received", now=now)
    else:
        _place(enrolment, actor=actor, now=now, previous=previous,
               reason=(reason.strip() or _l("durch Referent*in hinzugefügt")) if by_trainer else "")
    return enrolment


def _join_line(user: User, offering: Offering, *, now: datetime) -> tuple[Enrolment, str | None]:
    """*user*'s enrolment in *offering*, new or taken up again, with a place in line after every
    place given before; and its status before (None when new). A person holding a place already
    gets AlreadyEnrolled."""
    enrolment = enrolment_for(user, offering)
    if enrolment is not None and enrolment.is_active:
        raise AlreadyEnrolled()
    queued_at = _queue_time(offering, now=now)
    if enrolment is None:
        return _first_enrolment(user, offering, queued_at=queued_at, now=now), None
    previous = enrolment.status
    enrolment.queued_at = queued_at
    return enrolment, previous


def request_admission(user: User, offering: Offering, *, note: str, now: datetime) -> Enrolment:
    """Ask the trainers to admit *user* although a prerequisite is missing ("Zulassung anfragen").

    The request is an enrolment in the state "requested", as in a moderated offering: the trainers
    see it in their list, approve it (which admits and places the person in line) or decline it,
    and the mails are the usual ones; the trainers also get a mail naming what is missing."""
    _lock_person(user)
    _lock_offering(offering)
    _check_open_to(user, offering, now=now)
    missing = missing_prerequisites(user, offering.module)
    if not missing or is_admitted(user, offering):
        raise DomainError(_l("Sie können direkt einen Platz buchen; eine Zulassung ist nicht nötig."))
    enrolment, previous = _join_line(user, offering, now=now)
    reason = _l("Zulassung angefragt, es fehlt: %(titles)s", titles=", ".join(module.title for module in missing))
    _record(enrolment, EnrolmentStatus.REQUESTED, actor=user, now=now, previous=previous,
            reason=f"{reason}. {note.strip()}" if note.strip() else reason)
    _notify(enrolment, "request_received", now=now)
    trainers = {trainer.id: trainer for trainer in (*offering.trainers, *offering.module.trainers)}
    for trainer in trainers.values():
        if trainer.is_active:
            queue_mail(recipient=trainer.email, template="module/admission_requested", locale=trainer.locale,
                       now=now, trainer=trainer, person=user, module=offering.module, offering=offering,
                       missing=missing, note=note.strip(),
                       link=external_url("module.participants", offering_id=offering.id))
    return enrolment


def cancel_enrolment(user: User, enrolment: Enrolment, *, now: datetime) -> None:
    """The participant withdraws. A seat can be given back until the registration deadline.

    Giving back a seat also takes back its invitations (METHOD:CANCEL)."""
    if not enrolment.can_cancel(user):
        raise PermissionDenied()
    offering = enrolment.offering
    _lock_offering(offering)
    db.session.refresh(enrolment, attribute_names=["status"])
    if offering.has_started(now):
        raise Conflict(_l("Die Durchführung hat bereits begonnen."))
    was = enrolment.status
    if was == EnrolmentStatus.ENROLLED and now >= offering.registration_deadline:
        raise Conflict(_l("Nach dem Anmeldeschluss können nur die Referent*innen Ihren Platz freigeben."))
    if not _claim_status(enrolment, was, EnrolmentStatus.CANCELLED, actor=user, now=now,
                         reason=_l("selbst zurückgezogen")):
        raise Conflict(_l("Ihre Teilnahme wurde in der Zwischenzeit geändert. Bitte laden Sie die Seite neu."))
    _notify(enrolment, "cancelled", now=now, method="CANCEL" if was == EnrolmentStatus.ENROLLED else None)
    if was == EnrolmentStatus.ENROLLED:
        _hand_on_seat(offering, freed_by=enrolment, cause=_l("Platz frei geworden durch Rückgabe"), now=now)


def remove_participant(actor: User, enrolment: Enrolment, *, reason: str, now: datetime) -> None:
    """A trainer takes someone off the list (with a reason); the seat moves on to the waitlist.

    Someone who had a seat gets METHOD:CANCEL for its upcoming dates."""
    offering = enrolment.offering
    _require_manage(actor, offering)
    if not reason.strip():
        raise DomainError(_l("Bitte geben Sie einen Grund an."))
    _lock_offering(offering)
    db.session.refresh(enrolment, attribute_names=["status"])
    was = enrolment.status
    if was not in ACTIVE_STATUSES:
        raise Conflict(_l("Diese Person steht nicht mehr auf der Liste."))
    if not _claim_status(enrolment, was, EnrolmentStatus.REMOVED, actor=actor, now=now, reason=reason.strip()):
        raise Conflict(_l("Die Teilnahme wurde in der Zwischenzeit geändert. Bitte laden Sie die Seite neu."))
    _notify(enrolment, "removed", now=now, reason=reason.strip(),
            method="CANCEL" if was == EnrolmentStatus.ENROLLED else None)
    if was == EnrolmentStatus.ENROLLED:
        _hand_on_seat(offering, freed_by=enrolment, cause=_l("Platz frei geworden durch Entfernen von der Liste"),
                      now=now)


def approve_request(actor: User, enrolment: Enrolment, *, now: datetime) -> None:
    """Approve a request of a moderated offering, in the order the requests came in.

    An approved request that finds the offering full joins the end of the waitlist: nobody already
    waiting is moved back (and their mailed position stays true).
    """
    _require_manage(actor, enrolment.offering)
    _lock_offering(enrolment.offering)
    db.session.refresh(enrolment, attribute_names=["status", "queued_at"])  # a parallel approval may have won
    if enrolment.status != EnrolmentStatus.REQUESTED:
        raise Conflict(_l("Diese Anfrage ist bereits bearbeitet."))
    earlier = db.session.scalar(
        select(func.count(Enrolment.id)).where(
            Enrolment.offering_id == enrolment.offering_id, Enrolment.status == EnrolmentStatus.REQUESTED,
            Enrolment.ahead_in_line(Enrolment, enrolment),
        )
    )
    if earlier:
        raise Conflict(_l("Bitte bearbeiten Sie zuerst die früheren Anfragen: niemand überholt die Warteliste."))
    enrolment.queued_at = _queue_time(enrolment.offering, now=now)
    _place(enrolment, actor=actor, now=now, reason=_l("Anfrage angenommen"))


def decline_request(actor: User, enrolment: Enrolment, *, reason: str, now: datetime) -> None:
    """Decline a request (with a reason, which the mail states); a request already handled is refused."""
    _require_manage(actor, enrolment.offering)
    _lock_offering(enrolment.offering)
    if not _claim_status(enrolment, EnrolmentStatus.REQUESTED, EnrolmentStatus.DECLINED, actor=actor, now=now,
                         reason=reason.strip()):
        raise Conflict(_l("Diese Anfrage ist bereits bearbeitet."))
    _notify(enrolment, "declined", now=now, reason=reason.strip())


def admit(actor: User, offering: Offering, user: User, *, reason: str, now: datetime) -> Admission:
    """Let *user* sign up although prerequisites are missing; admitting twice (also in parallel)
    keeps the first admission."""
    _require_manage(actor, offering)
    _lock_offering(offering)
    admission = db.session.scalar(
        select(Admission).where(Admission.offering_id == offering.id, Admission.user_id == user.id)
    )
    if admission is None:
        admission = Admission(offering_id=offering.id, user_id=user.id, granted_by_id=actor.id, granted_at=now,
                              reason=reason.strip())
        db.session.add(admission)
        db.session.flush()
    return admission
