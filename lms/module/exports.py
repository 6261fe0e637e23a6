"""Participant lists as CSV and XLSX for the trainers of an offering."""
import csv
import io

from openpyxl import Workbook

from lms.i18n import _l

COLUMNS = (_l("Name"), _l("Organisation"), _l("Sektor"), _l("Region"), _l("Status"), _l("Anwesenheit"))


def participant_rows(rows) -> list[list[str]]:
    """*rows* are ParticipantRow records from queries.participants()."""
    return [
        [
            row.enrolment.user.name,
            row.enrolment.user.organisation or "",
            str(row.enrolment.user.sector_label or ""),
            row.enrolment.user.region.name if row.enrolment.user.region else "",
            str(row.enrolment.status_label) + (f" ({row.position})" if row.position else ""),
            f"{row.attended}/{row.date_count}",
        ]
        for row in rows
    ]


def _headers():
    return [str(column) for column in COLUMNS]


def _safe(value: str) -> str:
    # Spreadsheet programs run cells starting with these as formulas (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def to_csv(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(_headers())
    for row in participant_rows(rows):
        writer.writerow([_safe(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 correctly


def to_xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Teilnehmende"
    sheet.append(_headers())
    for row in participant_rows(rows):
        sheet.append([_safe(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
