"""Booking a slot: the checks on the slot and the case, the case code, and the lock and unique index that
let a slot be taken once.

A slot is taken once: besides the checks here, a partial unique index over the slot-holding
bookings makes the database refuse a second one, so parallel bookers cannot both win.
"""
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from lms.auth.models import Role, User
from lms.auth.permissions import ensure_role
from lms.beratung import slots as slot_rules
from lms.beratung.catalogue import AGE_BANDS, BOOKABLE_TYPES, CONCERNS, SETTINGS, URGENCIES
from lms.beratung.models import CaseContent, Consultation, ConsultationStatus, ExpertProfile
from lms.beratung.queries import (
    absences_of,
    is_bookable,
    next_free_slots,
    open_bookings_with,
    rules_of,
    upcoming_bookings,
    windows_of,
)
from lms.beratung.services.cases import _log
from lms.beratung.services.errors import SlotUnavailable, check_free_text
from lms.beratung.services.mail import _notify
from lms.beratung.slots import Slot
from lms.errors import DomainError, NotFound
from lms.extensions import db
from lms.i18n import _l, lazy_ngettext
from lms.ical import BERLIN

BOOKER_ROLES = (Role.PARTNER, Role.COORDINATOR)
VIGNETTE_MAX = 1000
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out on the phone


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


def new_case_code(now: datetime) -> str:
    """A case code (FB-year-four characters) no consultation has yet; the demo gives its history one too."""
    while True:
        code = f"FB-{now.astimezone(BERLIN).year}-{''.join(secrets.choice(CODE_ALPHABET) for _ in range(4))}"
        if not db.session.scalar(select(exists().where(Consultation.case_code == code))):
            return code


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
        case_code=new_case_code(now), expert_id=expert.id, booker_id=booker.id, type_code=kind.code,
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
