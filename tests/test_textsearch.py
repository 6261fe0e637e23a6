"""Text found in any case by Unicode's rules on both engines (SQLite's own lower() folds only A to Z)."""
from sqlalchemy import String, literal, select

from lms.auth.models import Region
from lms.db import folded
from lms.extensions import db
from lms.textsearch import contains


def test_contains_finds_any_case_umlauts_included(create_region):
    for name in ("Landkreis Görlitz", "ÖHRINGEN", "Straße 100%", "Straße 1000"):
        create_region(name)

    def found(text):
        return db.session.scalars(select(Region.name).where(contains(Region.name, text)).order_by(Region.name)).all()

    assert found("görlitz") == found("GÖRLITZ") == found(" Görlitz ") == ["Landkreis Görlitz"]
    assert found("öhr") == found("Öhr") == ["ÖHRINGEN"]
    assert found("STRASSE") == []  # lower case, not case folding: "ß" stays "ß", as in PostgreSQL's lower()
    assert found("straße 100%") == ["Straße 100%"] and found("0%") == ["Straße 100%"]  # not "…1000"
    assert found("e_1") == [] and found("Straße 1") == ["Straße 100%", "Straße 1000"]


def test_folded_is_lower_case_by_unicode_rules_and_keeps_null(app):
    assert db.session.scalar(select(folded(literal("ÄÖÜ Éa")))) == "äöü éa"
    assert db.session.scalar(select(folded(literal(None, String)))) is None


def test_both_sides_are_lowered_by_the_engine_so_a_name_always_finds_itself(create_region):
    """PostgreSQL lowers "İ" to "i", Python to "i" and a combining dot, and a final "Σ" to "σ" or
    "ς": lowering one side in Python would make "İlker" miss itself on PostgreSQL."""
    create_region("İlkerstadt ΟΔΟΣ")
    for text in ("İlkerstadt", "İLKERSTADT", "ΟΔΟΣ"):
        assert db.session.scalar(select(Region.name).where(contains(Region.name, text))) == "İlkerstadt ΟΔΟΣ", text
    assert db.session.scalar(select(Region.name).where(folded(Region.name) == folded("İLKERSTADT ΟΔΟΣ"))) \
        == "İlkerstadt ΟΔΟΣ"
