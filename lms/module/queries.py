"""Read models for the catalogue, participant lists and "Mein Lernen"; each a fixed number of queries."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from lms.extensions import db
from lms.ical import BERLIN
from lms.module.models import (
    ACTIVE_STATUSES, Attendance, Enrolment, EnrolmentStatus, Module, ModuleAudience, ModuleState, Offering,
    OfferingState, module_trainer, offering_trainer,
)
from lms.textsearch import word_match, query_terms


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
    query = select(Offering).where(Offering.module_id == module.id).order_by(Offering.first_starts_at, Offering.id)
    if not include_past:
        query = query.where(Offering.state != OfferingState.CANCELLED,
                            or_(Offering.last_ends_at.is_(None), Offering.last_ends_at > now))
    return list(db.session.scalars(query).unique())


def waitlist_length(offering: Offering) -> int:
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
               or_(ahead.queued_at < Enrolment.queued_at,
                   and_(ahead.queued_at == Enrolment.queued_at, ahead.id < Enrolment.id)))
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
        .order_by(Enrolment.status, Enrolment.queued_at, Enrolment.id)
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
        query = query.where(or_(
            Offering.id.in_(select(offering_trainer.c.offering_id).where(offering_trainer.c.user_id == user.id)),
            Offering.module_id.in_(select(module_trainer.c.module_id).where(module_trainer.c.user_id == user.id)),
        ))
    return query


def managed_modules_query(user) -> Select:
    query = select(Module).order_by(Module.title, Module.id)
    if not user.has_role("admin"):
        query = query.where(
            Module.id.in_(select(module_trainer.c.module_id).where(module_trainer.c.user_id == user.id))
        )
    return query
