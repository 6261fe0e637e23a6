"""Offerings: planning a run of a module with its dates, changing it, opening and cancelling it.

Changing the dates writes each enrolled participant's calendar messages (see `mail`); a larger
capacity lets the waitlist move up (see `seats`).
"""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from lms.auth.models import Region, User
from lms.errors import Conflict, DomainError, PermissionDenied
from lms.extensions import db
from lms.i18n import _l
from lms.module.models import (
    ACTIVE_STATUSES,
    Attendance,
    Enrolment,
    EnrolmentStatus,
    Module,
    ModuleState,
    Offering,
    OfferingDate,
    OfferingState,
)
from lms.module.services.errors import InvalidDates
from lms.module.services.mail import _date_mail, _invitation, _notify, _participants
from lms.module.services.modules import _require_edit, _trainers
from lms.module.services.seats import _fill_free_seats, _lock_offering, _record


@dataclass
class DateInput:
    starts_at: datetime
    ends_at: datetime
    location: str = ""
    online_url: str = ""
    id: int | None = None


@dataclass
class OfferingInput:
    capacity: int
    registration_deadline: datetime
    region_id: int | None
    moderated: bool
    trainer_ids: list[int]
    dates: list[DateInput]
    note: str = ""


def _check_dates(dates: list[DateInput], deadline: datetime) -> None:
    if not dates:
        raise InvalidDates(_l("Bitte geben Sie mindestens einen Termin an."))
    ordered = sorted(dates, key=lambda d: d.starts_at)
    for date in ordered:
        if date.ends_at <= date.starts_at:
            raise InvalidDates(_l("Ein Termin endet vor oder zu seinem Beginn."))
        if not (date.location.strip() or date.online_url.strip()):
            raise InvalidDates(_l("Jeder Termin braucht einen Ort oder einen Online-Link."))
    for earlier, later in zip(ordered, ordered[1:]):
        if later.starts_at < earlier.ends_at:
            raise InvalidDates(_l("Zwei Termine dieser Durchführung überschneiden sich."))
    if deadline > ordered[0].starts_at:
        raise InvalidDates(_l("Der Anmeldeschluss muss vor dem ersten Termin liegen."))


def _apply_offering_input(offering: Offering, data: OfferingInput, *, now: datetime) -> "DateChanges":
    if data.capacity < 1:
        raise DomainError(_l("Die Kapazität muss mindestens 1 sein."))
    if data.capacity < offering.seats_taken:
        raise Conflict(_l(
            "Die Kapazität darf nicht unter der Zahl der Teilnehmenden (%(count)d) liegen.", count=offering.seats_taken
        ))
    _check_dates(data.dates, data.registration_deadline)
    region = db.session.get(Region, data.region_id) if data.region_id else None
    if data.region_id and region is None:
        raise DomainError(_l("Die gewählte Region gibt es nicht."))
    offering.capacity = data.capacity
    offering.registration_deadline = data.registration_deadline
    if offering.registration_closed and data.registration_deadline > now:
        offering.registration_closed = False  # a later deadline reopens registration
    offering.region = region
    offering.moderated = data.moderated
    offering.note = data.note.strip()
    offering.trainers = _trainers(data.trainer_ids)
    changes = _replace_dates(offering, data.dates, now=now)
    offering.first_starts_at = min(date.starts_at for date in data.dates)
    offering.last_ends_at = max(date.ends_at for date in data.dates)
    offering.updated_at = now
    return changes


@dataclass
class DateChanges:
    """What `_replace_dates` did to an offering's dates, for the participants' invitations."""

    changed: list[OfferingDate] = field(default_factory=list)  # time or place changed
    added: list[OfferingDate] = field(default_factory=list)  # without an id until the next flush
    # A removed date's CANCEL per participant, written while the date still belongs to the offering.
    cancelled: list[tuple[Enrolment, OfferingDate, str]] = field(default_factory=list)


def _replace_dates(offering: Offering, dates: list[DateInput], *, now: datetime) -> DateChanges:
    """Set the offering's dates to *dates* (those with an id are kept and changed) and say what changed.

    A changed time or place raises the date's SEQUENCE. A removed date is a deleted row: once it has
    left the offering it can no longer be described, so its CANCEL for each enrolled participant is
    written here, with a SEQUENCE above every earlier message about it (dates already over get none).
    """
    existing = {date.id: date for date in offering.dates}
    kept_ids = {date.id for date in dates if date.id}
    if kept_ids - set(existing):
        raise DomainError(_l("Ein Termin gehört nicht zu dieser Durchführung."))
    removed = [existing[date_id] for date_id in sorted(set(existing) - kept_ids)]
    for date in removed:
        if db.session.scalar(select(func.count(Attendance.id)).where(Attendance.date_id == date.id)):
            raise Conflict(_l("Ein Termin mit erfasster Anwesenheit kann nicht entfernt werden."))
    changes = DateChanges()
    upcoming_removed = [date for date in removed if date.ends_at > now]
    participants = _participants(offering) if upcoming_removed else []
    for date in upcoming_removed:
        date.sequence += 1
        date.updated_at = now
        changes.cancelled += [(enrolment, date, _invitation(enrolment, date, "CANCEL", changes=count, dropped=True))
                              for enrolment, count in participants]
    result = []
    for data in dates:
        date = existing.get(data.id) if data.id else None
        if date is None:
            date = OfferingDate(starts_at=data.starts_at, ends_at=data.ends_at, updated_at=now)
            changes.added.append(date)
        elif (date.starts_at, date.ends_at, date.location, date.online_url) != (
            data.starts_at, data.ends_at, data.location.strip(), data.online_url.strip()
        ):
            date.sequence += 1
            date.updated_at = now
            changes.changed.append(date)
            if date.starts_at != data.starts_at:
                date.reminder_sent_at = None  # a moved date gets its reminder again
        date.starts_at, date.ends_at = data.starts_at, data.ends_at
        date.location, date.online_url = data.location.strip(), data.online_url.strip()
        result.append(date)
    offering.dates = sorted(result, key=lambda d: d.starts_at)
    return changes


def create_offering(actor: User, module: Module, data: OfferingInput, *, open_registration: bool,
                    now: datetime) -> Offering:
    """Plan a run of *module* with its dates; trainers of the module and admins may."""
    _require_edit(actor, module)
    if module.state == ModuleState.ARCHIVED:
        raise Conflict(_l("Für ein archiviertes Modul können keine Durchführungen geplant werden."))
    offering = Offering(
        module=module, seats_taken=0, created_by_id=actor.id, created_at=now,
        state=OfferingState.OPEN if open_registration else OfferingState.PLANNED,
    )
    _apply_offering_input(offering, data, now=now)
    db.session.add(offering)
    db.session.flush()
    return offering


def update_offering(actor: User, offering: Offering, data: OfferingInput, *, now: datetime) -> Offering:
    """Change seats, deadline, region, trainers and dates; a larger capacity lets the waitlist move up.

    Every enrolled participant's calendar follows the dates: a date whose time or place changed gets
    an updated REQUEST, an added date a REQUEST, a removed date a CANCEL, one mail per date (dates
    already over get none). People who move up from the waitlist afterwards get the new dates with
    their "promoted" mail.
    """
    _require_manage(actor, offering)
    _lock_offering(offering)
    if offering.state == OfferingState.CANCELLED:
        raise Conflict(_l("Eine abgesagte Durchführung kann nicht mehr geändert werden."))
    changes = _apply_offering_input(offering, data, now=now)
    db.session.flush()
    for enrolment, date, calendar in changes.cancelled:
        _date_mail(enrolment, offering, date, "CANCEL", calendar, now=now)
    invited = sorted((date for date in changes.changed + changes.added if date.ends_at > now),
                     key=lambda date: date.starts_at)
    if invited:
        for enrolment, count in _participants(offering):
            for date in invited:
                _date_mail(enrolment, offering, date, "REQUEST",
                           _invitation(enrolment, date, "REQUEST", changes=count), now=now,
                           changed=date in changes.changed)
    _fill_free_seats(offering, now=now)
    return offering


def open_registration(actor: User, offering: Offering, *, now: datetime) -> None:
    """Open a planned offering for booking; trainers of the module and admins may."""
    _require_manage(actor, offering)
    if offering.state != OfferingState.PLANNED:
        raise Conflict(_l("Die Buchung kann nur für geplante Durchführungen geöffnet werden."))
    offering.state = OfferingState.OPEN
    offering.updated_at = now
    db.session.flush()


def cancel_offering(actor: User, offering: Offering, *, reason: str, now: datetime) -> None:
    """Cancel the offering and tell everyone enrolled, wait-listed or waiting for approval.

    Those who had a seat also get METHOD:CANCEL for its upcoming dates. The mails are written after
    the dates' SEQUENCE was raised, so the CANCEL counts above every earlier invitation.
    """
    _require_manage(actor, offering)
    _lock_offering(offering)
    if offering.state == OfferingState.CANCELLED:
        raise Conflict(_l("Die Durchführung ist bereits abgesagt."))
    if offering.last_ends_at and offering.last_ends_at <= now:
        raise Conflict(_l("Eine abgeschlossene Durchführung kann nicht abgesagt werden."))
    affected = db.session.scalars(
        select(Enrolment).where(Enrolment.offering_id == offering.id, Enrolment.status.in_(ACTIVE_STATUSES))
    ).all()
    seated = {enrolment.id for enrolment in affected if enrolment.status == EnrolmentStatus.ENROLLED}
    for enrolment in affected:
        _record(enrolment, EnrolmentStatus.CANCELLED, actor=actor, reason=reason, now=now)
    offering.state = OfferingState.CANCELLED
    offering.seats_taken = 0
    offering.cancelled_at = now
    offering.cancel_reason = reason
    offering.updated_at = now
    for date in offering.dates:
        date.sequence += 1
        date.updated_at = now
    db.session.flush()
    for enrolment in affected:
        _notify(enrolment, "offering_cancelled", now=now, reason=reason,
                method="CANCEL" if enrolment.id in seated else None)


def _require_manage(actor: User, offering: Offering) -> None:
    if not offering.can_manage(actor):
        raise PermissionDenied()
