"""The annual report as an XLSX workbook (one sheet per part, numbers as numbers) and as a PDF with
bar charts for the tables by sector and dimension. Both show what the page shows, withheld cells as
"< 5" or "•" (lms/disclosure.py)."""
import io
import re

from flask_babel import format_date, format_decimal
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from lms.berichte.figures import Table
from lms.berichte.report import Report
from lms.disclosure import SMALL, Figure, min_group_size
from lms.i18n import _
from lms.module.exports import XLSX_TYPE, content_disposition
from lms.pdf import new_document

BAR_COLOUR = (26, 95, 180)  # the page's chart blue


def withheld_mark(figure: Figure) -> str:
    return f"< {min_group_size()}" if figure.withheld == SMALL else "•"


def legend() -> str:
    size = min_group_size()
    return " ".join((
        _("Datenschutz: Eine Zahl, die weniger als %(size)d Personen beschreibt, wird als „< %(size)d“ gezeigt.",
          size=size),
        _("Mit „•“ ausgeblendet ist eine weitere Zahl, aus der sich sonst mit der Summe ein kleiner Wert errechnen ließe."),
    ))


def subtitle(report: Report) -> str:
    return _("Stand: %(date)s", date=format_date(report.as_of, "dd.MM.yyyy"))


def filename(report: Report, ending: str) -> str:
    """E.g. sachbericht-2026-landkreis-leipzig.xlsx."""
    scope = re.sub(r"[\W_]+", "-", report.region.name.lower()).strip("-") if report.region else "land-gesamt"
    return f"sachbericht-{report.year}-{scope or 'region'}{ending}"


# --- XLSX -------------------------------------------------------------------------------------

def _text(value: str) -> str:
    # Spreadsheet programs run cells starting with these as formulas (names come from people).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _put(sheet, row: int, column: int, value, *, bold: bool = False, size: int | None = None) -> None:
    """A typed cell: numbers as numbers, a withheld figure as its mark (right-aligned like a number)."""
    withheld = isinstance(value, Figure) and not value.shown
    if isinstance(value, Figure):
        value = withheld_mark(value) if withheld else value.value
    cell = sheet.cell(row=row, column=column, value=_text(value) if isinstance(value, str) else value)
    if isinstance(value, str):
        cell.number_format = "@"
    if withheld:
        cell.alignment = Alignment(horizontal="right")
    if bold or size:
        cell.font = Font(bold=bold, size=size)


def _head(sheet, report: Report) -> int:
    """The report's title, date and legend at the top of a sheet; the next free row."""
    _put(sheet, 1, 1, report.title, bold=True, size=13)
    _put(sheet, 2, 1, subtitle(report))
    if report.empty:
        _put(sheet, 4, 1, report.empty_text, bold=True)
        return 5
    _put(sheet, 3, 1, legend())
    return 5


def _write_table(sheet, row: int, title: str, table: Table) -> int:
    fill = PatternFill("solid", fgColor="E8E8E8")
    _put(sheet, row, 1, title, bold=True, size=12)
    row += 1
    for column, heading in enumerate((table.head, *table.columns), start=1):
        _put(sheet, row, column, heading, bold=True)
        sheet.cell(row=row, column=column).fill = fill
    for line in table.all_rows:
        row += 1
        for column, value in enumerate((line.label, *line.cells), start=1):
            _put(sheet, row, column, value, bold=line is table.total)
    return row + 2


def to_xlsx(report: Report) -> bytes:
    """One sheet per part (one sheet saying so for an empty report), each table under its title."""
    workbook = Workbook()
    workbook.properties.title = report.title
    workbook.remove(workbook.active)
    for part in report.parts or [None]:
        sheet = workbook.create_sheet(part.title[:31] if part else _("Sachbericht"))
        row = _head(sheet, report)
        labels, columns = [], 1
        for section in part.sections if part else ():
            row = _write_table(sheet, row, section.title, section.table)
            labels += [section.table.head, *(line.label for line in section.table.all_rows)]
            columns = max(columns, 1 + len(section.table.columns))
        sheet.column_dimensions["A"].width = min(max([len(label) for label in labels] + [30]) + 2, 70)
        for column in range(2, columns + 1):
            sheet.column_dimensions[get_column_letter(column)].width = 20
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- PDF --------------------------------------------------------------------------------------

def _shown(figure: Figure) -> str:
    return format_decimal(figure.value) if figure.shown else withheld_mark(figure)


def _pdf_table(pdf, table: Table) -> None:
    from fpdf.fonts import FontFace  # with fpdf itself, when a document is made (lms.pdf)

    values = len(table.columns)
    widths = (pdf.epw - 48 * values, *([48] * values))
    bold = FontFace(emphasis="BOLD")
    with pdf.table(col_widths=widths, text_align=("LEFT", *(["RIGHT"] * values)), line_height=5.5,
                   headings_style=FontFace(emphasis="BOLD", fill_color=(232, 232, 232))) as grid:
        grid.row([table.head, *table.columns])
        for line in table.all_rows:
            grid.row([line.label, *(_shown(cell) for cell in line.cells)], style=bold if line is table.total else None)


def _bars(pdf, table: Table) -> None:
    """A horizontal bar per row for the first column; a withheld cell gets its mark and no bar."""
    peak = max([row.cells[0].value or 0 for row in table.rows] + [1])
    label_width, height = 60, 5
    span = pdf.epw - label_width - 20
    pdf.ln(2)
    pdf.set_font("DejaVu", size=8)
    pdf.set_fill_color(*BAR_COLOUR)
    for row in table.rows:
        if pdf.will_page_break(height + 1):
            pdf.add_page()
        x, y = pdf.l_margin, pdf.get_y()
        pdf.set_xy(x, y)
        pdf.cell(label_width, height, row.label[:45])
        figure = row.cells[0]
        width = span * (figure.value or 0) / peak
        if figure.shown and width:
            pdf.rect(x + label_width, y + 0.8, width, height - 1.6, style="F")
        pdf.set_xy(x + label_width + width + 1, y)
        pdf.cell(18, height, _shown(figure))
        pdf.set_y(y + height + 1)
    pdf.set_font("DejaVu", size=10)
    pdf.set_fill_color(255)  # the tables after it would take the bars' colour


def to_pdf(report: Report) -> bytes:
    pdf = new_document(title=report.title, author=_("Netzwerke für Kinderschutz"))
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(pdf.epw, 9, report.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=10)
    pdf.multi_cell(pdf.epw, 6, subtitle(report), new_x="LMARGIN", new_y="NEXT")
    if report.empty:
        pdf.ln(4)
        pdf.set_font("DejaVu", "B", 12)
        pdf.multi_cell(pdf.epw, 7, report.empty_text, new_x="LMARGIN", new_y="NEXT")
        return bytes(pdf.output())
    pdf.set_font("DejaVu", size=8)
    pdf.multi_cell(pdf.epw, 4.5, legend(), new_x="LMARGIN", new_y="NEXT")
    for part in report.parts:
        pdf.ln(4)
        pdf.set_font("DejaVu", "B", 14)
        pdf.multi_cell(pdf.epw, 8, part.title, new_x="LMARGIN", new_y="NEXT")
        for section in part.sections:
            pdf.ln(2)
            pdf.set_font("DejaVu", "B", 11)
            pdf.multi_cell(pdf.epw, 6, section.title, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("DejaVu", size=10)
            _pdf_table(pdf, section.table)
            if section.table.chart:
                _bars(pdf, section.table)
    return bytes(pdf.output())


FORMATS = {"xlsx": (XLSX_TYPE, to_xlsx), "pdf": ("application/pdf", to_pdf)}


def attachment(report: Report, kind: str) -> tuple[bytes, str, str]:
    """The report as a file of *kind*: its bytes, content type and Content-Disposition."""
    content_type, render = FORMATS[kind]
    return render(report), content_type, content_disposition(filename(report, f".{kind}"))
