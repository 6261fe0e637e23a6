"""The annual report (Sachbericht) of one region, or of the whole Land, for one calendar year: the
figures LMS_REPORT_FIGURES chooses (lms/berichte/figures.py), grouped into their parts. A year in
which nothing happened gives an empty report that says so, whatever stood at its end."""
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app

from lms.auth.models import Region, User
from lms.berichte.figures import PARTS, ReportFigure, Scope, Table, chosen
from lms.errors import PermissionDenied
from lms.i18n import _
from lms.ical import BERLIN
from lms.netzwerk.models import keeps_region

FIRST_YEAR = 2000


def years(now: datetime) -> range:
    """The years a report may be asked for, newest first: up to next year (plans start early)."""
    return range(now.astimezone(BERLIN).year + 1, FIRST_YEAR - 1, -1)


def can_read(user, region_id: int | None) -> bool:
    """Admins read every region's report and the Land's (None), coordinators their own region's:
    whoever keeps the region's network entries."""
    return keeps_region(user, region_id)


@dataclass(frozen=True)
class Section:
    figure: ReportFigure
    table: Table

    @property
    def title(self) -> str:
        return str(self.figure.label)


@dataclass(frozen=True)
class Part:
    title: str
    sections: list[Section]


@dataclass(frozen=True)
class Report:
    region: Region | None  # None: the whole Land
    year: int
    as_of: date  # the day standing figures describe
    parts: list[Part]  # none when the report is empty
    empty: bool

    @property
    def scope_name(self) -> str:
        return self.region.name if self.region else _("Land gesamt")

    @property
    def title(self) -> str:
        return _("Sachbericht %(year)d – %(scope)s", year=self.year, scope=self.scope_name)

    @property
    def empty_text(self) -> str:
        return _("Für %(year)d liegen keine Daten vor.", year=self.year)

    @property
    def any_withheld(self) -> bool:
        return any(not cell.shown for part in self.parts for section in part.sections
                   for row in section.table.all_rows for cell in row.cells)


def build(actor: User, region: Region | None, year: int, *, now: datetime) -> Report:
    """Compute the report of *region* (None: the Land) for *year*; raise PermissionDenied unless
    *actor* may read it."""
    region_id = region.id if region else None
    if not can_read(actor, region_id):
        raise PermissionDenied()
    scope = Scope(actor=actor, region_id=region_id, year=year, now=now)
    sections = [Section(figure, figure.compute(scope)) for figure in chosen(current_app.config["REPORT_FIGURES"])]
    happened = [section for section in sections if not section.figure.standing] or sections
    if not any(section.table.has_data for section in happened):
        return Report(region=region, year=year, as_of=scope.as_of, parts=[], empty=True)
    grouped: dict[str, list[Section]] = {}
    for section in sections:  # parts in the order their first figure was chosen
        grouped.setdefault(section.figure.part, []).append(section)
    parts = [Part(str(PARTS[key]), items) for key, items in grouped.items()]
    return Report(region=region, year=year, as_of=scope.as_of, parts=parts, empty=False)
