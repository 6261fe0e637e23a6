"""The rules of qualification: modules, offerings, enrolment and waitlist, attendance, completion.

Seats are counted in `Offering.seats_taken` and change only through conditional updates, so the
capacity holds under concurrent requests on SQLite and PostgreSQL alike. A freed seat is handed
straight to the first person on the waitlist (first come, first served) unless the offering has
started. Every status change of an enrolment is written to its history.

Mails state what the database says. Every change to an offering's seats or line (enrolment,
approval, decline, withdrawal, removal, promotion, more seats, cancellation, reminders) first takes
the offering's lock (`_lock_offering`), and a new place in line is later than every place given
before, so the line's order is the order of the locks. A figure in a mail (a waitlist position, the
dates) is read under that lock and therefore still holds when the transaction that decided it
commits, together with the mail row. We chose this over rendering figures at delivery: the mail
then states what was decided for the person (not what holds when the outbox runs), stays one row
written in the same transaction, and the lock also keeps a freed seat from being missed by an
enrolment that is being written at the same moment.

Qualification dates travel as calendar invitations (RFC 5546 iTIP): a person holds them exactly
while their enrolment has a seat (see "mail and scheduled work" below).
"""
import math
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from babel.dates import format_datetime, format_time
from flask import current_app
from flask_babel import format_date
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from lms.auth.models import Region, Role, User
from lms.auth.permissions import ensure_role
from lms.dimensions import Dimension
from lms.errors import Conflict, DomainError, PermissionDenied
from lms.extensions import db
from lms.i18n import _l
from lms.ical import BERLIN, build_calendar
from lms.instrumente.models import Instrument, InstrumentState
from lms.links import external_url
from lms.module.ical import date_event
from lms.module.models import (
    ACTIVE_STATUSES, AUDIENCE_LABELS, Admission, Attendance, Certificate, Completion, Enrolment, EnrolmentEvent,
    EnrolmentStatus, Module, ModuleAudience, ModuleState, Offering, OfferingDate, OfferingState, module_material,
)
from lms.notifications.services import queue_mail
from lms.signals import completion_recorded, completion_revoked
from lms.textsearch import term_line


class RegistrationClosed(DomainError):
    default_message = _l("Diese Durchführung ist nicht buchbar: sie ist geschlossen oder abgesagt.")


class NotInTargetGroup(DomainError):
    default_message = _l("Dieses Modul richtet sich nicht an Ihre Rolle oder Ihren Sektor.")


class AlreadyEnrolled(Conflict):
    default_message = _l("Sie haben in dieser Durchführung bereits einen Platz, stehen auf der Warteliste oder haben angefragt.")


class AlreadyInModule(Conflict):
    """One active place per person and module: a second offering of the same module is a double booking."""

    def __init__(self, other: Offering):
        self.other = other
        super().__init__(_l(
            "Sie haben bereits in einer anderen Durchführung dieses Moduls einen Platz, stehen dort auf der "
            "Warteliste oder haben sie angefragt (Beginn %(date)s). Wenn Sie wechseln möchten, geben Sie dort "
            "zuerst Ihren Platz zurück.",
            date=format_date(other.first_starts_at, "dd.MM.yyyy") if other.first_starts_at else "–",
        ))


class PrerequisitesMissing(DomainError):
    def __init__(self, modules):
        self.modules = modules
        super().__init__(_l(
            "Für dieses Modul fehlen Ihnen Voraussetzungen: %(titles)s. Sie können die Referent*innen bitten, Sie trotzdem zuzulassen („Zulassung anfragen“).",
            titles=", ".join(module.title for module in modules),
        ))


class InvalidDates(DomainError):
    pass


# --- modules --------------------------------------------------------------------------------

@dataclass
class ModuleInput:
    title: str
    summary: str
    description: str
    learning_goals: str
    dimension: str
    teaching_units: int
    required_attendance: int
    audiences: list[str]
    prerequisite_ids: list[int]
    trainer_ids: list[int]
    code: str | None = None
    material_ids: list[int] = field(default_factory=list)


def _require_edit(actor: User, module: Module) -> None:
    if not module.can_edit(actor):
        raise PermissionDenied()


def _trainers(ids: list[int]) -> list[User]:
    users = list(db.session.scalars(select(User).where(User.id.in_(ids)))) if ids else []
    if len(users) != len(set(ids)) or any(not user.has_role(Role.TRAINER) for user in users):
        raise DomainError(_l("Als Referent*innen können nur Konten mit der Rolle Referent*in eingetragen werden."))
    return users


def _apply_module_input(module: Module, data: ModuleInput, *, actor: User) -> None:
    Dimension(data.dimension)
    unknown = set(data.audiences) - set(AUDIENCE_LABELS)
    if unknown or not data.audiences:
        raise DomainError(_l("Bitte wählen Sie mindestens eine gültige Zielgruppe."))
    code = (data.code or "").strip() or None
    if code and db.session.scalar(select(Module.id).where(Module.code == code, Module.id != module.id)):
        raise Conflict(_l("Das Kürzel %(code)s ist bereits vergeben.", code=code))
    prerequisites = list(db.session.scalars(select(Module).where(Module.id.in_(data.prerequisite_ids))))
    if len(prerequisites) != len(set(data.prerequisite_ids)):
        raise DomainError(_l("Eine gewählte Voraussetzung gibt es nicht."))
    if any(not _may_require(module, required) for required in prerequisites):
        raise DomainError(_l("Als Voraussetzung können nur veröffentlichte Module gewählt werden."))
    if module.id is not None and any(module.id in _prerequisite_closure(p) for p in prerequisites):
        raise DomainError(_l("Ein Modul kann nicht (auch nicht über andere Module) seine eigene Voraussetzung sein."))
    materials = list(db.session.scalars(select(Instrument).where(
        Instrument.id.in_(data.material_ids), Instrument.state == InstrumentState.PUBLISHED))) if data.material_ids else []
    if len(materials) != len(set(data.material_ids)):
        raise DomainError(_l("Als Kursmaterial können nur veröffentlichte Instrumente gewählt werden."))
    trainers = _trainers(data.trainer_ids)
    if not actor.has_role(Role.ADMIN) and all(t.id != actor.id for t in trainers):
        trainers.append(actor)  # a trainer always stays responsible for the module they edit
    module.code = code
    module.title = data.title.strip()
    module.summary = data.summary.strip()
    module.description = data.description or ""
    module.learning_goals = data.learning_goals or ""
    module.dimension = data.dimension
    module.teaching_units = data.teaching_units
    module.required_attendance = data.required_attendance
    module.prerequisites = prerequisites
    module.materials = materials
    module.trainers = trainers
    module.audience_rows = [row for row in module.audience_rows if row.code in data.audiences] + [
        ModuleAudience(code=code) for code in data.audiences if code not in module.audiences
    ]
    module.search_title, module.search_body = search_lines(module)


def search_lines(module: Module) -> tuple[str, str]:
    """The catalogue search's terms of *module*: code and title, and the rest of its text."""
    return (term_line(f"{module.code or ''} {module.title}"),
            term_line(" ".join((module.summary, module.description, module.learning_goals))))


def _may_require(module: Module, required: Module) -> bool:
    """A prerequisite must be published; one that was archived after it was chosen may stay linked."""
    return required.is_published or (
        required.state == ModuleState.ARCHIVED and module.id is not None
        and any(linked.id == required.id for linked in module.prerequisites)
    )


def _prerequisite_closure(module: Module) -> set[int]:
    """The ids of *module* and everything it requires, directly or indirectly."""
    seen, stack = set(), [module]
    while stack:
        current = stack.pop()
        if current.id in seen:
            continue
        seen.add(current.id)
        stack.extend(current.prerequisites)
    return seen


def create_module(actor: User, data: ModuleInput, *, now: datetime) -> Module:
    """Create a draft module; trainers become responsible for what they create."""
    ensure_role(actor, Role.ADMIN, Role.TRAINER)
    module = Module(state=ModuleState.DRAFT, created_by_id=actor.id, created_at=now, updated_at=now)
    _apply_module_input(module, data, actor=actor)
    db.session.add(module)
    db.session.flush()
    return module


def update_module(actor: User, module: Module, data: ModuleInput, *, now: datetime) -> Module:
    """Change a module; published modules change at once (issued certificates keep their copy)."""
    _require_edit(actor, module)
    _apply_module_input(module, data, actor=actor)
    module.updated_at = now
    db.session.flush()
    return module


MODULE_TRANSITIONS = {
    ModuleState.DRAFT: {ModuleState.PUBLISHED, ModuleState.ARCHIVED},
    ModuleState.PUBLISHED: {ModuleState.ARCHIVED},
    ModuleState.ARCHIVED: {ModuleState.PUBLISHED},
}


def set_module_state(actor: User, module: Module, state: str, *, now: datetime) -> None:
    """Publish or archive a module. Archiving waits until no upcoming offering is left.

    A module that is another module's prerequisite may be archived: from then on it stops blocking
    enrolment there (nobody can take it any more, so it could only lock people out) and is no longer
    shown as a prerequisite. The link stays, so publishing the module again makes it count again.
    """
    _require_edit(actor, module)
    state = ModuleState(state)
    if state not in MODULE_TRANSITIONS[ModuleState(module.state)]:
        raise Conflict(_l("Dieser Statuswechsel ist nicht möglich."))
    if state == ModuleState.ARCHIVED and db.session.scalar(
        select(func.count(Offering.id)).where(
            Offering.module_id == module.id, Offering.state != OfferingState.CANCELLED,
            or_(Offering.last_ends_at.is_(None), Offering.last_ends_at > now),
        )
    ):
        raise Conflict(_l("Das Modul hat noch laufende oder geplante Durchführungen. Bitte sagen Sie diese zuerst ab."))
    module.state = state
    module.updated_at = now
    db.session.flush()


# --- offerings ------------------------------------------------------------------------------

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


def _lock_offering(offering: Offering) -> None:
    """Serialise changes to one offering's seats and queue until the transaction ends, and reread
    the offering: what follows sees every change committed before the lock was granted.

    PostgreSQL takes the row lock (statements after it see rows committed meanwhile, also under READ
    COMMITTED). SQLite has no row locks: a write takes the database's write lock, so a write that
    changes nothing stands in for it; the reads after it cannot miss a commit.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            update(Offering).where(Offering.id == offering.id).values(seats_taken=Offering.seats_taken)
            .execution_options(synchronize_session=False)
        )
    else:
        db.session.execute(select(Offering.id).where(Offering.id == offering.id).with_for_update())
    db.session.refresh(offering, attribute_names=[
        "seats_taken", "capacity", "state", "registration_deadline", "registration_closed", "moderated",
        "first_starts_at", "last_ends_at",
    ])
    dates = db.session.scalars(
        select(OfferingDate).where(OfferingDate.offering_id == offering.id).order_by(OfferingDate.starts_at)
        .execution_options(populate_existing=True)  # also overwrite dates this session loaded before
    ).all()
    set_committed_value(offering, "dates", list(dates))


QUEUE_STEP = timedelta(microseconds=1)


def _queue_time(offering: Offering, *, now: datetime) -> datetime:
    """The place at the end of the offering's line, to be called under `_lock_offering`: *now*, or
    just after the latest place given if that is later (a request whose clock ran earlier but whose
    turn came later still queues behind)."""
    latest = db.session.scalar(select(func.max(Enrolment.queued_at)).where(Enrolment.offering_id == offering.id))
    return now if latest is None or latest < now else latest + QUEUE_STEP


# --- enrolment ------------------------------------------------------------------------------

_CURRENT = object()  # "the status the enrolment has now", as opposed to None for a new enrolment


def enrolment_for(user: User, offering: Offering) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment).where(Enrolment.offering_id == offering.id, Enrolment.user_id == user.id)
    )


def completed_module_ids(user: User) -> set[int]:
    return set(db.session.scalars(
        select(Completion.module_id).where(Completion.user_id == user.id, Completion.revoked_at.is_(None))
    ))


def missing_prerequisites(user: User, module: Module) -> list[Module]:
    """The published prerequisites of *module* that *user* has not completed (drafts and archived
    modules never block)."""
    done = completed_module_ids(user)
    return [required for required in module.published_prerequisites if required.id not in done]


def is_admitted(user: User, offering: Offering) -> bool:
    return db.session.scalar(
        select(Admission.id).where(Admission.offering_id == offering.id, Admission.user_id == user.id)
    ) is not None


def other_place_in_module(user: User, offering: Offering, *, now: datetime) -> Enrolment | None:
    """The person's active place (requested, waitlisted, enrolled) in another offering of the same
    module that is neither cancelled nor over: one such place at a time."""
    return db.session.scalar(
        select(Enrolment).join(Offering, Enrolment.offering_id == Offering.id)
        .where(Enrolment.user_id == user.id, Enrolment.status.in_(ACTIVE_STATUSES),
               Offering.module_id == offering.module_id, Offering.id != offering.id,
               Offering.state != OfferingState.CANCELLED,
               or_(Offering.last_ends_at.is_(None), Offering.last_ends_at > now))
        .order_by(Offering.first_starts_at, Offering.id).limit(1)
    )


def modules_in_progress(user: User, *, now: datetime) -> set[int]:
    """The modules in which *user* holds an active place in an offering that is neither cancelled
    nor over (see `other_place_in_module`)."""
    return set(db.session.scalars(
        select(Offering.module_id).join(Enrolment, Enrolment.offering_id == Offering.id)
        .where(Enrolment.user_id == user.id, Enrolment.status.in_(ACTIVE_STATUSES),
               Offering.state != OfferingState.CANCELLED,
               or_(Offering.last_ends_at.is_(None), Offering.last_ends_at > now))
    ))


def admitted_offering_ids(user: User) -> set[int]:
    return set(db.session.scalars(select(Admission.offering_id).where(Admission.user_id == user.id)))


def _check_open_to(user: User, offering: Offering, *, now: datetime) -> None:
    """What a sign-up and a request for admission both need: the right role, an open registration,
    the target group and no other place in the same module."""
    if not user.is_active or not user.has_role(Role.COORDINATOR, Role.PARTNER, Role.EXPERT):
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
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(User).where(User.id == user.id).values(id=User.id)
                           .execution_options(synchronize_session=False))
    else:
        db.session.execute(select(User.id).where(User.id == user.id).with_for_update())


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
    enrolment = enrolment_for(user, offering)
    if enrolment is not None and enrolment.is_active:
        raise AlreadyEnrolled()
    queued_at = _queue_time(offering, now=now)
    if enrolment is None:
        enrolment = Enrolment(offering=offering, user=user, status=EnrolmentStatus.REQUESTED, queued_at=queued_at,
                              created_at=now, updated_at=now)
        db.session.add(enrolment)
        db.session.flush()  # the unique (offering, user) constraint stops a parallel double sign-up here
        previous = None
    else:
        previous = enrolment.status
        enrolment.queued_at = queued_at
    if offering.moderated and not by_trainer:
        _record(enrolment, EnrolmentStatus.REQUESTED, actor=actor, now=now, previous=previous)
        _notify(enrolment, "request_received", now=now)
    else:
        _place(enrolment, actor=actor, now=now, previous=previous,
               reason=(reason.strip() or _l("durch Referent*in hinzugefügt")) if by_trainer else "")
    return enrolment


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
    enrolment = enrolment_for(user, offering)
    if enrolment is not None and enrolment.is_active:
        raise AlreadyEnrolled()
    reason = _l("Zulassung angefragt, es fehlt: %(titles)s", titles=", ".join(module.title for module in missing))
    queued_at = _queue_time(offering, now=now)
    if enrolment is None:
        enrolment = Enrolment(offering=offering, user=user, status=EnrolmentStatus.REQUESTED, queued_at=queued_at,
                              created_at=now, updated_at=now)
        db.session.add(enrolment)
        db.session.flush()
        previous = None
    else:
        previous = enrolment.status
        enrolment.queued_at = queued_at
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


def _place(enrolment: Enrolment, *, actor: User, now: datetime, previous=_CURRENT, reason="") -> None:
    """Give *enrolment* a seat if one is free and nobody waits, else put it on the waitlist.

    The caller holds `_lock_offering` and gave *enrolment* the last place in line, so the position
    stated in the waitlist mail is the one the database holds at commit (see the module docstring).
    """
    offering = enrolment.offering
    nobody_waiting = db.session.scalar(
        select(func.count(Enrolment.id)).where(
            Enrolment.offering_id == offering.id, Enrolment.status == EnrolmentStatus.WAITLISTED,
            Enrolment.id != enrolment.id,
        )
    ) == 0
    if nobody_waiting and _take_seat(offering):
        _record(enrolment, EnrolmentStatus.ENROLLED, actor=actor, now=now, previous=previous, reason=reason)
        _notify(enrolment, "enrolled", now=now, method="REQUEST")
    else:
        _record(enrolment, EnrolmentStatus.WAITLISTED, actor=actor, now=now, previous=previous, reason=reason)
        _notify(enrolment, "waitlisted", now=now, position=waitlist_position(enrolment))


def _take_seat(offering: Offering) -> bool:
    """Take one seat if one is free: a single conditional update, safe under concurrency."""
    taken = db.session.execute(
        update(Offering)
        .where(Offering.id == offering.id, Offering.seats_taken < Offering.capacity)
        .values(seats_taken=Offering.seats_taken + 1)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.expire(offering, ["seats_taken"])
    return taken


def _release_seat(offering: Offering) -> None:
    db.session.execute(
        update(Offering)
        .where(Offering.id == offering.id, Offering.seats_taken > 0)
        .values(seats_taken=Offering.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(offering, ["seats_taken"])


def _record(enrolment: Enrolment, to: EnrolmentStatus, *, actor: User | None, now: datetime, reason="",
            previous=_CURRENT) -> None:
    """Change the status and write the history row."""
    from_status = enrolment.status if previous is _CURRENT else previous
    enrolment.status = to
    enrolment.updated_at = now
    db.session.add(EnrolmentEvent(
        enrolment_id=enrolment.id, from_status=from_status, to_status=to, at=now,
        actor_id=actor.id if actor else None, reason=str(reason)[:500],
    ))
    db.session.flush()


def _claim_status(enrolment: Enrolment, expected: str, to: EnrolmentStatus, *, actor: User | None,
                  now: datetime, reason="", freed_by: Enrolment | None = None) -> bool:
    """Move *enrolment* from *expected* to *to* unless someone else changed it first. *actor* None
    is the system; *freed_by* the enrolment whose seat it took."""
    changed = db.session.execute(
        update(Enrolment)
        .where(Enrolment.id == enrolment.id, Enrolment.status == expected)
        .values(status=to, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if changed:
        db.session.add(EnrolmentEvent(
            enrolment_id=enrolment.id, from_status=expected, to_status=to, at=now,
            actor_id=actor.id if actor else None, reason=str(reason)[:500],
            freed_by_id=freed_by.id if freed_by else None,
        ))
        db.session.flush()
    db.session.expire(enrolment, ["status", "updated_at"])
    return changed


def _next_waiting(offering: Offering) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment)
        .where(Enrolment.offering_id == offering.id, Enrolment.status == EnrolmentStatus.WAITLISTED)
        .order_by(Enrolment.queued_at, Enrolment.id)
        .limit(1)
    )


def _hand_on_seat(offering: Offering, *, freed_by: Enrolment, cause, now: datetime) -> None:
    """A seat became free: the first on the waitlist gets it, unless the offering has started.

    The move is the system's (no person made it), and its history row says why: *cause*, and the
    enrolment that gave the seat back (the page shows that person's name to the trainers)."""
    while not offering.has_started(now) and offering.state != OfferingState.CANCELLED:
        candidate = _next_waiting(offering)
        if candidate is None:
            break
        if _claim_status(candidate, EnrolmentStatus.WAITLISTED, EnrolmentStatus.ENROLLED, actor=None, now=now,
                         reason=cause, freed_by=freed_by):
            _notify(candidate, "promoted", now=now, method="REQUEST")
            return
    _release_seat(offering)


def _fill_free_seats(offering: Offering, *, now: datetime) -> None:
    """After a capacity increase: the system promotes from the waitlist while seats are free."""
    if offering.has_started(now):
        return
    while (candidate := _next_waiting(offering)) is not None and _take_seat(offering):
        if _claim_status(candidate, EnrolmentStatus.WAITLISTED, EnrolmentStatus.ENROLLED, actor=None, now=now,
                         reason=_l("Platz frei geworden: mehr Plätze in der Durchführung")):
            _notify(candidate, "promoted", now=now, method="REQUEST")
        else:
            _release_seat(offering)


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
            or_(Enrolment.queued_at < enrolment.queued_at,
                and_(Enrolment.queued_at == enrolment.queued_at, Enrolment.id < enrolment.id)),
        )
    )
    if earlier:
        raise Conflict(_l("Bitte bearbeiten Sie zuerst die früheren Anfragen: niemand überholt die Warteliste."))
    enrolment.queued_at = _queue_time(enrolment.offering, now=now)
    _place(enrolment, actor=actor, now=now, reason=_l("Anfrage angenommen"))


def decline_request(actor: User, enrolment: Enrolment, *, reason: str, now: datetime) -> None:
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


def waitlist_position(enrolment: Enrolment) -> int | None:
    """1 for the first in line; None when not on the waitlist."""
    if enrolment.status != EnrolmentStatus.WAITLISTED:
        return None
    return 1 + db.session.scalar(
        select(func.count(Enrolment.id)).where(
            Enrolment.offering_id == enrolment.offering_id, Enrolment.status == EnrolmentStatus.WAITLISTED,
            or_(Enrolment.queued_at < enrolment.queued_at,
                and_(Enrolment.queued_at == enrolment.queued_at, Enrolment.id < enrolment.id)),
        )
    )


# --- attendance, completion, certificates ---------------------------------------------------

def record_attendance(actor: User, offering: Offering, marks: dict[tuple[int, int], bool], *,
                      now: datetime) -> None:
    """Record who was present at which date, then settle completions.

    *marks* maps (enrolment id, date id) to presence. Only enrolled participants and dates that
    have begun can be marked. The offering's lock makes a form sent twice at once save once.
    """
    _require_manage(actor, offering)
    _lock_offering(offering)
    dates = {date.id: date for date in offering.dates}
    enrolments = {
        e.id: e for e in db.session.scalars(
            select(Enrolment).where(Enrolment.offering_id == offering.id, Enrolment.status == EnrolmentStatus.ENROLLED)
        )
    }
    if any(eid not in enrolments or did not in dates for eid, did in marks):
        raise DomainError(_l("Die Anwesenheit kann nur für Teilnehmende mit Platz und Termine dieser Durchführung erfasst werden."))
    if any(dates[did].starts_at > now for _eid, did in marks):
        raise DomainError(_l("Die Anwesenheit kann erst ab Beginn eines Termins erfasst werden."))
    existing = {
        (a.enrolment_id, a.date_id): a for a in db.session.scalars(
            select(Attendance).where(Attendance.date_id.in_(dates))
        )
    }
    for key, present in marks.items():
        row = existing.get(key)
        if row is None:
            db.session.add(Attendance(enrolment_id=key[0], date_id=key[1], present=present, recorded_by_id=actor.id,
                                      recorded_at=now))
        elif row.present != present:
            row.present, row.recorded_by_id, row.recorded_at = present, actor.id, now
    db.session.flush()
    for enrolment_id in {eid for eid, _did in marks}:
        _settle_completion(enrolments[enrolment_id], now=now)


def attendance_map(offering: Offering) -> dict[tuple[int, int], bool]:
    return {
        (a.enrolment_id, a.date_id): a.present for a in db.session.scalars(
            select(Attendance).where(Attendance.date_id.in_([d.id for d in offering.dates]))
        )
    }


def required_dates(offering: Offering) -> int:
    return max(1, math.ceil(len(offering.dates) * offering.module.required_attendance / 100))


def _settle_completion(enrolment: Enrolment, *, now: datetime) -> None:
    """Create or revoke the completion so that it matches the recorded attendance."""
    offering = enrolment.offering
    attended = [
        date for date in offering.dates
        if db.session.scalar(select(Attendance.present).where(
            Attendance.enrolment_id == enrolment.id, Attendance.date_id == date.id))
    ]
    completion = db.session.scalar(
        select(Completion).where(Completion.user_id == enrolment.user_id, Completion.offering_id == offering.id,
                                 Completion.revoked_at.is_(None))
    )
    complete = len(attended) >= required_dates(offering)
    if complete and completion is None:
        module = offering.module
        completion = Completion(
            user_id=enrolment.user_id, module=module, offering_id=offering.id,
            completed_on=max(date.ends_at for date in attended), teaching_units=module.teaching_units,
            dimension=module.dimension, recorded_at=now,
        )
        db.session.add(completion)
        db.session.flush()
        _issue_certificate(completion, enrolment.user, attended, now=now)
        completion_recorded.send(completion, user=enrolment.user, module=module, completed_at=completion.completed_on)
    elif not complete and completion is not None:
        completion.revoked_at = now
        if completion.certificate is not None:
            completion.certificate.revoked_at = now
        db.session.flush()
        completion_revoked.send(completion, user=enrolment.user, module=completion.module,
                                completed_at=completion.completed_on)


def _date_line(date: OfferingDate) -> str:
    day = format_datetime(date.starts_at, "EEE, dd.MM.yyyy", tzinfo=BERLIN, locale="de")
    start = format_time(date.starts_at, "HH:mm", tzinfo=BERLIN, locale="de")
    end = format_time(date.ends_at, "HH:mm", tzinfo=BERLIN, locale="de")
    return f"{day}, {start}–{end} Uhr"


def _issue_certificate(completion: Completion, user: User, attended: list[OfferingDate], *,
                       now: datetime) -> Certificate:
    module = completion.module
    certificate = Certificate(
        number=f"vorläufig-{secrets.token_hex(6)}", verification_token=secrets.token_urlsafe(24),
        completion_id=completion.id, user_id=user.id, holder_name=user.name, module_title=module.title,
        module_code=module.code or "", dimension=module.dimension,
        dates_text="\n".join(_date_line(date) for date in attended), teaching_units=module.teaching_units,
        issuer=current_app.config["CERTIFICATE_ISSUER"], issued_at=now,
    )
    db.session.add(certificate)
    db.session.flush()
    certificate.number = f"TB-{now:%Y}-{certificate.id:05d}"
    db.session.flush()
    return certificate


def modules_using(instrument: Instrument) -> list[Module]:
    """Published modules that list *instrument* as course material."""
    return list(db.session.scalars(
        select(Module).join(module_material, module_material.c.module_id == Module.id)
        .where(module_material.c.instrument_id == instrument.id, Module.state == ModuleState.PUBLISHED)
        .order_by(Module.title)
    ))


def completions_for(user: User) -> list[Completion]:
    """The modules *user* has completed (newest first): the evidence for competence profiles."""
    return list(db.session.scalars(
        select(Completion).where(Completion.user_id == user.id, Completion.revoked_at.is_(None))
        .order_by(Completion.completed_on.desc())
    ).unique())


def completions_of(offering: Offering) -> list[Completion]:
    return list(db.session.scalars(
        select(Completion).where(Completion.offering_id == offering.id, Completion.revoked_at.is_(None))
    ).unique())


def units_by_dimension(user: User) -> dict[str, int]:
    rows = db.session.execute(
        select(Completion.dimension, func.sum(Completion.teaching_units))
        .where(Completion.user_id == user.id, Completion.revoked_at.is_(None))
        .group_by(Completion.dimension)
    ).all()
    totals = {dimension.value: 0 for dimension in Dimension}
    totals.update({dimension: int(total) for dimension, total in rows})
    return totals


def certificate_by_token(token: str) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.verification_token == token))


def _folded_name(name: str) -> str:
    return " ".join(name.casefold().split())


def certificate_by_number(number: str, holder_name: str) -> Certificate | None:
    """The certificate a reader holds in hand: its number and the name on it must both match.

    Numbers count up (TB-2026-17), so a number alone would let anyone list who completed what; the
    name printed on the certificate is the second key. Case and spacing of either do not matter."""
    certificate = db.session.scalar(select(Certificate).where(
        func.upper(Certificate.number) == " ".join(number.split()).upper()))
    if certificate is None or _folded_name(certificate.holder_name) != _folded_name(holder_name):
        return None
    return certificate


# --- mail and scheduled work ----------------------------------------------------------------

#
# Invitations (RFC 5546 iTIP). A person holds an offering's dates in their calendar exactly while
# their enrolment has a seat: the "enrolled" and "promoted" mails carry METHOD:REQUEST (CONFIRMED,
# PARTSTAT ACCEPTED); a withdrawal, a removal or a cancelled offering carries METHOD:CANCEL for the
# same UIDs (`offering-date-<id>@<domain>`, as in the feeds). Waitlist and request mails carry none;
# trainers get none either, their private feed shows what they teach.
#
# One iTIP object holds exactly one event: Outlook and Google read only the first of several. So
# the status mail carries the offering's first date that has not ended yet, and each further one
# gets a short mail of its own (date_invitation, date_cancelled). Dates already over get nothing.
#
# SEQUENCE is the date's own plus the number of status changes of the person's enrolment, and
# DTSTAMP moves with the enrolment's last change: what the private feed writes
# (`lms.kalender.services.events`), so feed and mail agree and every later message counts higher.

INVITATION_TEMPLATES = {"REQUEST": "date_invitation", "CANCEL": "date_cancelled"}


def _status_changes(enrolment: Enrolment) -> int:
    return db.session.scalar(select(func.count(EnrolmentEvent.id)).where(EnrolmentEvent.enrolment_id == enrolment.id))


def _participants(offering: Offering) -> list[tuple[Enrolment, int]]:
    """The offering's enrolled participants who do not teach it, each with its number of status changes."""
    changes = (select(func.count(EnrolmentEvent.id)).where(EnrolmentEvent.enrolment_id == Enrolment.id)
               .correlate(Enrolment).scalar_subquery())
    rows = db.session.execute(
        select(Enrolment, changes)
        .where(Enrolment.offering_id == offering.id, Enrolment.status == EnrolmentStatus.ENROLLED)
        .order_by(Enrolment.id)
    ).all()
    return [(enrolment, count) for enrolment, count in rows if not offering.is_trainer(enrolment.user)]


def _invitation(enrolment: Enrolment, date: OfferingDate, method: str, *, changes: int,
                dropped: bool = False) -> str:
    """The iTIP text of one date for *enrolment*'s person, with *changes* the enrolment's status changes.

    A CANCEL of a withdrawal or removal marks the person's answer DECLINED; a cancelled offering or a
    *dropped* date (removed from the offering) is CANCELLED for everyone, the person's answer unchanged.
    """
    withdrawn = method == "CANCEL" and not dropped and date.offering.state != OfferingState.CANCELLED
    event = date_event(date, withdrawn=withdrawn, extra_sequence=changes, changed=enrolment.updated_at,
                       attendee=enrolment.user)
    if dropped:
        event = replace(event, status="CANCELLED")
    return build_calendar([event], method=method).decode()


def _date_mail(enrolment: Enrolment, offering: Offering, date: OfferingDate, method: str, calendar: str, *,
               now: datetime, changed: bool = False) -> None:
    """A short mail carrying one date's invitation (REQUEST) or its cancellation (CANCEL).

    *offering* is given because a date removed from it no longer points to it.
    """
    user = enrolment.user
    queue_mail(
        recipient=user.email, template=f"module/{INVITATION_TEMPLATES[method]}", locale=user.locale, now=now,
        user=user, offering=offering, module=offering.module, date=date, changed=changed,
        link=external_url("module.offering", offering_id=offering.id), calendar=calendar, calendar_method=method,
    )


def _notify(enrolment: Enrolment, template: str, *, now: datetime, method: str | None = None, **context) -> None:
    """Mail *enrolment*'s person; with *method* ("REQUEST" or "CANCEL") also the upcoming dates'
    invitations: the first in this mail, each further one in a mail of its own."""
    offering = enrolment.offering
    user = enrolment.user
    upcoming = []
    if method and not offering.is_trainer(user):
        upcoming = sorted((date for date in offering.dates if date.ends_at > now), key=lambda date: date.starts_at)
    changes = _status_changes(enrolment) if upcoming else 0
    calendars = [_invitation(enrolment, date, method, changes=changes) for date in upcoming]
    queue_mail(
        recipient=user.email, template=f"module/{template}", locale=user.locale, now=now,
        user=user, offering=offering, module=offering.module,
        link=external_url("module.offering", offering_id=offering.id),
        calendar=calendars[0] if calendars else None, calendar_method=method if calendars else None, **context,
    )
    for date, calendar in zip(upcoming[1:], calendars[1:]):
        _date_mail(enrolment, offering, date, method, calendar, now=now)


def close_due_registrations(*, now: datetime) -> int:
    """Mark open offerings whose deadline has passed; the enrol service checks the deadline anyway."""
    return db.session.execute(
        update(Offering)
        .where(Offering.registration_closed.is_(False), Offering.registration_deadline <= now)
        .values(registration_closed=True)
        .execution_options(synchronize_session=False)
    ).rowcount


REMINDER_LEAD = 24  # hours before a date


def send_date_reminders(*, now: datetime) -> int:
    """Queue the reminder for each date starting within a day, once per date (claimed by update).

    Each date is claimed under its offering's lock and only while it is still due, so a date moved
    or an offering cancelled meanwhile is seen, and the mail states the time the database holds.
    """
    window = (OfferingDate.starts_at > now, OfferingDate.starts_at <= now + timedelta(hours=REMINDER_LEAD))
    due = db.session.scalars(
        select(OfferingDate)
        .join(Offering)
        .where(OfferingDate.reminder_sent_at.is_(None), *window, Offering.state != OfferingState.CANCELLED)
    ).all()
    sent = 0
    for date in due:
        offering = date.offering
        _lock_offering(offering)  # also rereads the offering's dates, this one included
        if offering.state == OfferingState.CANCELLED:
            continue
        claimed = db.session.execute(
            update(OfferingDate)
            .where(OfferingDate.id == date.id, OfferingDate.reminder_sent_at.is_(None), *window)
            .values(reminder_sent_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount == 1
        if not claimed:
            continue
        participants = db.session.scalars(
            select(Enrolment).where(Enrolment.offering_id == date.offering_id,
                                    Enrolment.status == EnrolmentStatus.ENROLLED)
        ).all()
        for enrolment in participants:
            _notify(enrolment, "reminder", now=now, date=date)
            sent += 1
    db.session.flush()
    return sent

