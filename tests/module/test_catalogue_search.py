"""The catalogue search speaks German as the instrument search does: stems, umlaut spellings,
parts of compounds; relevance order when searching, else by code; impossible dates are named."""
from datetime import timedelta

import pytest

from lms.extensions import db
from lms.module import services
from tests.conftest import FIXED_NOW

CODES = ("M01", "M04", "M08", "M11")


def _codes(client, query: str) -> list[str]:
    """The module codes on the catalogue page, in the order shown."""
    page = client.get("/qualifizierung?" + query).get_data(as_text=True)
    return sorted((code for code in CODES if code in page), key=page.index)


@pytest.fixture
def catalogue(create_module):
    create_module(code="M08", title="Helferkonferenzen moderieren",
                  summary="Fallbezogene Zusammenarbeit: Konferenzen vorbereiten und leiten")
    create_module(code="M01", title="Rechtliche Grundlagen im Kinderschutz",
                  summary="§ 8a SGB VIII, § 4 KKG und das Erkennen einer Kindeswohlgefährdung")
    create_module(code="M11", title="Netzwerkanalyse", summary="Akteure, Angebote und Lücken im Netzwerk")
    create_module(code="M04", title="Gefährdungseinschätzung", summary="Gewichtige Anhaltspunkte erkennen")


def test_without_a_query_modules_are_listed_by_code(client, catalogue):
    assert _codes(client, "") == ["M01", "M04", "M08", "M11"]


@pytest.mark.parametrize(("query", "expected"), [
    ("Gefaehrdung", ["M04", "M01"]),  # umlaut spelling; the title hit first, then the summary's compound
    ("gefährdungen", ["M04", "M01"]),  # inflected
    ("Helferkonferenzen", ["M08"]),
    ("helferkonferenz", ["M08"]),
    ("Kinderschutz Grundlagen", ["M01"]),  # every word must be found
    ("netzwerk", ["M11"]),
    ("m08", ["M08"]),  # the code
    ("Rechte", ["M01"]),  # "Rechtliche"
    ("gibtesnicht", []),
    ("100%_", []),  # LIKE wildcards are plain characters
])
def test_the_search_is_german_aware(client, catalogue, query, expected):
    assert _codes(client, f"q={query}") == expected


def test_an_edit_updates_the_search_terms(client, catalogue, trainer):
    module = db.session.scalar(db.select(services.Module).where(services.Module.code == "M11"))
    data = services.ModuleInput(
        code="M11", title="Netzwerkkarte erstellen", summary="Wer gehört dazu?", description="", learning_goals="",
        dimension="internal", teaching_units=8, required_attendance=100, audiences=["coordinator"],
        prerequisite_ids=[], trainer_ids=[trainer.id])
    services.update_module(trainer, module, data, now=FIXED_NOW)
    db.session.commit()
    assert _codes(client, "q=Netzwerkkarten") == ["M11"] and _codes(client, "q=Netzwerkanalyse") == []


def test_an_impossible_date_range_is_named_and_not_applied(client, catalogue, create_offering, create_module):
    day = (FIXED_NOW + timedelta(days=30)).date()
    page = client.get(f"/qualifizierung?von={day.isoformat()}&bis={(day - timedelta(days=3)).isoformat()}")
    text = page.get_data(as_text=True)
    assert "„Beginn bis“ liegt vor „Beginn ab“. Bitte prüfen Sie den Zeitraum." in text
    assert 'aria-invalid="true" aria-describedby="bis-error"' in text
    assert _codes(client, f"von={day.isoformat()}&bis={(day - timedelta(days=3)).isoformat()}") == [
        "M01", "M04", "M08", "M11"]
    wrong = client.get("/qualifizierung?von=2026-02-31").get_data(as_text=True)
    assert "Bitte geben Sie ein gültiges Datum an" in wrong
