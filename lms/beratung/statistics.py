"""Consultation statistics for admins and coordinators: metadata only, never case content, and no
figure that describes fewer than MIN_GROUP_SIZE bookers (lms/disclosure.py).

Each table is one dimension (month, type, sector, region, format) of the same consultations, so
every table adds up to the one total shown; a withheld cell cannot be recovered from it because
`protect` withholds a second one. Consultations that were cancelled or declined are counted per
month only, in a column without a total.
"""
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from lms.auth.models import Role, User
from lms.auth.permissions import ensure_role
from lms.beratung.models import HOLDING, Consultation, ConsultationStatus
from lms.disclosure import Figure, Group, protect
from lms.extensions import db
from lms.ical import BERLIN

COUNTED = (*HOLDING, ConsultationStatus.COMPLETED)  # requested, confirmed or held
DIMENSIONS = ("type", "sector", "region", "format")


@dataclass
class Statistics:
    total: Figure
    by: dict[str, list[tuple[str | int | None, Figure]]]  # dimension -> [(value, figure)], largest first, withheld last
    months: list[tuple[date, Figure, Figure]]  # (first day of the month, counted, cancelled or declined), oldest first

    @property
    def any_withheld(self) -> bool:
        figures = [self.total, *(figure for rows in self.by.values() for _, figure in rows),
                   *(figure for _, *pair in self.months for figure in pair)]
        return any(not figure.shown for figure in figures)


def statistics(actor: User, *, region_id: int | None = None,
               period: tuple[datetime, datetime] | None = None) -> Statistics:
    """Counts per month, type, sector, region and format, each cell describing enough bookers; only
    of bookers from *region_id* and of consultations starting in *period* (from, before) when given
    (the annual report, lms/berichte)."""
    ensure_role(actor, Role.ADMIN, Role.COORDINATOR)
    total = Group()
    by: dict[str, dict] = {name: {} for name in DIMENSIONS}
    months: dict[date, tuple[Group, Group]] = {}
    query = select(
        Consultation.booker_id, Consultation.status, Consultation.starts_at, Consultation.type_code,
        Consultation.booker_sector, Consultation.booker_region_id, Consultation.format)
    if region_id is not None:
        query = query.where(Consultation.booker_region_id == region_id)
    if period is not None:
        query = query.where(Consultation.starts_at >= period[0], Consultation.starts_at < period[1])
    rows = db.session.execute(query)
    for booker, status, starts_at, *values in rows:
        counted = status in COUNTED
        local = starts_at.astimezone(BERLIN)
        month = months.setdefault(date(local.year, local.month, 1), (Group(), Group()))
        month[0 if counted else 1].add(booker)
        if counted:
            total.add(booker)
            for name, value in zip(DIMENSIONS, values):
                by[name].setdefault(value, Group()).add(booker)
    published = {}
    for name, groups in by.items():
        values = sorted(groups, key=str)
        figures, _ = protect((groups[value] for value in values), total=total)
        # Largest first, withheld cells last: their place among the others would bound their value.
        published[name] = sorted(zip(values, figures), key=lambda item: (
            not item[1].shown, -(item[1].value or 0), str(item[0])))
    keys = sorted(months)
    counted_figures, total_figure = protect((months[key][0] for key in keys), total=total)
    cancelled_figures, _ = protect(months[key][1] for key in keys)
    return Statistics(total=total_figure, by=published,
                      months=list(zip(keys, counted_figures, cancelled_figures)))


def month_figure(actor: User, *, now) -> Figure:
    """The consultations counted in the Berlin month of *now*, exactly as the statistics page
    publishes that month (withheld alike, so that no page shows what another withholds)."""
    local = now.astimezone(BERLIN)
    first = date(local.year, local.month, 1)
    for month, counted, _withdrawn in statistics(actor).months:
        if month == first:
            return counted
    return Figure(0)
