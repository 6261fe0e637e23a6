"""Read models: a region's emergency numbers, split into those to call now and the others; the directory;
the register of cooperation agreements with the sectors they cover."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, case, func, or_, select

from lms.auth.models import SECTOR_LABELS, Region
from lms.candidates import Candidates
from lms.extensions import db
from lms.netzwerk.models import (
    EMERGENCY_KIND_LABELS,
    Agreement,
    AgreementParty,
    AgreementState,
    EmergencyKind,
    EmergencyNumber,
    Institution,
    Visibility,
    institution_region,
    institutions_serving,
)
from lms.textsearch import query_terms, word_match

KIND_ORDER = {kind: index for index, kind in enumerate(EMERGENCY_KIND_LABELS)}


@dataclass(frozen=True)
class EmergencyPage:
    region: Region
    now_reachable: list[EmergencyNumber]  # by kind, as the view lists them
    other_times: list[EmergencyNumber]


def _by_kind(numbers) -> list[EmergencyNumber]:
    return sorted(numbers, key=lambda number: (KIND_ORDER.get(EmergencyKind(number.kind), 99), number.name))


def emergency_page(region: Region, *, now: datetime) -> EmergencyPage:
    """The region's numbers (two statements: the numbers, their windows), those reachable at *now* first."""
    numbers = db.session.scalars(select(EmergencyNumber).where(EmergencyNumber.region_id == region.id)).all()
    return EmergencyPage(region=region, now_reachable=_by_kind(n for n in numbers if n.is_reachable(now)),
                         other_times=_by_kind(n for n in numbers if not n.is_reachable(now)))


def numbers_query(*, region_id: int | None) -> Select:
    """The numbers a keeper lists, by region, kind and name (windows load in one statement per page)."""
    query = select(EmergencyNumber).join(EmergencyNumber.region).order_by(Region.name, EmergencyNumber.kind,
                                                                          EmergencyNumber.name, EmergencyNumber.id)
    return query.where(EmergencyNumber.region_id == region_id) if region_id else query


def regions() -> list[Region]:
    return db.session.scalars(select(Region).order_by(Region.name)).all()


@dataclass(frozen=True)
class DirectoryFilter:
    q: str = ""
    sector: str = ""
    kind: str = ""
    region_id: int | None = None

    @property
    def active(self) -> bool:
        return bool(self.q or self.sector or self.kind or self.region_id)


def directory_query(filters: DirectoryFilter, *, signed_in: bool) -> Select:
    """Institutions matching *filters*, visitors seeing the public ones only; German-aware search over
    name, description and address (kind and sector are filters) as in the module catalogue (lms.textsearch): those
    whose name holds more of the words first, then by name."""
    query = select(Institution)
    if not signed_in:
        query = query.where(Institution.visibility == Visibility.PUBLIC)
    stems = query_terms(filters.q)
    if stems:
        query = query.where(*(word_match((Institution.search_title, Institution.search_body), term)
                              for term in stems))
        query = query.order_by(sum(case((word_match([Institution.search_title], term), 1), else_=0)
                                   for term in stems).desc())
    if filters.sector:
        query = query.where(Institution.sector == filters.sector)
    if filters.kind:
        query = query.where(Institution.kind == filters.kind)
    if filters.region_id:
        query = query.where(Institution.id.in_(institutions_serving(filters.region_id)))
    return query.order_by(Institution.name, Institution.id)


# --- the register of agreements ------------------------------------------------------------------

def region_institutions(region_id: int, *, leaving_out=()) -> Candidates:
    """The institutions serving a region, by name (thousands in a Land's region: forms find them by
    search), without those *left out* (e.g. those that have a seat in a body already)."""
    query = (select(Institution.id, Institution.name).where(Institution.id.in_(institutions_serving(region_id)))
             .order_by(Institution.name, Institution.id))
    if leaving_out:
        query = query.where(Institution.id.not_in(leaving_out))
    return Candidates(query, id=Institution.id, searched=(Institution.name,))


def agreements_query(region_id: int) -> Select:
    """A region's agreements, the ones in force and in work first, then by title."""
    order = case({AgreementState.SIGNED: 0, AgreementState.CONSULTATION: 1, AgreementState.DRAFT: 2},
                 value=Agreement.state, else_=3)
    return select(Agreement).where(Agreement.region_id == region_id).order_by(order, Agreement.title, Agreement.id)


def expiring(region_id: int, *, today: date, days: int) -> list[Agreement]:
    """Signed agreements of the region that end within *days*."""
    return list(db.session.scalars(select(Agreement).where(
        Agreement.region_id == region_id, Agreement.state == AgreementState.SIGNED,
        Agreement.valid_to >= today, Agreement.valid_to <= today + timedelta(days=days))
        .order_by(Agreement.valid_to, Agreement.id)))


def in_force_condition(today: date):
    return (Agreement.state == AgreementState.SIGNED) & or_(Agreement.valid_to.is_(None), Agreement.valid_to >= today)


def bound_institution_ids(today: date) -> Select:
    """Institutions that are a party to an agreement in force."""
    return select(AgreementParty.institution_id).join(Agreement).where(in_force_condition(today))


@dataclass(frozen=True)
class SectorCoverage:
    sector: str
    label: str
    institutions: int  # serving the region
    bound: int  # of them, a party to an agreement in force


def sector_coverage(region_id: int, *, today: date) -> list[SectorCoverage]:
    """Per sector of the app, how many of the region's institutions there are and how many of them an
    agreement in force binds: one grouped statement, however many institutions."""
    bound = Institution.id.in_(bound_institution_ids(today))
    rows = db.session.execute(
        select(Institution.sector, func.count(Institution.id), func.count(case((bound, Institution.id))))
        .join(institution_region, institution_region.c.institution_id == Institution.id)
        .where(institution_region.c.region_id == region_id).group_by(Institution.sector))
    counts = {sector: (total, bound_count) for sector, total, bound_count in rows}
    return [SectorCoverage(code, label, *counts.get(code, (0, 0))) for code, label in SECTOR_LABELS.items()]


@dataclass(frozen=True)
class MapEntry:
    id: int
    name: str
    bound: bool  # a party to an agreement in force


def first_of_each_sector(region_id: int, *, today: date, per_sector: int) -> dict[str, list[MapEntry]]:
    """The first *per_sector* institutions by name of each sector serving the region, with whether an
    agreement in force binds them: one windowed statement, however many institutions there are."""
    ranked = select(
        Institution.id, Institution.name, Institution.sector,
        Institution.id.in_(bound_institution_ids(today)).label("bound"),
        func.row_number().over(partition_by=Institution.sector, order_by=(Institution.name, Institution.id))
        .label("rank"),
    ).join(institution_region, institution_region.c.institution_id == Institution.id).where(
        institution_region.c.region_id == region_id).subquery()
    entries: dict[str, list[MapEntry]] = {}
    for row in db.session.execute(select(ranked).where(ranked.c.rank <= per_sector)
                                  .order_by(ranked.c.sector, ranked.c.rank)):
        entries.setdefault(row.sector, []).append(MapEntry(row.id, row.name, bool(row.bound)))
    return entries


def agreements_of(institution_id: int) -> list[Agreement]:
    """The agreements an institution is a party to, newest first."""
    return list(db.session.scalars(select(Agreement).join(AgreementParty).where(
        AgreementParty.institution_id == institution_id).order_by(Agreement.created_at.desc(), Agreement.id)))
