"""PDF documents with an embedded Unicode font (DejaVu Sans, shipped in lms/fonts), so that any
name renders, umlauts included, without system fonts."""
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

FONTS = Path(__file__).resolve().parent / "fonts"


def new_document(*, title: str, author: str) -> "FPDF":
    """An A4 document with the font set. fpdf (with fontTools) is imported here, when the first
    document is made: it was a tenth of the time every process (web worker, `lms` command) spent on
    imports at start."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator("lms")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_font("DejaVu", size=11)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    return pdf
