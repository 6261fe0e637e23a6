"""Read models: a region's emergency numbers, split into those to call now and the others."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select

from lms.auth.models import Region
from lms.extensions import db
from lms.netzwerk.models import EMERGENCY_KIND_LABELS, EmergencyKind, EmergencyNumber

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
