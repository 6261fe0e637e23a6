"""Read models for the catalogue, participant lists, "Mein Lernen" and the start page; each a fixed number of
queries. At the end, the plain reads of an offering's attendance and completions, of the modules that use an
instrument, and of certificates (a person's own standing is in `lms.module.standing`)."""
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, case, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload, raiseload

from lms.auth.models import User
from lms.extensions import db
from lms.ical import BERLIN
from lms.instrumente.models import Instrument
from lms.module.models import (
    ACTIVE_STATUSES,
    Attendance,
    Certificate,
    Completion,
    Enrolment,
    EnrolmentStatus,
    Module,
    ModuleAudience,
    ModuleState,
    Offering,
    OfferingDate,
    OfferingState,
    module_material,
    module_trainer,
)
from lms.textsearch import query_terms, word_match


@dataclass
class CatalogueFilter:
    q: str = ""
    dimension: str = ""
    region_id: int | None = None
    audience: str = ""
    date_from: date | None = None
    date_to: date | None = None
    free_seats: bool = False

    @property
    def filters_offerings(self) -> bool:
        return bool(self.region_id or self.date_from or self.date_to or self.free_seats)

    @property
    def is_empty(self) -> bool:
        return not (self.q or self.dimension or self.audience or self.filters_offerings)


def _berlin_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=BERLIN)


def _offering_conditions(filters: CatalogueFilter, now: datetime) -> list:
    """Upcoming open offerings that match the offering filters. Statewide offerings match every region."""
    conditions = [Offering.state == OfferingState.OPEN, Offering.first_starts_at > now]
    if filters.region_id:
        conditions.append(or_(Offering.region_id == filters.region_id, Offering.region_id.is_(None)))
    if filters.date_from:
        conditions.append(Offering.first_starts_at >= _berlin_midnight(filters.date_from))
    if filters.date_to:
        conditions.append(Offering.first_starts_at < _berlin_midnight(filters.date_to + timedelta(days=1)))
    if filters.free_seats:
        conditions.append(Offering.seats_taken < Offering.capacity)
    return conditions


def catalogue_query(filters: CatalogueFilter, *, now: datetime) -> Select:
    """Published modules matching *filters*: by code (then title), or when searching by relevance.

    The search is German-aware (lms.textsearch): every query word must be found in a word of the
    module's code, title, summary, description or learning goals (at its start, longer words also
    inside it), in any inflection or umlaut spelling.
    Modules whose title holds more of the words come first, then by code."""
    query = select(Module).where(Module.state == ModuleState.PUBLISHED)
    by_code = (Module.code.is_(None), Module.code, Module.title, Module.id)
    stems = query_terms(filters.q)
    if stems:
        columns = (Module.search_title, Module.search_body)
        query = query.where(*(word_match(columns, term) for term in stems))
        title_hits = sum(case((word_match([Module.search_title], term), 1), else_=0) for term in stems)
        query = query.order_by(title_hits.desc(), *by_code)
    else:
        query = query.order_by(*by_code)
    if filters.dimension:
        query = query.where(Module.dimension == filters.dimension)
    if filters.audience:
        query = query.where(exists().where(ModuleAudience.module_id == Module.id,
                                           ModuleAudience.code == filters.audience))
    if filters.filters_offerings:
        query = query.where(exists().where(Offering.module_id == Module.id, *_offering_conditions(filters, now)))
    return query


def upcoming_offerings(module_ids: list[int], filters: CatalogueFilter, *, now: datetime,
                       per_module: int = 3) -> dict[int, list[Offering]]:
    """The next matching open offerings of each module, at most *per_module* each."""
    result: dict[int, list[Offering]] = {module_id: [] for module_id in module_ids}
    if not module_ids:
        return result
    offerings = db.session.scalars(
        select(Offering)
        .where(Offering.module_id.in_(module_ids), *_offering_conditions(filters, now))
        .order_by(Offering.first_starts_at, Offering.id)
    ).unique()
    for offering in offerings:
        if len(result[offering.module_id]) < per_module:
            result[offering.module_id].append(offering)
    return result


def offerings_of_module(module: Module, *, now: datetime, include_past: bool = False) -> list[Offering]:
    """The module's offerings by start; without *include_past* only those not cancelled or over."""
    query = select(Offering).where(Offering.module_id == module.id).order_by(Offering.first_starts_at, Offering.id)
    if not include_past:
        query = query.where(Offering.state != OfferingState.CANCELLED,
                            or_(Offering.last_ends_at.is_(None), Offering.last_ends_at > now))
    return list(db.session.scalars(query).unique())


def waitlist_length(offering: Offering) -> int:
    """How many wait for a seat in *offering*."""
    return db.session.scalar(
        select(func.count(Enrolment.id)).where(Enrolment.offering_id == offering.id,
                                               Enrolment.status == EnrolmentStatus.WAITLISTED)
    )


def _count_ahead_column():
    """How many wait-listed enrolments are ahead of the Enrolment row, in the same statement."""
    ahead = aliased(Enrolment)
    count_ahead = (
        select(func.count(ahead.id))
        .where(ahead.offering_id == Enrolment.offering_id, ahead.status == EnrolmentStatus.WAITLISTED,
               Enrolment.ahead_in_line(ahead, Enrolment))
        .correlate(Enrolment)
        .scalar_subquery()
    )
    return count_ahead


@dataclass
class ParticipantRow:
    enrolment: Enrolment
    position: int | None
    attended: int
    date_count: int


def participants(offering: Offering, *, statuses=ACTIVE_STATUSES) -> list[ParticipantRow]:
    """Everyone on the offering's lists with waitlist position and attended dates."""
    rows = db.session.execute(
        select(Enrolment, _count_ahead_column())
        .where(Enrolment.offering_id == offering.id, Enrolment.status.in_(statuses))
        .order_by(Enrolment.status, *Enrolment.queue_order())
    ).unique().all()
    attended = dict(db.session.execute(
        select(Attendance.enrolment_id, func.count(Attendance.id))
        .where(Attendance.enrolment_id.in_([row[0].id for row in rows]), Attendance.present.is_(True))
        .group_by(Attendance.enrolment_id)
    ).all()) if rows else {}
    date_count = len(offering.dates)
    return [
        ParticipantRow(enrolment, ahead + 1 if enrolment.status == EnrolmentStatus.WAITLISTED else None,
                       attended.get(enrolment.id, 0), date_count)
        for enrolment, ahead in rows
    ]


@dataclass
class MyEnrolment:
    enrolment: Enrolment
    position: int | None


def my_enrolments(user, *, now: datetime) -> list[MyEnrolment]:
    """The user's active enrolments in offerings that have not ended, soonest first."""
    rows = db.session.execute(
        select(Enrolment, _count_ahead_column())
        .join(Enrolment.offering)
        .where(Enrolment.user_id == user.id, Enrolment.status.in_(ACTIVE_STATUSES),
               or_(Offering.last_ends_at.is_(None), Offering.last_ends_at > now))
        .order_by(Offering.first_starts_at, Enrolment.id)
    ).unique().all()
    return [
        MyEnrolment(enrolment, ahead + 1 if enrolment.status == EnrolmentStatus.WAITLISTED else None)
        for enrolment, ahead in rows
    ]


def managed_offerings_query(user, *, now: datetime) -> Select:
    """Offerings a trainer manages (all for admins), upcoming first."""
    query = select(Offering).order_by(Offering.first_starts_at.desc(), Offering.id.desc())
    if not user.has_role("admin"):
        query = query.where(Offering.taught_by(user))
    return query


def managed_modules_query(user) -> Select:
    """Modules a trainer manages (all for admins), by title."""
    query = select(Module).order_by(Module.title, Module.id)
    if not user.has_role("admin"):
        query = query.where(
            Module.id.in_(select(module_trainer.c.module_id).where(module_trainer.c.user_id == user.id))
        )
    return query


def waitlist_lengths(offering_ids) -> dict[int, int]:
    """How many wait in each of these offerings (one statement; offerings nobody waits for are left out)."""
    if not offering_ids:
        return {}
    return dict(db.session.execute(
        select(Enrolment.offering_id, func.count(Enrolment.id))
        .where(Enrolment.offering_id.in_(list(offering_ids)), Enrolment.status == EnrolmentStatus.WAITLISTED)
        .group_by(Enrolment.offering_id)
    ).all())


# --- the start page: one statement each, plain rows (a template cannot load more) ------------------

def _not_over(now: datetime):
    return or_(Offering.last_ends_at.is_(None), Offering.last_ends_at > now)


@dataclass(frozen=True)
class DateRow:
    """One date of an offering, with what a list of dates shows about it."""

    date_id: int
    offering_id: int
    module_title: str
    starts_at: datetime
    ends_at: datetime
    location: str
    online: bool


def next_dates(user, *, now: datetime, limit: int = 5) -> list[DateRow]:
    """The next dates (not yet over) of the offerings in which *user* holds a seat, soonest first."""
    rows = db.session.execute(
        select(OfferingDate.id, Offering.id, Module.title, OfferingDate.starts_at, OfferingDate.ends_at,
               OfferingDate.location, OfferingDate.online_url)
        .join(Offering, OfferingDate.offering_id == Offering.id)
        .join(Module, Offering.module_id == Module.id)
        .join(Enrolment, Enrolment.offering_id == Offering.id)
        .where(Enrolment.user_id == user.id, Enrolment.status == EnrolmentStatus.ENROLLED,
               Offering.state != OfferingState.CANCELLED, OfferingDate.ends_at > now)
        .order_by(OfferingDate.starts_at, OfferingDate.id).limit(limit)
    )
    return [DateRow(date_id, offering_id, title, starts_at, ends_at, location or "", bool(online))
            for date_id, offering_id, title, starts_at, ends_at, location, online in rows]


@dataclass(frozen=True)
class WaitingPlace:
    """A place on a waitlist, or a request that waits for the trainers' approval."""

    enrolment_id: int
    offering_id: int
    module_title: str
    status: str
    position: int | None  # on the waitlist
    first_starts_at: datetime | None

    @property
    def is_request(self) -> bool:
        return self.status == EnrolmentStatus.REQUESTED


def waiting_places(user, *, now: datetime, limit: int = 10) -> list[WaitingPlace]:
    """*user*'s places on waitlists (with the position in line) and requests awaiting approval, in
    offerings that are not over, soonest first."""
    rows = db.session.execute(
        select(Enrolment.id, Offering.id, Module.title, Enrolment.status, _count_ahead_column(),
               Offering.first_starts_at)
        .select_from(Enrolment)
        .join(Offering, Enrolment.offering_id == Offering.id)
        .join(Module, Offering.module_id == Module.id)
        .where(Enrolment.user_id == user.id,
               Enrolment.status.in_((EnrolmentStatus.WAITLISTED, EnrolmentStatus.REQUESTED)),
               Offering.state != OfferingState.CANCELLED, _not_over(now))
        .order_by(Offering.first_starts_at, Enrolment.id).limit(limit)
    )
    return [WaitingPlace(enrolment_id, offering_id, title, status,
                         ahead + 1 if status == EnrolmentStatus.WAITLISTED else None, first_starts_at)
            for enrolment_id, offering_id, title, status, ahead, first_starts_at in rows]


@dataclass(frozen=True)
class TaughtOffering:
    offering: Offering  # with its module and region; nothing else of it is loaded
    waitlist: int
    requests: int


def taught_offerings(user, *, now: datetime, limit: int = 5) -> list[TaughtOffering]:
    """The offerings *user* teaches that are not over or cancelled, soonest first, with how many
    wait and how many requests wait for approval."""
    def waiting(status):
        return (select(func.count(Enrolment.id)).where(Enrolment.offering_id == Offering.id, Enrolment.status == status)
                .correlate(Offering).scalar_subquery())

    rows = db.session.execute(
        select(Offering, waiting(EnrolmentStatus.WAITLISTED), waiting(EnrolmentStatus.REQUESTED))
        .options(raiseload("*"), joinedload(Offering.module).raiseload("*"), joinedload(Offering.region))
        .where(Offering.taught_by(user), Offering.state != OfferingState.CANCELLED, _not_over(now))
        .order_by(Offering.first_starts_at.is_(None), Offering.first_starts_at, Offering.id).limit(limit)
    ).unique().all()
    return [TaughtOffering(offering, waitlist, requests) for offering, waitlist, requests in rows]


@dataclass(frozen=True)
class RequestRow:
    """A request (moderated offering, or admission despite a missing prerequisite) for a trainer to decide."""

    enrolment_id: int
    offering_id: int
    person_name: str
    module_title: str
    first_starts_at: datetime | None
    queued_at: datetime
    first_in_line: bool  # requests are approved in the order they came in (`services.approve_request`)
    admission: bool  # the offering is not moderated: the person asks to be admitted


def requests_to_approve(user, *, now: datetime, limit: int = 10) -> tuple[list[RequestRow], int]:
    """The requests waiting in offerings *user* teaches (not over, not cancelled), by offering and
    in the order they came in; and how many there are in all."""
    earlier = aliased(Enrolment)
    ahead = (
        select(func.count(earlier.id))
        .where(earlier.offering_id == Enrolment.offering_id, earlier.status == EnrolmentStatus.REQUESTED,
               Enrolment.ahead_in_line(earlier, Enrolment))
        .correlate(Enrolment).scalar_subquery()
    )
    person = aliased(User)
    rows = db.session.execute(
        select(Enrolment.id, Offering.id, person.name, Module.title, Offering.first_starts_at, Enrolment.queued_at,
               ahead, Offering.moderated, func.count().over())
        .select_from(Enrolment)
        .join(Offering, Enrolment.offering_id == Offering.id)
        .join(Module, Offering.module_id == Module.id)
        .join(person, Enrolment.user_id == person.id)
        .where(Enrolment.status == EnrolmentStatus.REQUESTED, Offering.taught_by(user),
               Offering.state != OfferingState.CANCELLED, _not_over(now))
        .order_by(Offering.first_starts_at, Offering.id, *Enrolment.queue_order()).limit(limit)
    ).all()
    total = rows[0][-1] if rows else 0
    return [RequestRow(enrolment_id, offering_id, name, title, first_starts_at, queued_at, not ahead_count,
                       not moderated)
            for enrolment_id, offering_id, name, title, first_starts_at, queued_at, ahead_count, moderated, _total
            in rows], total


@dataclass(frozen=True)
class AttendanceDue:
    """A date that has begun, of which some enrolled participants have no attendance record yet."""

    date_id: int
    offering_id: int
    module_title: str
    starts_at: datetime
    ends_at: datetime
    missing: int  # enrolled participants without a record for the date


def attendance_due(user, *, now: datetime, limit: int = 5) -> tuple[list[AttendanceDue], int]:
    """Dates of offerings *user* teaches that have begun and still lack attendance records, oldest
    first; and how many there are in all."""
    recorded = exists().where(Attendance.enrolment_id == Enrolment.id, Attendance.date_id == OfferingDate.id)
    missing = (
        select(func.count(Enrolment.id))
        .where(Enrolment.offering_id == OfferingDate.offering_id, Enrolment.status == EnrolmentStatus.ENROLLED,
               ~recorded)
        .correlate(OfferingDate).scalar_subquery()
    )
    rows = db.session.execute(
        select(OfferingDate.id, Offering.id, Module.title, OfferingDate.starts_at, OfferingDate.ends_at, missing,
               func.count().over())
        .join(Offering, OfferingDate.offering_id == Offering.id)
        .join(Module, Offering.module_id == Module.id)
        .where(OfferingDate.starts_at <= now, Offering.taught_by(user), Offering.state != OfferingState.CANCELLED,
               missing > 0)
        .order_by(OfferingDate.starts_at, OfferingDate.id).limit(limit)
    ).all()
    total = rows[0][-1] if rows else 0
    return [AttendanceDue(*row[:-1]) for row in rows], total


# --- an offering's attendance and completions, a module's use, certificates -------------------


def attendance_map(offering: Offering) -> dict[tuple[int, int], bool]:
    """The recorded presence per (enrolment id, date id) of *offering*'s dates, for the attendance form."""
    return {
        (a.enrolment_id, a.date_id): a.present for a in db.session.scalars(
            select(Attendance).where(Attendance.date_id.in_([d.id for d in offering.dates]))
        )
    }


def required_dates(offering: Offering) -> int:
    """How many of *offering*'s dates a participant must attend to complete (at least one)."""
    return max(1, math.ceil(len(offering.dates) * offering.module.required_attendance / 100))


def completions_of(offering: Offering) -> list[Completion]:
    """The completions (not revoked) that *offering*'s participants earned there."""
    return list(db.session.scalars(
        select(Completion).where(Completion.offering_id == offering.id, Completion.revoked_at.is_(None))
    ).unique())


def modules_using(instrument: Instrument) -> list[Module]:
    """Published modules that list *instrument* as course material."""
    return list(db.session.scalars(
        select(Module).join(module_material, module_material.c.module_id == Module.id)
        .where(module_material.c.instrument_id == instrument.id, Module.state == ModuleState.PUBLISHED)
        .order_by(Module.title)
    ))


def certificate_by_token(token: str) -> Certificate | None:
    """The certificate behind a verification link, or None."""
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
