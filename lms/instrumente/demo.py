"""Demo library: the starter instruments, each with a small PDF made here, published after review."""
from datetime import datetime
from functools import lru_cache

from sqlalchemy import select

from lms.auth.services import find_user_by_email
from lms.extensions import db
from lms.instrumente import services
from lms.instrumente.models import Instrument
from lms.instrumente.services import InstrumentInput, Upload
from lms.instrumente.starter import INSTRUMENTS
from lms.pdf import new_document

TOPICS = {
    "I01": ["Netzwerkanalyse", "Akteure"], "I02": ["Netzwerkanalyse", "Bedarf"], "I03": ["Kooperation", "Vorlage"],
    "I04": ["Schutzauftrag", "Vorlage"], "I05": ["Rollenklärung"], "I06": ["Gremien"], "I07": ["Moderation", "Protokoll"],
    "I08": ["Helferkonferenz", "Checkliste"], "I09": ["Fallberatung", "Datenschutz"], "I10": ["Gefährdungseinschätzung"],
    "I11": ["Gefährdungseinschätzung", "Ablauf"], "I12": ["Ansprechpartner", "Notfall"], "I13": ["Qualität"],
    "I14": ["Konflikt"], "I15": ["Qualifizierung", "Feedback"],
}
# Third-party scales are referenced, not hosted (DOMAIN.md 4.3, I10).
LINKS = {"I10": "http://www.kvjs.de/jugend/kinderschutz/kiwo-skala-kinderschutz-in-tageseinrichtungen.html"}


@lru_cache(maxsize=len(INSTRUMENTS))
def _pdf(title: str, text: str, now: datetime) -> bytes:
    """A one-page PDF of the instrument. Kept per process for the same text and instant: each build
    embeds the fonts (about a tenth of a second), and the tests seed the demo many times."""
    pdf = new_document(title=title, author="Netzwerke für Kinderschutz")
    pdf.set_creation_date(now)
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(pdf.epw, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(pdf.epw, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.multi_cell(pdf.epw, 6, "Demo-Dokument der Plattform – bitte durch die Fassung Ihres Netzwerks ersetzen.",
                   new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def seed(*, now: datetime) -> list[tuple[str, str]]:
    author, reviewer = find_user_by_email("referentin@example.org"), find_user_by_email("admin@example.org")
    existing = set(db.session.scalars(select(Instrument.code)))
    for item in INSTRUMENTS:
        if item["code"] in existing or author is None or reviewer is None:
            continue
        link = LINKS.get(item["code"], "")
        upload = None if link else Upload(f"{item['code']}.pdf", _pdf(item["title"], item["summary"], now))
        instrument = services.create_instrument(author, InstrumentInput(
            code=item["code"], title=item["title"], kind=item["kind"], summary=item["summary"], description="",
            dimension=item["dimension"], topics=TOPICS.get(item["code"], []), sectors=[],
            licence_note="Vorlage der Plattform, frei zur Anpassung im eigenen Netzwerk." if not link
            else "Instrument Dritter: hier nur verlinkt.", visibility="public" if item["code"] != "I12" else "members",
            link_url=link,
        ), upload=upload, now=now)
        # Demo data is published quietly: nobody gets a mail about a review that never waited.
        services.submit_for_review(author, instrument, now=now, notify=False)
        services.review(reviewer, instrument, approve=True, comment="Demo: geprüft", now=now, notify=False)
    return []
