"""Reads of expert consultation that change nothing: profiles, windows and absences, free slots, finding
experts, a person's bookings and the lists of the start page.

They sit apart from the services so that every page and every rule can read the same way without
reaching into the code that writes.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import raiseload

from lms.auth.models import Role, User, UserRole
from lms.beratung import slots as slot_rules
from lms.beratung.catalogue import CONSULTATION_TYPES
from lms.beratung.models import HOLDING, Absence, AvailabilityWindow, Consultation, ExpertAttribute, ExpertProfile
from lms.beratung.slots import Rules, Slot
from lms.extensions import db
from lms.ical import BERLIN


def rules_of(profile: ExpertProfile) -> Rules:
    """The slot rules of the profile: length, buffer, notice, horizon and the limit per day."""
    return Rules(profile.slot_minutes, profile.buffer_minutes, profile.notice_minutes, profile.horizon_days,
                 profile.max_per_day)


def profile_of(expert: User) -> ExpertProfile | None:
    """The expert's profile, or None while the expert has none."""
    return db.session.scalar(select(ExpertProfile).where(ExpertProfile.user_id == expert.id))


def windows_of(expert: User) -> list[AvailabilityWindow]:
    """The expert's windows: the weekly ones by weekday, then the one-off ones by day, each by start."""
    return list(db.session.scalars(select(AvailabilityWindow).where(AvailabilityWindow.expert_id == expert.id)
                                   .order_by(AvailabilityWindow.day.is_not(None), AvailabilityWindow.weekday,
                                             AvailabilityWindow.day, AvailabilityWindow.start_time)))


def absences_of(expert: User) -> list[Absence]:
    """The expert's absences, the earliest first."""
    return list(db.session.scalars(select(Absence).where(Absence.expert_id == expert.id)
                                   .order_by(Absence.first_day)))


def upcoming_bookings(expert: User, *, now: datetime) -> list[Consultation]:
    """The expert's bookings that hold a slot and are not over, soonest first."""
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


def free_slots(profile: ExpertProfile, *, first_day: date, last_day: date, now: datetime,
               ignore: Consultation | None = None) -> list[Slot]:
    """The expert's free slots between two Berlin days; *ignore* is a booking being moved."""
    bookings = [booking for booking in upcoming_bookings(profile.user, now=now - timedelta(days=1))
                if ignore is None or booking.id != ignore.id]
    return slot_rules.free_slots(windows_of(profile.user), absences_of(profile.user), bookings, rules_of(profile),
                                 first_day=first_day, last_day=last_day, now=now)


def next_free_slots(profile: ExpertProfile, *, now: datetime, limit: int = 3,
                    ignore: Consultation | None = None) -> list[Slot]:
    """The expert's next *limit* free slots within the booking horizon; *ignore* is a booking being moved."""
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
    """The profile of *expert_id* if it may be booked (see `is_bookable`), else None."""
    profile = db.session.scalar(select(ExpertProfile).where(ExpertProfile.user_id == expert_id))
    return profile if is_bookable(profile) else None


def open_bookings_with(booker: User, expert: User, *, now: datetime) -> int:
    """How many bookings *booker* holds with *expert* that are not over."""
    return db.session.scalar(select(func.count(Consultation.id)).where(
        Consultation.booker_id == booker.id, Consultation.expert_id == expert.id,
        Consultation.status.in_(HOLDING), Consultation.ends_at > now))


def booking_of(user: User, consultation_id: int) -> Consultation | None:
    """The booking if *user* is its booker or its expert; None for everyone else, whatever their role."""
    consultation = db.session.get(Consultation, consultation_id)
    return consultation if consultation is not None and consultation.is_party(user) else None


def consultations_of(user: User, *, as_expert: bool, upcoming: bool, now: datetime):
    """A query of the user's bookings as booker or expert: upcoming ones soonest first, past ones latest first."""
    column = Consultation.expert_id if as_expert else Consultation.booker_id
    query = select(Consultation).where(column == user.id)
    if upcoming:
        return query.where(Consultation.ends_at > now).order_by(Consultation.starts_at, Consultation.id)
    return query.where(Consultation.ends_at <= now).order_by(Consultation.starts_at.desc(), Consultation.id)


def type_label(code: str):
    """The label of a consultation type."""
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
