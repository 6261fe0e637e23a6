"""The rules of expert consultation: profiles, availability, booking, changes, reminders, retention.

A slot is taken once: besides the checks here, a partial unique index over the slot-holding
bookings makes the database refuse a second one, so parallel bookers cannot both win. Case content
is read only through `read_case`, which checks need-to-know and writes the audit log.
"""
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_ngettext
from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import raiseload

from lms.auth.models import Role, User, UserRole
from lms.auth.permissions import ensure_role
from lms.beratung import guard
from lms.beratung import slots as slot_rules
from lms.beratung.catalogue import (
    AGE_BANDS,
    BOOKABLE_TYPES,
    CONCERNS,
    CONSULTATION_TYPES,
    FORMAT_LABELS,
    RESULTS,
    SETTINGS,
    SLOT_LENGTHS,
    URGENCIES,
)
from lms.beratung.ical import invitation
from lms.beratung.models import (
    HOLDING,
    Absence,
    AvailabilityWindow,
    CaseAccess,
    CaseContent,
    Consultation,
    ConsultationStatus,
    ExpertAttribute,
    ExpertProfile,
    SlotWatch,
)
from lms.beratung.slots import Rules, Slot
from lms.errors import Conflict, DomainError, NotFound, PermissionDenied
from lms.extensions import db
from lms.i18n import _l
from lms.ical import BERLIN
from lms.links import external_url
from lms.notifications.services import queue_mail

BOOKER_ROLES = (Role.PARTNER, Role.COORDINATOR)
VIGNETTE_MAX = 1000
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out on the phone


class SlotUnavailable(DomainError):
    """The chosen time cannot be booked; *alternatives* are the next free slots of the expert."""

    def __init__(self, message, alternatives: list[Slot] = ()):
        self.alternatives = list(alternatives)
        super().__init__(message)


class IdentifiersFound(DomainError):
    """A free text holds what may identify a person; nothing was saved. *findings* are all of the
    text's findings, *open_findings* those still in the way (blocked, or not confirmed)."""

    def __init__(self, field: str, text: str, findings: list[guard.Finding], confirmed: frozenset[str]):
        self.field, self.text, self.findings, self.confirmed = field, text, findings, confirmed
        self.open_findings = [finding for finding in findings if finding.blocked or finding.key not in confirmed]
        super().__init__(_l("Nichts wurde gespeichert: Das Feld „%(field)s“ enthält Angaben, die eine Person "
                            "erkennbar machen können.", field=field))

    @property
    def unique(self) -> list[guard.Finding]:
        return guard.unique(self.findings)

    @property
    def marked(self) -> list[tuple[str, guard.Finding | None]]:
        return guard.marked(self.text, self.findings)


def check_free_text(text: str, *, field, confirmed=frozenset()) -> None:
    """Refuse *text* while it holds a blocked identifier or an unconfirmed finding (see guard)."""
    confirmed = frozenset(confirmed)
    findings = guard.find_identifiers(text)
    if any(finding.blocked or finding.key not in confirmed for finding in findings):
        raise IdentifiersFound(str(field), text, findings, confirmed)


# --- profiles -------------------------------------------------------------------------------

@dataclass
class ProfileInput:
    introduction: str
    specialisations: str
    languages: str
    place: str
    phone: str
    video_link: str
    auto_confirm: bool
    slot_minutes: int
    buffer_minutes: int
    notice_minutes: int
    horizon_days: int
    max_per_day: int | None
    published: bool
    types: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)
    region_ids: list[int] = field(default_factory=list)


def profile_of(expert: User) -> ExpertProfile | None:
    return db.session.scalar(select(ExpertProfile).where(ExpertProfile.user_id == expert.id))


def _require_self_or_admin(actor: User, expert: User) -> None:
    if actor.id != expert.id and not actor.has_role(Role.ADMIN):
        raise PermissionDenied()
    ensure_role(expert, Role.EXPERT)


def save_profile(actor: User, expert: User, data: ProfileInput, *, now: datetime) -> ExpertProfile:
    """Create or update the expert's profile; only the expert or an admin may."""
    _require_self_or_admin(actor, expert)
    if data.slot_minutes not in SLOT_LENGTHS:
        raise DomainError(_l("Bitte wählen Sie eine Terminlänge von 30, 45, 60 oder 90 Minuten."))
    if not data.types or set(data.types) - set(BOOKABLE_TYPES):
        raise DomainError(_l("Bitte wählen Sie mindestens eine buchbare Beratungsart."))
    if not data.formats or set(data.formats) - set(FORMAT_LABELS):
        raise DomainError(_l("Bitte wählen Sie mindestens ein Format."))
    needs = {"in_person": (data.place, _l("Für Beratungen vor Ort geben Sie bitte den Ort an.")),
             "phone": (data.phone, _l("Für telefonische Beratungen geben Sie bitte eine Telefonnummer an.")),
             "video": (data.video_link, _l("Für Videoberatungen geben Sie bitte den Link an."))}
    for code in data.formats:
        if not needs[code][0].strip():
            raise DomainError(needs[code][1])
    profile = profile_of(expert) or ExpertProfile(user_id=expert.id)
    for name in ("introduction", "specialisations", "languages", "place", "phone", "video_link"):
        setattr(profile, name, getattr(data, name).strip())
    profile.auto_confirm, profile.slot_minutes = data.auto_confirm, data.slot_minutes
    profile.buffer_minutes, profile.notice_minutes = data.buffer_minutes, data.notice_minutes
    profile.horizon_days, profile.max_per_day, profile.published = data.horizon_days, data.max_per_day, data.published
    profile.updated_at = now
    wanted = {("type", code) for code in data.types} | {("format", code) for code in data.formats} | \
        {("sector", code) for code in data.sectors} | {("region", str(region)) for region in data.region_ids}
    profile.attributes = [row for row in profile.attributes if (row.kind, row.value) in wanted] + [
        ExpertAttribute(kind=kind, value=value) for kind, value in sorted(wanted)
        if not any((row.kind, row.value) == (kind, value) for row in profile.attributes)
    ]
    db.session.add(profile)
    db.session.flush()
    return profile


def rules_of(profile: ExpertProfile) -> Rules:
    return Rules(profile.slot_minutes, profile.buffer_minutes, profile.notice_minutes, profile.horizon_days,
                 profile.max_per_day)


# --- availability ---------------------------------------------------------------------------

@dataclass
class WindowInput:
    start_time: time
    end_time: time
    weekday: int | None = None
    day: date | None = None
    valid_from: date | None = None
    valid_until: date | None = None


def windows_of(expert: User) -> list[AvailabilityWindow]:
    return list(db.session.scalars(select(AvailabilityWindow).where(AvailabilityWindow.expert_id == expert.id)
                                   .order_by(AvailabilityWindow.day.is_not(None), AvailabilityWindow.weekday,
                                             AvailabilityWindow.day, AvailabilityWindow.start_time)))


def absences_of(expert: User) -> list[Absence]:
    return list(db.session.scalars(select(Absence).where(Absence.expert_id == expert.id)
                                   .order_by(Absence.first_day)))


def _periods_overlap(a_from, a_until, b_from, b_until) -> bool:
    return (a_from or date.min) <= (b_until or date.max) and (b_from or date.min) <= (a_until or date.max)


def _windows_clash(new: AvailabilityWindow, old: AvailabilityWindow) -> bool:
    if not (new.start_time < old.end_time and old.start_time < new.end_time):
        return False
    if new.day is not None and old.day is not None:
        return new.day == old.day
    if new.day is not None:
        return old.applies_on(new.day)
    if old.day is not None:
        return new.applies_on(old.day)
    return new.weekday == old.weekday and _periods_overlap(new.valid_from, new.valid_until,
                                                         old.valid_from, old.valid_until)


def add_window(actor: User, expert: User, data: WindowInput, *, now: datetime) -> AvailabilityWindow:
    """Add a weekly or one-off window; it must end after it starts and overlap no other window."""
    _require_self_or_admin(actor, expert)
    if (data.weekday is None) == (data.day is None) or data.weekday not in (None, *range(7)):
        raise DomainError(_l("Bitte wählen Sie entweder einen Wochentag oder ein Datum."))
    if data.end_time <= data.start_time:
        raise DomainError(_l("Das Zeitfenster muss nach seinem Beginn enden."))
    if data.valid_from and data.valid_until and data.valid_until < data.valid_from:
        raise DomainError(_l("Das Ende der Gültigkeit liegt vor ihrem Beginn."))
    if data.day is not None and data.day < now.astimezone(BERLIN).date():
        raise DomainError(_l("Das Datum liegt in der Vergangenheit."))
    window = AvailabilityWindow(
        expert_id=expert.id, weekday=data.weekday, day=data.day, start_time=data.start_time, end_time=data.end_time,
        valid_from=data.valid_from if data.day is None else None,
        valid_until=data.valid_until if data.day is None else None, created_at=now,
    )
    if any(_windows_clash(window, other) for other in windows_of(expert)):
        raise Conflict(_l("Das Zeitfenster überschneidet sich mit einem bestehenden Zeitfenster."))
    db.session.add(window)
    _touch(expert, now)
    db.session.flush()
    return window


def remove_window(actor: User, window: AvailabilityWindow, *, now: datetime) -> None:
    """Remove a window. Bookings in it stay; they show up as conflicts."""
    expert = db.session.get(User, window.expert_id)
    _require_self_or_admin(actor, expert)
    db.session.delete(window)
    _touch(expert, now)
    db.session.flush()


def add_absence(actor: User, expert: User, first_day: date, last_day: date, note: str, *,
                now: datetime) -> Absence:
    """Add an absence; it hides slots but never deletes a booking (see `conflicts`)."""
    _require_self_or_admin(actor, expert)
    if last_day < first_day:
        raise DomainError(_l("Der letzte Tag der Abwesenheit liegt vor dem ersten."))
    if last_day < now.astimezone(BERLIN).date():
        raise DomainError(_l("Die Abwesenheit liegt ganz in der Vergangenheit."))
    absence = Absence(expert_id=expert.id, first_day=first_day, last_day=last_day, note=note.strip()[:200],
                      created_at=now)
    db.session.add(absence)
    _touch(expert, now)
    db.session.flush()
    return absence


def remove_absence(actor: User, absence: Absence, *, now: datetime) -> None:
    expert = db.session.get(User, absence.expert_id)
    _require_self_or_admin(actor, expert)
    db.session.delete(absence)
    _touch(expert, now)
    db.session.flush()


def _touch(expert: User, now: datetime) -> None:
    db.session.execute(update(ExpertProfile).where(ExpertProfile.user_id == expert.id).values(updated_at=now)
                       .execution_options(synchronize_session=False))


def upcoming_bookings(expert: User, *, now: datetime) -> list[Consultation]:
    return list(db.session.scalars(
        select(Consultation).where(Consultation.expert_id == expert.id, Consultation.status.in_(HOLDING),
                                   Consultation.ends_at > now).order_by(Consultation.starts_at)))


def conflicts(expert: User, *, now: datetime) -> list[Consultation]:
    """Upcoming bookings that no longer fit the availability: on an absence day or outside every window."""
    profile = profile_of(expert)
    if profile is None:
        return []
    windows, absences = windows_of(expert), absences_of(expert)
    found = []
    for booking in upcoming_bookings(expert, now=now):
        day = booking.starts_at.astimezone(BERLIN).date()
        inside = any(window.applies_on(day) and slot_rules.berlin(day, window.start_time) <= booking.starts_at
                     and booking.ends_at <= slot_rules.berlin(day, window.end_time) for window in windows)
        if slot_rules.absent_on(absences, day) or not inside:
            found.append(booking)
    return found


# --- free slots -----------------------------------------------------------------------------

def free_slots(profile: ExpertProfile, *, first_day: date, last_day: date, now: datetime,
               ignore: Consultation | None = None) -> list[Slot]:
    """The expert's free slots between two Berlin days; *ignore* is a booking being moved."""
    bookings = [booking for booking in upcoming_bookings(profile.user, now=now - timedelta(days=1))
                if ignore is None or booking.id != ignore.id]
    return slot_rules.free_slots(windows_of(profile.user), absences_of(profile.user), bookings, rules_of(profile),
                                 first_day=first_day, last_day=last_day, now=now)


def next_free_slots(profile: ExpertProfile, *, now: datetime, limit: int = 3,
                    ignore: Consultation | None = None) -> list[Slot]:
    today = now.astimezone(BERLIN).date()
    return free_slots(profile, first_day=today, last_day=today + timedelta(days=profile.horizon_days),
                      now=now, ignore=ignore)[:limit]


def next_free_slot_by_expert(profiles: list[ExpertProfile], *, now: datetime) -> dict[int, Slot | None]:
    """The first free slot of each profile, from three queries however many experts there are."""
    ids = [profile.user_id for profile in profiles]
    windows, absences, bookings = {i: [] for i in ids}, {i: [] for i in ids}, {i: [] for i in ids}
    for window in db.session.scalars(select(AvailabilityWindow).where(AvailabilityWindow.expert_id.in_(ids))):
        windows[window.expert_id].append(window)
    for absence in db.session.scalars(select(Absence).where(Absence.expert_id.in_(ids))):
        absences[absence.expert_id].append(absence)
    for booking in db.session.execute(
            select(Consultation.expert_id, Consultation.starts_at, Consultation.ends_at)
            .where(Consultation.expert_id.in_(ids), Consultation.status.in_(HOLDING),
                   Consultation.ends_at > now - timedelta(days=1))):
        bookings[booking.expert_id].append(booking)
    today = now.astimezone(BERLIN).date()
    result = {}
    for profile in profiles:
        found = slot_rules.free_slots(
            windows[profile.user_id], absences[profile.user_id], bookings[profile.user_id], rules_of(profile),
            first_day=today, last_day=today + timedelta(days=profile.horizon_days), now=now)
        result[profile.user_id] = found[0] if found else None
    return result


def check_slot(profile: ExpertProfile, starts_at: datetime, *, now: datetime,
               ignore: Consultation | None = None) -> Slot:
    """The slot starting at *starts_at*, or a German reason why it cannot be booked."""
    rules = rules_of(profile)
    earliest, latest = slot_rules.bookable_window(rules, now)
    day = starts_at.astimezone(BERLIN).date()
    if starts_at <= now:
        raise SlotUnavailable(_l("Der gewählte Termin liegt in der Vergangenheit."))
    if starts_at < earliest:
        raise SlotUnavailable(_l("Der Termin ist zu kurzfristig: Buchungen sind bis %(hours)s Stunden vorher möglich.",
                                 hours=_hours(profile.notice_minutes)))
    if starts_at > latest:
        raise SlotUnavailable(_l("Der Termin liegt außerhalb des Buchungszeitraums von %(days)d Tagen.",
                                 days=profile.horizon_days))
    if slot_rules.absent_on(absences_of(profile.user), day):
        raise SlotUnavailable(_l("Die Fachkraft ist an diesem Tag abwesend."))
    slot = next((s for s in slot_rules.offered_slots(windows_of(profile.user), day, rules) if s.starts_at == starts_at),
                None)
    if slot is None:
        raise SlotUnavailable(_l("Zu dieser Zeit bietet die Fachkraft keine Beratung an."))
    bookings = [b for b in upcoming_bookings(profile.user, now=now - timedelta(days=1))
                if ignore is None or b.id != ignore.id]
    if slot_rules.collides(slot, bookings, timedelta(minutes=rules.buffer_minutes)):
        raise SlotUnavailable(_l("Dieser Termin ist bereits vergeben."))
    if rules.max_per_day is not None and sum(
            b.starts_at.astimezone(BERLIN).date() == day for b in bookings) >= rules.max_per_day:
        raise SlotUnavailable(_l("Die Fachkraft ist an diesem Tag bereits ausgebucht."))
    return slot


def _hours(minutes: int) -> str:
    return f"{minutes / 60:g}".replace(".", ",")


# --- finding experts ------------------------------------------------------------------------

@dataclass
class ExpertFilter:
    type_code: str = ""
    sector: str = ""
    region_id: int | None = None
    format: str = ""
    within_days: int | None = None  # a free slot within this many days


def find_experts(filters: ExpertFilter, *, now: datetime) -> list[tuple[ExpertProfile, Slot | None]]:
    """Published experts matching the filters, with their next free slot, soonest first."""
    query = (select(ExpertProfile).join(User, User.id == ExpertProfile.user_id)
             .where(ExpertProfile.published.is_(True), User.active.is_(True),
                    exists().where(UserRole.user_id == User.id, UserRole.role == Role.EXPERT)))
    for kind, value in (("type", filters.type_code), ("sector", filters.sector), ("format", filters.format),
                        ("region", str(filters.region_id) if filters.region_id else "")):
        if value:
            query = query.where(exists().where(ExpertAttribute.profile_id == ExpertProfile.id,
                                               ExpertAttribute.kind == kind, ExpertAttribute.value == value))
    profiles = list(db.session.scalars(query.order_by(User.name)))
    first_slots = next_free_slot_by_expert(profiles, now=now)
    found = [(profile, first_slots[profile.user_id]) for profile in profiles]
    if filters.within_days:
        limit = now + timedelta(days=filters.within_days)
        found = [(profile, slot) for profile, slot in found if slot and slot.starts_at <= limit]
    far = now + timedelta(days=3650)
    return sorted(found, key=lambda pair: pair[1].starts_at if pair[1] else far)


def is_bookable(profile: ExpertProfile | None) -> bool:
    """Published, and its owner still an active expert (an admin may have taken the role away)."""
    return profile is not None and profile.published and profile.user.is_active and profile.user.has_role(Role.EXPERT)


def bookable_profile(expert_id: int) -> ExpertProfile | None:
    profile = db.session.scalar(select(ExpertProfile).where(ExpertProfile.user_id == expert_id))
    return profile if is_bookable(profile) else None


# --- booking --------------------------------------------------------------------------------

@dataclass
class CaseInput:
    age_band: str = ""
    concern: str = ""
    setting: str = ""
    urgency: str = ""
    vignette: str = ""


@dataclass
class BookingInput:
    starts_at: datetime
    type_code: str
    format: str
    case: CaseInput = field(default_factory=CaseInput)
    confirmed: frozenset[str] = frozenset()  # keys of the guard's findings the booker confirmed


def _location(profile: ExpertProfile, format_code: str) -> str:
    return {"in_person": profile.place, "phone": profile.phone,
            "video": profile.video_link}[format_code]


def _check_case(kind, case: CaseInput, confirmed: frozenset[str]) -> None:
    if not kind.case_related:
        return
    for value, allowed, message in (
        (case.age_band, AGE_BANDS, _l("Bitte wählen Sie die Altersgruppe des Kindes.")),
        (case.concern, CONCERNS, _l("Bitte wählen Sie die Art der Sorge.")),
        (case.setting, SETTINGS, _l("Bitte wählen Sie das Umfeld.")),
        (case.urgency, URGENCIES, _l("Bitte wählen Sie die Dringlichkeit.")),
    ):
        if value not in allowed:
            raise DomainError(message)
    if len(case.vignette) > VIGNETTE_MAX:
        raise DomainError(_l("Die Fallvignette darf höchstens %(max)d Zeichen lang sein.", max=VIGNETTE_MAX))
    check_free_text(case.vignette, field=_l("Fallvignette"), confirmed=confirmed)


def _new_case_code(now: datetime) -> str:
    while True:
        code = f"FB-{now.astimezone(BERLIN).year}-{''.join(secrets.choice(CODE_ALPHABET) for _ in range(4))}"
        if not db.session.scalar(select(exists().where(Consultation.case_code == code))):
            return code


def open_bookings_with(booker: User, expert: User, *, now: datetime) -> int:
    return db.session.scalar(select(func.count(Consultation.id)).where(
        Consultation.booker_id == booker.id, Consultation.expert_id == expert.id,
        Consultation.status.in_(HOLDING), Consultation.ends_at > now))


def book(booker: User, profile: ExpertProfile, data: BookingInput, *, now: datetime) -> Consultation:
    """Book a slot. The booking is its own unit of work: when a parallel booker took the slot first,
    the session is rolled back and SlotUnavailable names the next free slots."""
    ensure_role(booker, *BOOKER_ROLES)
    expert = profile.user
    if not is_bookable(profile):  # a hidden or former expert takes no bookings
        raise NotFound()
    if booker.id == expert.id:
        raise DomainError(_l("Sie können keine Beratung bei sich selbst buchen."))
    kind = BOOKABLE_TYPES.get(data.type_code)
    if kind is None or data.type_code not in profile.values("type"):
        raise DomainError(_l("Diese Beratungsart bietet die Fachkraft nicht an."))
    if data.format not in profile.values("format"):
        raise DomainError(_l("Dieses Format bietet die Fachkraft nicht an."))
    _check_case(kind, data.case, data.confirmed)
    _lock_calendar(profile)
    limit = current_app.config["CONSULTATION_MAX_OPEN_PER_EXPERT"]
    if open_bookings_with(booker, expert, now=now) >= limit:
        raise DomainError(lazy_ngettext(
            "Sie haben bereits %(num)d offene Buchung bei dieser Fachkraft. Eine weitere ist möglich, wenn sie "
            "stattgefunden hat oder abgesagt ist.",
            "Sie haben bereits %(num)d offene Buchungen bei dieser Fachkraft. Eine weitere ist möglich, wenn eine "
            "davon stattgefunden hat oder abgesagt ist.", limit))
    slot = _check_or_offer(profile, data.starts_at, now=now)
    consultation = Consultation(
        case_code=_new_case_code(now), expert_id=expert.id, booker_id=booker.id, type_code=kind.code,
        format=data.format, location=_location(profile, data.format), starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        status=ConsultationStatus.CONFIRMED if profile.auto_confirm else ConsultationStatus.REQUESTED,
        booker_sector=booker.sector, booker_region_id=booker.region_id, scheduled_at=now, created_at=now,
        updated_at=now,
    )
    db.session.add(consultation)
    _write_or_offer(profile, db.session.flush, now=now)
    if kind.case_related:
        case = data.case
        db.session.add(CaseContent(consultation_id=consultation.id, age_band=case.age_band, concern=case.concern,
                                   setting=case.setting, urgency=case.urgency, vignette=case.vignette.strip()))
        _log(consultation, booker, "write", now=now)
    db.session.flush()
    template = "confirmed" if profile.auto_confirm else "requested"
    _notify(consultation, template, to=booker, now=now, method="REQUEST")
    _notify(consultation, "new_booking", to=expert, now=now, method="REQUEST")
    return consultation


def _lock_calendar(profile: ExpertProfile) -> None:
    """Take the expert's profile row for this transaction, so that bookings with one expert are
    checked one after the other: the limits per booker and per day count what is really there.
    (A write: on SQLite it takes the database's write lock, on PostgreSQL a row lock.)"""
    db.session.execute(update(ExpertProfile).where(ExpertProfile.id == profile.id)
                       .values(updated_at=ExpertProfile.updated_at).execution_options(synchronize_session=False))


def _check_or_offer(profile: ExpertProfile, starts_at: datetime, *, now: datetime,
                    ignore: Consultation | None = None) -> Slot:
    try:
        return check_slot(profile, starts_at, now=now, ignore=ignore)
    except SlotUnavailable as error:
        raise SlotUnavailable(error.message, next_free_slots(profile, now=now, ignore=ignore)) from None


def _write_or_offer(profile: ExpertProfile, write, *, now: datetime) -> None:
    """Write the slot; if the unique index refuses it, a parallel booking won."""
    try:
        write()
    except IntegrityError:
        db.session.rollback()
        profile = db.session.get(ExpertProfile, profile.id)
        raise SlotUnavailable(_l("Dieser Termin wurde soeben von jemand anderem gebucht."),
                              next_free_slots(profile, now=now)) from None


# --- decisions and changes ------------------------------------------------------------------

def _require_expert_of(actor: User, consultation: Consultation) -> None:
    if actor.id != consultation.expert_id:
        raise PermissionDenied()


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
    _require_expert_of(actor, consultation)
    if consultation.status != ConsultationStatus.REQUESTED or consultation.starts_at <= now:
        raise Conflict(_l("Nur angefragte, noch nicht begonnene Beratungen können bestätigt werden."))
    _change(consultation, now=now, expected=(ConsultationStatus.REQUESTED,), status=ConsultationStatus.CONFIRMED)
    for person in (consultation.booker, consultation.expert):  # the expert's calendar holds the request too
        if person is not None:
            _notify(consultation, "confirmed", to=person, now=now, method="REQUEST")


def decline(actor: User, consultation: Consultation, *, reason: str, now: datetime,
            confirmed: frozenset[str] = frozenset()) -> None:
    _require_expert_of(actor, consultation)
    if consultation.status != ConsultationStatus.REQUESTED:
        raise Conflict(_l("Nur angefragte Beratungen können abgelehnt werden."))
    _require_reason(reason, confirmed)
    _change(consultation, now=now, expected=(ConsultationStatus.REQUESTED,), status=ConsultationStatus.DECLINED,
            decision_reason=reason.strip()[:500])
    for person in (consultation.booker, consultation.expert):  # the expert's calendar got the request too
        if person is not None:
            _notify(consultation, "declined", to=person, now=now, method="CANCEL")
    _slot_freed(consultation.expert, consultation.starts_at, now=now)


def cancel(actor: User, consultation: Consultation, *, reason: str, now: datetime,
           confirmed: frozenset[str] = frozenset()) -> None:
    """Booker or expert call off a booking before it starts; the slot is free at once."""
    if actor.id not in (consultation.booker_id, consultation.expert_id):
        raise PermissionDenied()
    if not consultation.holds_slot or consultation.starts_at <= now:
        raise Conflict(_l("Diese Beratung kann nicht mehr abgesagt werden."))
    _require_reason(reason, confirmed)
    _change(consultation, now=now, expected=HOLDING, status=ConsultationStatus.CANCELLED,
            decision_reason=reason.strip()[:500], cancelled_by_id=actor.id)
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


def _require_reason(reason: str, confirmed: frozenset[str] | None = None) -> None:
    """A reason must be given; a reason kept with the booking (not the admin's) passes the guard."""
    if not (reason or "").strip():
        raise DomainError(_l("Bitte geben Sie einen Grund an."))
    if confirmed is not None:
        check_free_text(reason, field=_l("Begründung"), confirmed=confirmed)


# --- case content, outcome and the audit log ------------------------------------------------

def _log(consultation: Consultation, user: User | None, action: str, *, now: datetime) -> None:
    db.session.add(CaseAccess(consultation_id=consultation.id, case_code=consultation.case_code,
                              user_id=user.id if user else None, action=action, at=now))


def booking_of(user: User, consultation_id: int) -> Consultation | None:
    """The booking if *user* is its booker or its expert; None for everyone else, whatever their role."""
    consultation = db.session.get(Consultation, consultation_id)
    return consultation if consultation is not None and consultation.is_party(user) else None


def reveal_booker(actor: User, consultation: Consultation, *, reason: str, now: datetime) -> None:
    """An admin who investigates (a complaint, a misuse) has the booker's name shown: only with a
    reason, which the audit log keeps with the admin's name."""
    ensure_role(actor, Role.ADMIN)
    _require_reason(reason)
    db.session.add(CaseAccess(consultation_id=consultation.id, case_code=consultation.case_code, user_id=actor.id,
                              action="booker", at=now, reason=reason.strip()[:500]))
    db.session.flush()


@dataclass(frozen=True)
class CaseView:
    content: CaseContent | None
    outcome_visible: bool

    @property
    def outcome(self) -> str:
        """The expert's documentation; empty for the booker, who only learns that it took place."""
        return self.content.outcome if self.content is not None and self.outcome_visible else ""

    @property
    def result(self) -> str | None:
        return self.content.result if self.content is not None and self.outcome_visible else None


def read_case(user: User, consultation: Consultation, *, now: datetime) -> CaseView:
    """The case content for its booker or expert (the outcome for the expert alone); every read is logged."""
    if user.id not in (consultation.booker_id, consultation.expert_id):
        raise PermissionDenied()
    content = db.session.get(CaseContent, consultation.id)
    if content is not None:
        _log(consultation, user, "read", now=now)
        db.session.flush()
    return CaseView(content, outcome_visible=user.id == consultation.expert_id)


def record_outcome(actor: User, consultation: Consultation, *, outcome: str, result: str | None,
                   now: datetime, confirmed: frozenset[str] = frozenset()) -> None:
    """After the consultation the expert notes the outcome (pseudonymous, for the expert alone)."""
    _require_expert_of(actor, consultation)
    if consultation.status not in (ConsultationStatus.CONFIRMED, ConsultationStatus.COMPLETED) \
            or consultation.starts_at > now:
        raise Conflict(_l("Das Ergebnis kann erst nach Beginn einer bestätigten Beratung festgehalten werden."))
    if consultation.case_erased_at is not None:
        raise Conflict(_l("Die Falldaten dieser Beratung sind bereits gelöscht."))
    if result and result not in RESULTS:
        raise DomainError(_l("Bitte wählen Sie ein gültiges Ergebnis."))
    if len(outcome) > 5000:
        raise DomainError(_l("Höchstens %(max)d Zeichen.", max=5000))
    check_free_text(outcome, field=_l("Dokumentation"), confirmed=confirmed)
    content = db.session.get(CaseContent, consultation.id)
    if content is None:
        content = CaseContent(consultation_id=consultation.id)
        db.session.add(content)
    content.outcome, content.result = outcome.strip(), result or None
    if consultation.status != ConsultationStatus.COMPLETED:
        consultation.status = ConsultationStatus.COMPLETED
    consultation.updated_at = now
    _log(consultation, actor, "write", now=now)
    db.session.flush()


def erase_expired_case_content(*, now: datetime) -> int:
    """Delete case content whose retention period has passed; the metadata stays for statistics.

    Runs as a scheduled job; each erasure is written to the audit log.
    """
    limit = now - timedelta(days=current_app.config["CONSULTATION_RETENTION_DAYS"])
    due = db.session.scalars(select(Consultation).where(
        Consultation.case_erased_at.is_(None), Consultation.ends_at < limit)).all()
    for consultation in due:
        db.session.execute(delete(CaseContent).where(CaseContent.consultation_id == consultation.id))
        consultation.case_erased_at = now
        consultation.decision_reason = ""  # free text that may have slipped into a reason goes too
        _log(consultation, None, "erase", now=now)
    db.session.flush()
    return len(due)


# --- notifications --------------------------------------------------------------------------

def _notify(consultation: Consultation, template: str, *, to: User, now: datetime, method: str | None = None,
            **context) -> None:
    """A mail with the neutral booking facts only, and the calendar part if *method* is given."""
    queue_mail(
        recipient=to.email, template=f"beratung/{template}", locale=to.locale, now=now, user=to,
        consultation=consultation, as_expert=to.id == consultation.expert_id,
        format_label=FORMAT_LABELS[consultation.format],
        link=external_url("beratung.consultation", consultation_id=consultation.id),
        calendar=invitation(consultation, method) if method else None, calendar_method=method, **context,
    )


def watch(booker: User, profile: ExpertProfile, *, now: datetime) -> SlotWatch:
    """Ask to be told by mail when a slot with this expert frees up (once). Asking twice, also in
    parallel, keeps the one open request (a partial unique index)."""
    ensure_role(booker, *BOOKER_ROLES)

    def open_watch():
        return db.session.scalar(select(SlotWatch).where(
            SlotWatch.expert_id == profile.user_id, SlotWatch.booker_id == booker.id, SlotWatch.notified_at.is_(None)))

    existing = open_watch()
    if existing is not None:
        return existing
    db.session.add(SlotWatch(expert_id=profile.user_id, booker_id=booker.id, created_at=now))
    try:
        db.session.flush()
    except IntegrityError:  # a parallel request (a double click) was first
        db.session.rollback()
    return open_watch()


def _slot_freed(expert: User, starts_at: datetime, *, now: datetime) -> None:
    """A slot at *starts_at* became free: tell those waiting for this expert, each once (claimed by
    a conditional update). A slot that has begun frees nothing."""
    if starts_at <= now:
        return
    watchers = db.session.scalars(select(SlotWatch).where(SlotWatch.expert_id == expert.id,
                                                          SlotWatch.notified_at.is_(None))).all()
    for row in watchers:
        claimed = db.session.execute(
            update(SlotWatch).where(SlotWatch.id == row.id, SlotWatch.notified_at.is_(None))
            .values(notified_at=now).execution_options(synchronize_session=False)
        ).rowcount == 1
        db.session.expire(row, ["notified_at"])
        if claimed:
            booker = db.session.get(User, row.booker_id)
            queue_mail(recipient=booker.email, template="beratung/slot_free", locale=booker.locale, now=now,
                       user=booker, expert=expert, link=external_url("beratung.expert", expert_id=expert.id))
    db.session.flush()


REMINDERS = (
    ("reminded_day_at", timedelta(hours=24), "reminder_day"),
    ("reminded_hour_at", timedelta(hours=1), "reminder_hour"),
)


def send_consultation_reminders(*, now: datetime) -> int:
    """Remind both sides of confirmed bookings a day and an hour before; each reminder once.

    Each is claimed by a conditional update of its column, so a restarted or a second scheduler
    finds it taken. The day reminder is skipped for bookings made less than a day ahead.
    """
    sent = 0
    for column_name, lead, template in REMINDERS:
        column = getattr(Consultation, column_name)
        due = db.session.scalars(select(Consultation).where(
            Consultation.status == ConsultationStatus.CONFIRMED, column.is_(None),
            Consultation.starts_at > now, Consultation.starts_at <= now + lead)).all()
        for consultation in due:
            claimed = db.session.execute(
                update(Consultation).where(Consultation.id == consultation.id, column.is_(None))
                .values({column_name: now}).execution_options(synchronize_session=False)
            ).rowcount == 1
            if not claimed:
                continue
            if lead > timedelta(hours=1) and (consultation.scheduled_at > consultation.starts_at - lead
                                              or consultation.starts_at <= now + timedelta(hours=1)):
                continue
            for person in (consultation.booker, consultation.expert):
                if person is not None and person.is_active:
                    _notify(consultation, template, to=person, now=now)
                    sent += 1
    db.session.flush()
    return sent


# --- lists -------------------------------------------------------------------

def consultations_of(user: User, *, as_expert: bool, upcoming: bool, now: datetime):
    """A query of the user's bookings as booker or expert: upcoming ones soonest first, past ones latest first."""
    column = Consultation.expert_id if as_expert else Consultation.booker_id
    query = select(Consultation).where(column == user.id)
    if upcoming:
        return query.where(Consultation.ends_at > now).order_by(Consultation.starts_at, Consultation.id)
    return query.where(Consultation.ends_at <= now).order_by(Consultation.starts_at.desc(), Consultation.id)


def type_label(code: str):
    return CONSULTATION_TYPES[code].label


def open_consultations(user: User, *, as_expert: bool, now: datetime, statuses=HOLDING, before: datetime | None = None,
                       limit: int = 5) -> tuple[list[Consultation], int]:
    """The user's bookings (as booker or expert) in *statuses* that are not over, soonest first,
    starting before *before* if given; and how many there are in all (one statement)."""
    # Nothing of the people: a line shows time, format and case code only.
    query = (consultations_of(user, as_expert=as_expert, upcoming=True, now=now)
             .where(Consultation.status.in_(statuses)).add_columns(func.count().over())
             .options(raiseload(Consultation.expert), raiseload(Consultation.booker)))
    if before is not None:
        query = query.where(Consultation.starts_at < before)
    rows = db.session.execute(query.limit(limit)).all()
    return [consultation for consultation, _total in rows], rows[0][1] if rows else 0


def windows_ending(expert: User, *, today: date, within_days: int = 14) -> list[AvailabilityWindow]:
    """The expert's weekly windows whose validity ends within *within_days* days from *today* (one statement)."""
    return list(db.session.scalars(
        select(AvailabilityWindow)
        .where(AvailabilityWindow.expert_id == expert.id, AvailabilityWindow.weekday.is_not(None),
               AvailabilityWindow.valid_until >= today,
               AvailabilityWindow.valid_until <= today + timedelta(days=within_days))
        .order_by(AvailabilityWindow.valid_until, AvailabilityWindow.weekday, AvailabilityWindow.start_time)))
