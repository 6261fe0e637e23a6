"""The participation certificate as PDF, drawn from the frozen Certificate record alone."""
from babel.dates import format_date

from lms.ical import BERLIN
from lms.links import external_url
from lms.module.models import Certificate
from lms.pdf import new_document


def certificate_pdf(certificate: Certificate) -> bytes:
    pdf = new_document(title=f"Teilnahmebescheinigung {certificate.number}", author=certificate.issuer)
    width = pdf.epw
    pdf.set_font("DejaVu", "B", 20)
    pdf.cell(width, 14, "Teilnahmebescheinigung", new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font("DejaVu", "", 11)
    pdf.cell(width, 8, certificate.issuer, new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.ln(10)
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(width, 9, certificate.holder_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 12)
    pdf.multi_cell(width, 7, "hat erfolgreich am Qualifizierungsmodul", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 14)
    title = f"{certificate.module_code} {certificate.module_title}".strip()
    pdf.multi_cell(width, 8, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 12)
    pdf.multi_cell(width, 7, "teilgenommen.", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    rows = [
        ("Dimension", str(certificate.dimension_label)),
        ("Umfang", f"{certificate.teaching_units} Unterrichtseinheiten à 45 Minuten"),
        ("Termine", certificate.dates_text),
        ("Ausgestellt am", format_date(certificate.issued_at.astimezone(BERLIN), "dd.MM.yyyy", locale="de")),
        ("Nummer", certificate.number),
    ]
    for label, value in rows:
        pdf.set_font("DejaVu", "B", 11)
        pdf.cell(40, 7, label)
        pdf.set_font("DejaVu", "", 11)
        pdf.multi_cell(width - 40, 7, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font("DejaVu", "", 9)
    link = external_url("module.verify_certificate", token=certificate.verification_token)
    pdf.multi_cell(width, 5, f"Echtheit prüfen: {link}", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(width, 5, f"oder unter {external_url('module.verify_form')} mit Nummer und Name.",
                   new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
