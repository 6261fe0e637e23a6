"""The annual report's figures: one declared list (`FIGURES`), each with a stable key, its title, the
part (sheet) it belongs to and the function that computes it for a `Scope` (a region or the whole
Land, a calendar year in Europe/Berlin). LMS_REPORT_FIGURES picks and orders them by key.

What counts:
- A meeting is held when it is not cancelled and started in the year (before now). Participants of
  meetings are the attendance rows: per sector the distinct people, per meeting the rows.
- Bodies and institutions are those created before the year's end (the network as it stood then);
  a region's institutions are those that serve it.
- An agreement is in force on `as_of` (31 December, or today in the running year) when it began
  (its start and, for a signed one, its last signature) and neither ended nor was terminated by
  then. It was concluded in the year of its last signature; the app clears a terminated
  agreement's signatures, so its start counts instead. Agreements count by their stored state:
  one moved back to "in Abstimmung" for a new text counts as neither.
- An offering is held in the year when it is not cancelled and one of its dates started in the
  year: so one across New Year counts in both years. A region's report counts the offerings of
  that region; statewide offerings (no region) count in the Land-wide report only, which holds
  every offering, so that the regions' figures never count the same offering twice. UE are the
  module's teaching units per held offering. Participants are the distinct people present at a
  date of the year.
- Consultations are counted by `lms.beratung.statistics` (metadata only), of bookers from the
  region, starting in the year.

Figures that count people are protected as `lms.beratung.statistics` protects them (`protect`,
with the shown total); counts of things (bodies, meetings, institutions, agreements, offerings, UE)
are shown as they are.
"""
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import format_date
from sqlalchemy import distinct, func, select

from lms.auth.models import SECTOR_LABELS, User
from lms.beratung.catalogue import CONSULTATION_TYPES, FORMAT_LABELS
from lms.beratung.statistics import statistics
from lms.config import ConfigError
from lms.dimensions import DIMENSION_LABELS
from lms.disclosure import Figure, Group, protect
from lms.extensions import db
from lms.i18n import _, _l
from lms.ical import BERLIN, from_berlin
from lms.module.models import Attendance, Enrolment, Module, Offering, OfferingDate, OfferingState
from lms.netzwerk.models import (
    BODY_KIND_LABELS,
    Agreement,
    AgreementParty,
    AgreementState,
    Body,
    Institution,
    Meeting,
    MeetingAttendance,
    MeetingState,
    institutions_serving,
)

PARTS = {
    "gremien": _l("Gremien und Sitzungen"),
    "netzwerk": _l("Netzwerk"),
    "vereinbarungen": _l("Vereinbarungen"),
    "qualifizierung": _l("Qualifizierung"),
    "beratung": _l("Beratung"),
}


@dataclass(frozen=True)
class Scope:
    """What a report is about: a region (None: the whole Land) and a year, as *actor* reads it at *now*."""

    actor: User
    region_id: int | None
    year: int
    now: datetime

    @property
    def start(self) -> datetime:
        return from_berlin(date(self.year, 1, 1), time())

    @property
    def end(self) -> datetime:
        return from_berlin(date(self.year + 1, 1, 1), time())

    @property
    def until(self) -> datetime:
        """What happened in the year happened before this: its end, or now in the running year."""
        return min(self.end, self.now)

    @property
    def as_of(self) -> date:
        """The day standing figures describe: 31 December, or today in the running year."""
        return min(date(self.year, 12, 31), self.now.astimezone(BERLIN).date())


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Figure, ...]


@dataclass(frozen=True)
class Table:
    """One figure as the report shows it: row labels under *head*, one Figure per column."""

    head: str
    columns: tuple[str, ...]
    rows: list[Row]
    total: Row | None = None
    chart: bool = False  # drawn as bars (of the first column) in the PDF

    @property
    def all_rows(self) -> list[Row]:
        return [*self.rows, *([self.total] if self.total else [])]

    @property
    def has_data(self) -> bool:
        """Anything but zeros: a withheld cell stands for people, so it counts."""
        return any(cell.value != 0 for row in self.all_rows for cell in row.cells)


@dataclass(frozen=True)
class ReportFigure:
    key: str
    label: object
    part: str
    compute: Callable[[Scope], Table]
    standing: bool = False  # how things stood at the year's end, not what happened in it


# --- helpers ---------------------------------------------------------------------------------

def _label(labels: dict, value) -> str:
    return str(labels.get(value, value)) if value is not None else _("ohne Angabe")


def _sector_labels(present: Iterable) -> dict:
    """Every sector, and "ohne Angabe" or an unknown code when someone holds it."""
    return {**SECTOR_LABELS, **{value: _label(SECTOR_LABELS, value) for value in present if value not in SECTOR_LABELS}}


def _counts(labels: dict, counts: dict, *, head: str, column: str, chart: bool = False) -> Table:
    """A count of things per label: shown as it is, with its total."""
    rows = [Row(_label(labels, value), (Figure(counts.get(value, 0)),)) for value in labels]
    return Table(head, (column,), rows, Row(_("Insgesamt"), (Figure(sum(counts.values())),)), chart)


def _people(labels: dict, groups: dict[object, Group], total: Group, *, head: str, column: str,
            chart: bool = False) -> Table:
    """A count of people per label, protected against small cells and their recovery from the total."""
    keys = list(labels)
    if total.rows:
        figures, total_figure = protect((groups.get(key, Group()) for key in keys), total=total)
    else:  # nobody at all: the zeros describe no one
        figures, total_figure = [Figure(0)] * len(keys), Figure(0)
    rows = [Row(_label(labels, key), (figure,)) for key, figure in zip(keys, figures)]
    return Table(head, (column,), rows, Row(_("Insgesamt"), (total_figure,)), chart)


def _in_region(query, column, scope: Scope):
    return query if scope.region_id is None else query.where(column == scope.region_id)


def _held_meetings(query, scope: Scope):
    query = query.where(Meeting.state != MeetingState.CANCELLED, Meeting.starts_at >= scope.start,
                        Meeting.starts_at < scope.until)
    return _in_region(query, Body.region_id, scope)


def _scoped_offerings(query, scope: Scope):
    """Not cancelled; of the region (a region's report leaves statewide offerings to the Land's)."""
    return _in_region(query.where(Offering.state != OfferingState.CANCELLED), Offering.region_id, scope)


def _dated_in_year(scope: Scope):
    return OfferingDate.starts_at >= scope.start, OfferingDate.starts_at < scope.until


def _institutions(query, scope: Scope):
    query = query.where(Institution.created_at < scope.end)
    if scope.region_id is None:
        return query
    return query.where(Institution.id.in_(institutions_serving(scope.region_id)))


# --- Gremien und Sitzungen -------------------------------------------------------------------

def bodies(scope: Scope) -> Table:
    query = select(Body.kind, func.count(Body.id)).where(Body.created_at < scope.end).group_by(Body.kind)
    counts = dict(db.session.execute(_in_region(query, Body.region_id, scope)).all())
    return _counts(BODY_KIND_LABELS, counts, head=_("Art des Gremiums"), column=_("Gremien"))


def meetings(scope: Scope) -> Table:
    query = select(Body.kind, func.count(Meeting.id)).select_from(Meeting).join(Body, Body.id == Meeting.body_id)
    counts = dict(db.session.execute(_held_meetings(query, scope).group_by(Body.kind)).all())
    return _counts(BODY_KIND_LABELS, counts, head=_("Art des Gremiums"), column=_("Sitzungen"))


def meeting_participants_by_sector(scope: Scope) -> Table:
    query = (select(MeetingAttendance.user_id, User.sector).distinct()
             .join(Meeting, Meeting.id == MeetingAttendance.meeting_id).join(Body, Body.id == Meeting.body_id)
             .join(User, User.id == MeetingAttendance.user_id))
    groups, total = {}, Group()
    for user_id, sector in db.session.execute(_held_meetings(query, scope)):
        groups.setdefault(sector, Group()).add(user_id)
        total.add(user_id)
    return _people(_sector_labels(groups), groups, total, head=_("Sektor"), column=_("Personen"), chart=True)


def participants_per_meeting(scope: Scope) -> Table:
    """Each held meeting with the people present; no total, so only small cells are withheld."""
    query = (select(Meeting.id, Meeting.starts_at, Body.name, MeetingAttendance.user_id).select_from(Meeting)
             .join(Body, Body.id == Meeting.body_id)
             .outerjoin(MeetingAttendance, MeetingAttendance.meeting_id == Meeting.id))
    held: dict[int, tuple[str, Group]] = {}
    for meeting_id, starts_at, name, user_id in db.session.execute(
            _held_meetings(query, scope).order_by(Meeting.starts_at, Meeting.id)):
        group = held.setdefault(meeting_id, (f"{format_date(starts_at, 'dd.MM.yyyy')} – {name}", Group()))[1]
        if user_id is not None:
            group.add(user_id)
    figures, _total = protect(group for _name, group in held.values())
    return Table(_("Sitzung"), (_("Teilnehmende"),),
                 [Row(label, (figure,)) for (label, _group), figure in zip(held.values(), figures)])


# --- Netzwerk --------------------------------------------------------------------------------

def institutions_by_sector(scope: Scope) -> Table:
    query = _institutions(select(Institution.sector, func.count(Institution.id)), scope).group_by(Institution.sector)
    counts = dict(db.session.execute(query).all())
    return _counts(_sector_labels(counts), counts, head=_("Sektor"), column=_("Einrichtungen"), chart=True)


def sectors(scope: Scope) -> Table:
    count = db.session.scalar(_institutions(select(func.count(distinct(Institution.sector))), scope))
    return Table(_("Sektoren"), (_("Anzahl"),), [Row(_("mit mindestens einer Einrichtung"), (Figure(count),))])


# --- Vereinbarungen --------------------------------------------------------------------------

def _agreements(scope: Scope) -> list:
    query = (select(Agreement.state, Agreement.valid_from, Agreement.valid_to, Agreement.terminated_on,
                    func.max(AgreementParty.signed_on).label("last_signed"))
             .outerjoin(AgreementParty, AgreementParty.agreement_id == Agreement.id)
             .where(Agreement.state.in_((AgreementState.SIGNED, AgreementState.TERMINATED)))
             .group_by(Agreement.id, Agreement.state, Agreement.valid_from, Agreement.valid_to,
                       Agreement.terminated_on))
    return db.session.execute(_in_region(query, Agreement.region_id, scope)).all()


def _in_force(row, day: date) -> bool:
    begun = max(filter(None, (row.valid_from, row.last_signed)), default=None)
    if begun is None or begun > day or (row.valid_to is not None and row.valid_to < day):
        return False
    return row.state == AgreementState.SIGNED or (row.terminated_on is not None and row.terminated_on > day)


def agreements_in_force(scope: Scope) -> Table:
    count = sum(_in_force(row, scope.as_of) for row in _agreements(scope))
    return Table(_("Kooperationsvereinbarungen"), (_("Anzahl"),),
                 [Row(_("in Kraft am %(date)s", date=format_date(scope.as_of, "dd.MM.yyyy")), (Figure(count),))])


def _concluded_on(row) -> date | None:
    return row.last_signed or row.valid_from  # a terminated agreement's signatures are cleared


def agreements_concluded(scope: Scope) -> Table:
    first = date(scope.year, 1, 1)
    count = sum(_concluded_on(row) is not None and first <= _concluded_on(row) <= scope.as_of
                for row in _agreements(scope))
    return Table(_("Kooperationsvereinbarungen"), (_("Anzahl"),),
                 [Row(_("im Jahr %(year)d geschlossen", year=scope.year), (Figure(count),))])


# --- Qualifizierung --------------------------------------------------------------------------

def offerings_by_dimension(scope: Scope) -> Table:
    dated = select(OfferingDate.offering_id).where(*_dated_in_year(scope))
    query = _scoped_offerings(
        select(Module.dimension, func.count(Offering.id), func.sum(Module.teaching_units))
        .select_from(Offering).join(Module, Module.id == Offering.module_id)
        .where(Offering.id.in_(dated)), scope).group_by(Module.dimension)
    counts = {dimension: (offerings, units) for dimension, offerings, units in db.session.execute(query)}
    rows = [Row(str(label), tuple(Figure(value) for value in counts.get(dimension, (0, 0))))
            for dimension, label in DIMENSION_LABELS.items()]
    total = Row(_("Insgesamt"), tuple(Figure(sum(values[index] for values in counts.values())) for index in (0, 1)))
    return Table(_("Dimension"), (_("Angebote"), _("Unterrichtseinheiten")), rows, total, chart=True)


def participants_by_dimension(scope: Scope) -> Table:
    query = _scoped_offerings(
        select(Enrolment.user_id, Module.dimension).distinct().select_from(Attendance)
        .join(Enrolment, Enrolment.id == Attendance.enrolment_id)
        .join(OfferingDate, OfferingDate.id == Attendance.date_id)
        .join(Offering, Offering.id == OfferingDate.offering_id).join(Module, Module.id == Offering.module_id)
        .where(Attendance.present.is_(True), *_dated_in_year(scope)), scope)
    groups, total = {}, Group()
    for user_id, dimension in db.session.execute(query):
        groups.setdefault(dimension, Group()).add(user_id)
        if user_id not in total.people:  # one person in both dimensions is one person in the total
            total.add(user_id)
    return _people(DIMENSION_LABELS, groups, total, head=_("Dimension"), column=_("Personen"), chart=True)


# --- Beratung --------------------------------------------------------------------------------

def _consultations(dimension: str, labels: dict, head, *, chart: bool = False) -> Callable[[Scope], Table]:
    def compute(scope: Scope) -> Table:
        stats = statistics(scope.actor, region_id=scope.region_id, period=(scope.start, scope.until))
        rows = [Row(_label(labels, value), (figure,)) for value, figure in stats.by[dimension]]
        # No consultation at all is a zero, not a withheld total.
        total = Row(_("Insgesamt"), (stats.total if rows else Figure(0),))
        return Table(str(head), (_("Beratungen"),), rows, total, chart)

    return compute


FIGURES = (
    ReportFigure("bodies", _l("Gremien"), "gremien", bodies, standing=True),
    ReportFigure("meetings", _l("Durchgeführte Sitzungen"), "gremien", meetings),
    ReportFigure("meeting_participants_by_sector", _l("Teilnehmende an Sitzungen je Sektor"), "gremien",
                 meeting_participants_by_sector),
    ReportFigure("participants_per_meeting", _l("Teilnehmende je Sitzung"), "gremien", participants_per_meeting),
    ReportFigure("institutions_by_sector", _l("Einrichtungen im Netzwerk je Sektor"), "netzwerk",
                 institutions_by_sector, standing=True),
    ReportFigure("sectors", _l("Im Netzwerk vertretene Sektoren"), "netzwerk", sectors, standing=True),
    ReportFigure("agreements_in_force", _l("Geltende Kooperationsvereinbarungen"), "vereinbarungen",
                 agreements_in_force, standing=True),
    ReportFigure("agreements_concluded", _l("Im Jahr geschlossene Kooperationsvereinbarungen"), "vereinbarungen",
                 agreements_concluded),
    ReportFigure("offerings_by_dimension", _l("Durchgeführte Angebote und Unterrichtseinheiten je Dimension"),
                 "qualifizierung", offerings_by_dimension),
    ReportFigure("participants_by_dimension", _l("Teilnehmende an Qualifizierungen je Dimension"), "qualifizierung",
                 participants_by_dimension),
    ReportFigure("consultations_by_type", _l("Beratungen je Beratungsart"), "beratung",
                 _consultations("type", {code: kind.label for code, kind in CONSULTATION_TYPES.items()},
                                _l("Beratungsart"))),
    ReportFigure("consultations_by_sector", _l("Beratungen je Sektor der Buchenden"), "beratung",
                 _consultations("sector", SECTOR_LABELS, _l("Sektor"), chart=True)),
    ReportFigure("consultations_by_format", _l("Beratungen je Format"), "beratung",
                 _consultations("format", FORMAT_LABELS, _l("Format"))),
)


def chosen(keys: Iterable[str]) -> list[ReportFigure]:
    """The figures named by *keys*, in their order; every figure when there are none."""
    keys = list(keys)
    if not keys:
        return list(FIGURES)
    by_key = {figure.key: figure for figure in FIGURES}
    unknown = [key for key in keys if key not in by_key]
    if unknown or len(set(keys)) != len(keys):
        raise ConfigError([f"LMS_REPORT_FIGURES: unknown or repeated keys {unknown or keys}; known: {', '.join(by_key)}"])
    return [by_key[key] for key in keys]
