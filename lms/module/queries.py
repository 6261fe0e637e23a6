"""Read models for the catalogue, participant lists and "Mein Lernen"; each a fixed number of queries
(the start page's own reads are in `lms.module.startpage`). At the end, the plain reads of an offering's attendance and completions, of the modules that use an
instrument, and of certificates (a person's own standing is in `lms.module.standing`)."""
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, case, exists, func, or_, select
from sqlalchemy.orm import aliased, lazyload

from lms import fragments
from lms.auth.models import Region
from lms.candidates import Candidates
from lms.extensions import db
from lms.i18n import _l
from lms.ical import BERLIN
from lms.instrumente.models import Instrument
from lms.module.models import (
    ACTIVE_STATUSES,
    STATUS_LABELS,
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
    module_prerequisite,
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
    # The list shows code, title, summary, dimension, units and audiences: the module's other
    # collections (trainers, materials, prerequisites) are not loaded for it.
    query = select(Module).where(Module.state == ModuleState.PUBLISHED).options(
        lazyload(Module.trainers), lazyload(Module.materials), lazyload(Module.prerequisites))
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


# The catalogue's list is kept as a fragment per filter (lms/fragments.py): these tables make it.
CATALOGUE = "catalogue"
fragments.watch(CATALOGUE, "module", "module_audience", "offering", "region")


def next_offering_start(*, now: datetime) -> datetime | None:
    """When the next open offering begins, and so leaves the catalogue."""
    return db.session.scalar(select(func.min(Offering.first_starts_at))
                             .where(Offering.state == OfferingState.OPEN, Offering.first_starts_at > now))


@dataclass(frozen=True)
class OfferingLine:
    """An offering as the catalogue lists it: a row of columns, not the object graph (a catalogue
    page shows sixty of them, and a module at Land scale has dozens of offerings)."""

    id: int
    module_id: int
    first_starts_at: datetime
    region_name: str | None
    capacity: int
    seats_taken: int

    @property
    def seats_left(self) -> int:
        return self.capacity - self.seats_taken


def upcoming_offerings(module_ids: list[int], filters: CatalogueFilter, *, now: datetime,
                       per_module: int = 3) -> dict[int, list[OfferingLine]]:
    """The next matching open offerings of each module, at most *per_module* each, chosen in SQL
    (a window per module), so the cost does not grow with the number of offerings."""
    result: dict[int, list[OfferingLine]] = {module_id: [] for module_id in module_ids}
    if not module_ids:
        return result
    ranked = (
        select(Offering.id, Offering.module_id, Offering.first_starts_at, Region.name.label("region_name"),
               Offering.capacity, Offering.seats_taken,
               func.row_number().over(partition_by=Offering.module_id,
                                      order_by=(Offering.first_starts_at, Offering.id)).label("rank"))
        .outerjoin(Region, Region.id == Offering.region_id)
        .where(Offering.module_id.in_(module_ids), *_offering_conditions(filters, now))
        .subquery()
    )
    rows = db.session.execute(select(ranked).where(ranked.c.rank <= per_module)
                              .order_by(ranked.c.module_id, ranked.c.rank))
    for row in rows:
        result[row.module_id].append(OfferingLine(row.id, row.module_id, row.first_starts_at, row.region_name,
                                                  row.capacity, row.seats_taken))
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


def count_ahead_column():
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
    """Everyone on the offering's lists with waitlist position and attended dates. The enrolments'
    offering is the one given (already in the session): loading it again with each row would load
    its trainers, dates and module collections a second time."""
    rows = db.session.execute(
        select(Enrolment, count_ahead_column())
        .options(lazyload(Enrolment.offering))
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


@dataclass(frozen=True)
class DateLine:
    """An offering's date as pages list it (`dates_list`): columns, not the row object."""

    starts_at: datetime
    ends_at: datetime
    location: str
    online_url: str


def date_lines(offering_ids) -> dict[int, list[DateLine]]:
    """The dates of these offerings, each offering's in order (one statement)."""
    result: dict[int, list[DateLine]] = {offering_id: [] for offering_id in offering_ids}
    if result:
        for offering_id, *columns in db.session.execute(
            select(OfferingDate.offering_id, OfferingDate.starts_at, OfferingDate.ends_at, OfferingDate.location,
                   OfferingDate.online_url)
            .where(OfferingDate.offering_id.in_(list(result))).order_by(OfferingDate.starts_at, OfferingDate.id)
        ):
            result[offering_id].append(DateLine(*columns))
    return result


@dataclass(frozen=True)
class MyEnrolment:
    """A line of "Mein Lernen": the enrolment, its offering's module title and dates, and the place
    on the waitlist. Columns, not the object graph: someone active in a Land's network has dozens."""

    id: int
    status: str
    offering_id: int
    module_title: str
    first_starts_at: datetime | None
    position: int | None
    dates: list[DateLine]

    @property
    def status_label(self):
        return STATUS_LABELS[EnrolmentStatus(self.status)]

    def has_started(self, now: datetime) -> bool:
        return Offering.has_started(self, now)  # the offering's rule, on the columns it reads


def my_enrolments(user, *, now: datetime) -> list[MyEnrolment]:
    """The user's active enrolments in offerings that have not ended, soonest first."""
    rows = db.session.execute(
        select(Enrolment.id, Enrolment.status, Offering.id, Module.title, Offering.first_starts_at, count_ahead_column())
        .join(Offering, Enrolment.offering_id == Offering.id)
        .join(Module, Offering.module_id == Module.id)
        .where(Enrolment.user_id == user.id, Enrolment.status.in_(ACTIVE_STATUSES),
               or_(Offering.last_ends_at.is_(None), Offering.last_ends_at > now))
        .order_by(Offering.first_starts_at, Enrolment.id)
    ).all()
    dates = date_lines({row[2] for row in rows})
    return [
        MyEnrolment(enrolment_id, status, offering_id, title, first_starts_at,
                    ahead + 1 if status == EnrolmentStatus.WAITLISTED else None, dates[offering_id])
        for enrolment_id, status, offering_id, title, first_starts_at, ahead in rows
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


def prerequisite_candidates(module: Module | None) -> Candidates:
    """What *module* can require: the published modules, never someone's draft; an archived one it
    already requires stays, so that saving its form keeps it. Found by title or code."""
    allowed = Module.state == ModuleState.PUBLISHED
    query = select(Module.id, Module.title, Module.state).order_by(Module.title, Module.id)
    if module is not None:
        linked = select(module_prerequisite.c.required_id).where(module_prerequisite.c.module_id == module.id)
        allowed = or_(allowed, (Module.state == ModuleState.ARCHIVED) & Module.id.in_(linked))
        query = query.where(Module.id != module.id)
    return Candidates(query.where(allowed), id=Module.id, searched=(Module.title, Module.code),
                      label=lambda row: row.title if row.state == ModuleState.PUBLISHED
                      else _l("%(title)s (archiviert)", title=row.title))


def waitlist_lengths(offering_ids) -> dict[int, int]:
    """How many wait in each of these offerings (one statement; offerings nobody waits for are left out)."""
    if not offering_ids:
        return {}
    return dict(db.session.execute(
        select(Enrolment.offering_id, func.count(Enrolment.id))
        .where(Enrolment.offering_id.in_(list(offering_ids)), Enrolment.status == EnrolmentStatus.WAITLISTED)
        .group_by(Enrolment.offering_id)
    ).all())


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

    Numbers count up (TB-2026-00017), so a number alone would let anyone list who completed what;
    the name printed on the certificate is the second key. Case and spacing of either do not matter,
    nor leading zeros left out of the number."""
    certificate = db.session.scalar(select(Certificate).where(
        Certificate.number == Certificate.number_as_printed(number)))
    if certificate is None or _folded_name(certificate.holder_name) != _folded_name(holder_name):
        return None
    return certificate
