"""An offering's participant list as XLSX, as CSV for German Excel and as plain RFC 4180 CSV.

`participant_list` reads everything with a fixed number of queries; the writers only format it.
Values keep their types up to the writer: numbers stay numbers, instants are Europe/Berlin
datetimes, and every text cell passes the formula-injection guard (`_safe`).
"""
import csv
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from lms import audit
from lms.auth.models import User
from lms.i18n import _
from lms.ical import BERLIN
from lms.module import queries, services
from lms.module.models import Completion, Offering, OfferingDate

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8; header=present"
XLSX_DATETIME = "dd.mm.yyyy hh:mm"  # Excel shows it as TT.MM.JJJJ hh:mm in a German installation
XLSX_DATE = "dd.mm.yyyy"

Value = str | int | datetime | date | None


@dataclass
class ParticipantList:
    """What a participant export shows: the offering, its lists, attendance and completions."""

    offering: Offering
    rows: list[queries.ParticipantRow]
    attendance: dict[tuple[int, int], bool]  # (enrolment id, date id) -> present, as recorded
    completions: dict[int, Completion]  # by user id, active ones only
    required: int
    exported_at: datetime
    exported_by: User

    @property
    def dates(self) -> list[OfferingDate]:
        return self.offering.dates


def participant_list(offering: Offering, *, exported_by: User, now: datetime) -> ParticipantList:
    """Read the offering's participants with attendance and completions (a fixed number of queries)."""
    return ParticipantList(
        offering=offering, rows=queries.participants(offering), attendance=services.attendance_map(offering),
        completions={completion.user_id: completion for completion in services.completions_of(offering)},
        required=services.required_dates(offering), exported_at=now, exported_by=exported_by,
    )


def record_export(export: ParticipantList, kind: str) -> None:
    """Leave the export in the audit trail: a participant list is personal data leaving the app."""
    audit.record(export.exported_by, "participants.export", now=export.exported_at, subject=export.offering,
                 format=kind, people=len(export.rows))


def _berlin(value: datetime) -> datetime:
    return value.astimezone(BERLIN)


def _presence(recorded: bool | None) -> int | None:
    # Empty where nothing was recorded: a date not yet held, or a person who was not enrolled.
    return None if recorded is None else int(recorded)


def _person_titles() -> list[str]:
    return [_("Name"), _("E-Mail"), _("Organisation"), _("Sektor"), _("Region"), _("Status"), _("Wartelistenplatz")]


def _headers(export: ParticipantList, when: Callable[[datetime], str] | None) -> list[str]:
    """The table's column titles; *when* adds each date's start to its column (the CSV files)."""
    dates = [
        _("Termin %(number)d", number=number) + (f" ({when(_berlin(d.starts_at))})" if when else "")
        for number, d in enumerate(export.dates, start=1)
    ]
    return [*_person_titles(), *dates,
            _("Anwesend (Termine)"), _("Erforderlich (Termine)"), _("Abgeschlossen"), _("Abgeschlossen am")]


def _records(export: ParticipantList) -> list[list[Value]]:
    records = []
    for row in export.rows:
        enrolment, person = row.enrolment, row.enrolment.user
        completion = export.completions.get(person.id)
        records.append([
            person.name, person.email, person.organisation, str(person.sector_label or "") or None,
            person.region.name if person.region else None, str(enrolment.status_label), row.position,
            *(_presence(export.attendance.get((enrolment.id, d.id))) for d in export.dates),
            row.attended, export.required, _("ja") if completion else _("nein"),
            _berlin(completion.completed_on).date() if completion else None,
        ])
    return records


def _safe(value: str) -> str:
    # Spreadsheet programs run cells starting with these as formulas (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


# --- XLSX -----------------------------------------------------------------------------------

def _put(sheet, row: int, column: int, value: Value, *, bold: bool = False):
    """Write one typed cell: text guarded and kept as text, numbers as numbers, dates with a German format."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, datetime):
        cell.value, cell.number_format = _berlin(value).replace(tzinfo=None), XLSX_DATETIME
    elif isinstance(value, date):
        cell.value, cell.number_format = value, XLSX_DATE
    elif isinstance(value, str):
        cell.value, cell.number_format = _safe(ILLEGAL_CHARACTERS_RE.sub("", value)), "@"
    else:
        cell.value = value
    if bold:
        cell.font = Font(bold=True)
    return cell


def _width(value: Value) -> int:
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    return max((len(line) for line in str(value or "").splitlines()), default=0)


def to_xlsx(export: ParticipantList) -> bytes:
    """The list as a workbook: a header block, each date's time and place, then the table."""
    offering, module = export.offering, export.offering.module
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Teilnehmende")
    workbook.properties.title = _("Teilnehmende: %(module)s", module=module.title)

    number = _("Nr. %(id)d", id=offering.id)
    block = [
        (_("Modul"), f"{module.title} ({module.code})" if module.code else module.title),
        (_("Durchführung"), f"{number} · {offering.phase_label(export.exported_at)}"),
        (_("Region"), offering.region.name if offering.region else _("landesweit")),
        (_("Exportiert am"), export.exported_at),
        (_("Exportiert von"), f"{export.exported_by.name} ({export.exported_by.email})"),
    ]
    for row, (label, value) in enumerate(block, start=1):
        _put(sheet, row, 1, label, bold=True)
        _put(sheet, row, 2, value)
    sheet.cell(row=1, column=2).font = Font(bold=True, size=13)  # the module's title

    # Each date's start, end and place stand right above its attendance column.
    headers, records = _headers(export, None), _records(export)
    first_date_column = len(_person_titles()) + 1
    legend_row = len(block) + 2
    if export.dates:
        legend = [(_("Beginn"), "starts_at"), (_("Ende"), "ends_at"), (_("Ort"), "location")]
        for offset, (label, attribute) in enumerate(legend):
            cell = _put(sheet, legend_row + offset, first_date_column - 1, label, bold=True)
            cell.alignment = Alignment(horizontal="right")
            for index, offering_date in enumerate(export.dates):
                _put(sheet, legend_row + offset, first_date_column + index, getattr(offering_date, attribute) or None)
    header_row = legend_row + 3

    fill = PatternFill("solid", fgColor="E8E8E8")
    for column, title in enumerate(headers, start=1):
        cell = _put(sheet, header_row, column, title, bold=True)
        cell.fill, cell.alignment = fill, Alignment(wrap_text=True, vertical="top")
    for row, record in enumerate(records, start=header_row + 1):
        for column, value in enumerate(record, start=1):
            _put(sheet, row, column, value)

    for column, title in enumerate(headers, start=1):
        values = [record[column - 1] for record in records]
        if first_date_column <= column < first_date_column + len(export.dates):
            values.append(export.dates[column - first_date_column].starts_at)
        longest = max([_width(value) for value in values] + [max(len(word) for word in title.split())])
        sheet.column_dimensions[get_column_letter(column)].width = min(max(longest + 2, 8), 45)
    sheet.column_dimensions["A"].width = max(sheet.column_dimensions["A"].width, 16)

    last_row = header_row + max(len(records), 1)
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(headers))}{last_row}"
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)  # the table's titles and the names
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- CSV ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CsvDialect:
    delimiter: str
    bom: bool
    when: Callable[[datetime], str]
    day: Callable[[date], str]


# German Excel splits at semicolons and reads UTF-8 only after a byte order mark.
EXCEL_CSV = CsvDialect(";", True, lambda value: f"{value:%d.%m.%Y %H:%M}", lambda value: f"{value:%d.%m.%Y}")
RFC4180_CSV = CsvDialect(",", False, lambda value: value.isoformat(timespec="minutes"), date.isoformat)


def _csv_value(value: Value, dialect: CsvDialect) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return dialect.when(_berlin(value))
    if isinstance(value, date):
        return dialect.day(value)
    if isinstance(value, int):
        return str(value)
    return _safe(value)


def to_csv(export: ParticipantList, dialect: CsvDialect = EXCEL_CSV) -> bytes:
    """The table alone (one title row, one row per person), CRLF line ends, in *dialect*."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=dialect.delimiter, lineterminator="\r\n")
    writer.writerow([_csv_value(title, dialect) for title in _headers(export, dialect.when)])
    for record in _records(export):
        writer.writerow([_csv_value(value, dialect) for value in record])
    return (("\ufeff" if dialect.bom else "") + buffer.getvalue()).encode("utf-8")


# --- formats and file names -----------------------------------------------------------------

@dataclass(frozen=True)
class ExportFormat:
    ending: str  # how the file name ends (and the URL: teilnehmende.xlsx, teilnehmende-rfc4180.csv)
    content_type: str
    render: Callable[[ParticipantList], bytes]


FORMATS = {
    "xlsx": ExportFormat(".xlsx", XLSX_TYPE, to_xlsx),
    "csv": ExportFormat(".csv", CSV_TYPE, lambda export: to_csv(export, EXCEL_CSV)),
    "rfc4180": ExportFormat("-rfc4180.csv", CSV_TYPE, lambda export: to_csv(export, RFC4180_CSV)),
}

_GERMAN_LETTERS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


def _slug(text: str, limit: int = 50) -> str:
    slug = re.sub(r"[\W_]+", "-", text.lower()).strip("-")
    return slug[:limit].rsplit("-", 1)[0] if len(slug) > limit else slug


def filename(export: ParticipantList, export_format: ExportFormat) -> str:
    """E.g. teilnehmende-kinderschutz-für-träger-nr12-2025-05-12.xlsx (the day of the export, in Berlin)."""
    day = _berlin(export.exported_at).date().isoformat()
    module_slug = _slug(export.offering.module.title) or "modul"
    return f"teilnehmende-{module_slug}-nr{export.offering.id}-{day}{export_format.ending}"


def content_disposition(name: str) -> str:
    """An attachment header with an ASCII name for old clients and the UTF-8 name (RFC 6266, 8187)."""
    fallback = unicodedata.normalize("NFKD", name.translate(_GERMAN_LETTERS)).encode("ascii", "ignore").decode()
    fallback = re.sub(r'[^A-Za-z0-9._-]+', "-", fallback)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
