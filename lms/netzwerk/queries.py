"""Read models: a region's emergency numbers, split into those to call now and the others; the directory."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, case, select

from lms.auth.models import Region
from lms.extensions import db
from lms.netzwerk.models import (
    EMERGENCY_KIND_LABELS,
    EmergencyKind,
    EmergencyNumber,
    Institution,
    Visibility,
    institution_region,
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
        query = query.where(Institution.id.in_(select(institution_region.c.institution_id)
                                               .where(institution_region.c.region_id == filters.region_id)))
    return query.order_by(Institution.name, Institution.id)
