"""The qualification record (Qualifizierungsnachweis) as JSON and PDF: completions with units and
dimension, current competence levels, and the date."""
from datetime import date

from babel.dates import format_date

from lms.dimensions import DIMENSION_LABELS
from lms.ical import BERLIN
from lms.kompetenzen.services import AreaSummary
from lms.pdf import new_document


def record_data(person, completions, summaries: list[AreaSummary], *, now) -> dict:
    return {
        "name": person.name,
        "stand": now.astimezone(BERLIN).date().isoformat(),
        "abschluesse": [
            {"modul": c.certificate.module_title if c.certificate else (c.module.title if c.module else ""),
             "dimension": c.dimension, "unterrichtseinheiten": c.teaching_units,
             "abgeschlossen_am": c.completed_on.astimezone(BERLIN).date().isoformat(),
             "bescheinigung": c.certificate.number if c.certificate else None}
            for c in completions
        ],
        "unterrichtseinheiten_je_dimension": {
            dimension: sum(c.teaching_units for c in completions if c.dimension == dimension)
            for dimension in DIMENSION_LABELS
        },
        "kompetenzen": [
            {"code": row.competence.code, "kompetenz": row.competence.name, "bereich": summary.area.name,
             "soll": row.target, "ist": row.current, "selbsteinschaetzung": row.self_level}
            for summary in summaries for row in summary.rows
        ],
    }


def record_pdf(data: dict, *, issuer: str) -> bytes:
    pdf = new_document(title=f"Qualifizierungsnachweis {data['name']}", author=issuer)
    pdf.set_font("DejaVu", "B", 18)
    pdf.cell(pdf.epw, 12, "Qualifizierungsnachweis", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    stand = format_date(date.fromisoformat(data["stand"]), "dd.MM.yyyy", locale="de")
    pdf.multi_cell(pdf.epw, 6, f"{data['name']} · Stand {stand} · {issuer}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 13)
    pdf.cell(pdf.epw, 8, "Abgeschlossene Module", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    if not data["abschluesse"]:
        pdf.cell(pdf.epw, 6, "Noch keine abgeschlossenen Module.", new_x="LMARGIN", new_y="NEXT")
    for item in data["abschluesse"]:
        label = DIMENSION_LABELS.get(item["dimension"], item["dimension"])
        completed = format_date(date.fromisoformat(item["abgeschlossen_am"]), "dd.MM.yyyy", locale="de")
        pdf.multi_cell(pdf.epw, 6, f"{completed}  {item['modul']} – {label}, "
                                   f"{item['unterrichtseinheiten']} UE", new_x="LMARGIN", new_y="NEXT")
    totals = ", ".join(f"{DIMENSION_LABELS[d]}: {units} UE" for d, units in data["unterrichtseinheiten_je_dimension"].items())
    pdf.multi_cell(pdf.epw, 6, f"Summe: {totals}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 13)
    pdf.cell(pdf.epw, 8, "Kompetenzen (Soll / Ist)", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    for item in data["kompetenzen"]:
        pdf.multi_cell(pdf.epw, 5.5, f"{item['code']} {item['kompetenz']}: Soll {item['soll']}, Ist {item['ist']}",
                       new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
