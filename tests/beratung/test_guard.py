"""The free-text guard on its own: what it blocks, what it asks to confirm, what it leaves alone, how
a confirmation binds to its finding, its word lists, and its figures on the benchmark corpus."""
import importlib.util
import random
import time
from pathlib import Path

import pytest

from lms.beratung.guard import find_identifiers, marked, open_findings, unique, words

ROOT = Path(__file__).resolve().parents[2]


def found(text: str) -> list[tuple[str, str]]:
    return [(finding.kind, finding.text) for finding in find_identifiers(text)]


# --- blocked: the shape alone identifies -----------------------------------------------------

@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("Kontakt: eltern.muster@example.org", "email", "eltern.muster@example.org"),
    ("Mail an lena.mueller (at) web.de schicken", "email", "lena.mueller (at) web.de"),
    ("Rückruf unter 0351 4567890", "phone", "0351 4567890"),
    ("Mobil 0171/1234567 erreichbar", "phone", "0171/1234567"),
    ("Festnetz 0341-1234567", "phone", "0341-1234567"),
    ("Rückruf unter +49 351 4567890", "phone", "+49 351 4567890"),
    ("Erreichbar unter 0049 176 98765432", "phone", "0049 176 98765432"),
    ("Tel. 123 45 67 (nachmittags)", "phone", "123 45 67"),
    ("geb. 12.03.2018", "date", "12.03.2018"),
    ("geboren am 12.3.18", "date", "12.3.18"),
    ("am 12. 03. 2018 vorgestellt", "date", "12. 03. 2018"),
    ("geboren am 12. März 2018", "date", "12. März 2018"),
    ("am 3. Februar 2019 aufgenommen", "date", "3. Februar 2019"),
    ("Eintrag vom 2025-03-12 im Bericht", "date", "2025-03-12"),
    ("Brief vom 4/11/25 liegt vor", "date", "4/11/25"),
    ("Sie wohnen Hauptstraße 5a im Hinterhaus", "address", "Hauptstraße 5a"),
    ("Hauptstr. 5 im Hinterhaus", "address", "Hauptstr. 5"),
    ("wohnt Karl-Marx-Allee 10", "address", "Karl-Marx-Allee 10"),
    ("wohnt Berliner Straße 12", "address", "Berliner Straße 12"),
    ("wohnt Straße des Friedens 4", "address", "Straße des Friedens 4"),
    ("Die Familie wohnt Am Markt 7.", "address", "Am Markt 7"),
    ("Umzug nach 04109 steht an", "postcode", "04109"),
    ("Aktenzeichen 51-2023-0457", "number", "51-2023-0457"),
    ("Az. 4 F 123/23 beim Familiengericht", "number", "4 F 123/23"),
    ("Versichertennummer A123456789", "number", "A123456789"),
    ("RV-Nummer 12 150385 K 123 liegt vor", "number", "12 150385 K 123"),
    ("IBAN DE89 3704 0044 0532 0130 00 für die Kosten", "number", "DE89 3704 0044 0532 0130 00"),
    ("Fallnummer 20231234567 im Jugendamt", "number", "20231234567"),
])
def test_the_guard_blocks_what_identifies_by_its_shape(text, kind, expected):
    assert found(text) == [(kind, expected)]
    finding = find_identifiers(text)[0]
    assert finding.blocked and open_findings(text, {finding.key}) == [finding]


def test_the_seen_vignette_is_blocked_with_each_finding_named():
    text = "Lena Müller, geb. 12.03.2018, Hauptstraße 5 in Grimma, Tel. 0341 1234567, lena.mueller@web.de"
    assert found(text) == [("given_name", "Lena"), ("surname", "Müller"), ("date", "12.03.2018"),
                           ("address", "Hauptstraße 5"), ("place", "Grimma"), ("phone", "0341 1234567"),
                           ("email", "lena.mueller@web.de")]
    everything = {finding.key for finding in find_identifiers(text)}
    assert [finding.kind for finding in open_findings(text, everything)] == ["date", "address", "phone", "email"]
    assert str(find_identifiers(text)[2].message) == (
        "„12.03.2018“ ist ein vollständiges Datum (zum Beispiel ein Geburtsdatum). Solche Angaben dürfen hier nicht "
        "gespeichert werden: bitte entfernen.")


# --- confirmable: names, places, institutions, ages with places ------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("Müller", [("surname", "Müller")]),
    ("Frau Müller berichtet von Schlägen.", [("surname", "Müller")]),
    ("Müllers Tochter kommt nicht mehr.", [("surname", "Müllers")]),
    ("Die Mutter, Frau Mueller, ruft an.", [("surname", "Mueller")]),
    ("Ayşe erzählt von zu Hause.", [("given_name", "Ayşe")]),
    ("Ayse erzählt von zu Hause.", [("given_name", "Ayse")]),
    ("Herr Schmidt holt das Kind ab.", [("surname", "Schmidt")]),
    ("Der Vater, Herr Bach, verweigert den Kontakt.", [("surname", "Bach")]),
    ("Die Großmutter, Frau Wolf, äußert einen Verdacht.", [("surname", "Wolf")]),
    ("Familie Hoffmann lebt zurückgezogen.", [("surname", "Hoffmann")]),
    ("Die Familie Schulze hat drei Kinder.", [("surname", "Schulze")]),  # not listed: the context says it
    ("Frau Dr. Kowalczyk, die Kinderärztin, ruft an.", [("surname", "Kowalczyk")]),
    ("Lukas' Mutter hat angerufen.", [("given_name", "Lukas")]),
    ("Kevin erzählt im Morgenkreis von Schlägen.", [("given_name", "Kevin")]),
    ("Der Vater, Piotr Kowalski, ist selten zu Hause.", [("given_name", "Piotr"), ("surname", "Kowalski")]),
    ("Die Mutter heißt Svetlana Iwanowa.", [("given_name", "Svetlana"), ("surname", "Iwanowa")]),
    ("Oksana ist mit den Kindern geflohen.", [("given_name", "Oksana")]),
    ("Mohammed und Fatima fehlen seit Montag.", [("given_name", "Mohammed"), ("given_name", "Fatima")]),
    ("Die Familie ist aus Grimma zugezogen.", [("place", "Grimma")]),
    ("Die Großmutter lebt in Essen.", [("place", "Essen")]),
    ("Die Familie kommt aus Bad Lausick.", [("place", "Bad Lausick")]),
    ("Sie lebt in Leipzig-Grünau.", [("place", "Leipzig"), ("place", "Grünau")]),
    ("Das Kind besucht die Kita Sonnenschein in Plauen.", [("institution", "Kita Sonnenschein"), ("place", "Plauen")]),
    ("Die Grundschule am Rosental meldet Fehlzeiten.", [("institution", "Grundschule am Rosental")]),
    ("Die Kita „Pusteblume“ hat angerufen.", [("institution", "Kita „Pusteblume“")]),
    ("Der Kindergarten St. Marien meldet sich.", [("institution", "Kindergarten St. Marien")]),
    ("Die Oberschule Colditz meldet Schwänzen.", [("institution", "Oberschule Colditz")]),
    ("Ein 7-jähriger Junge aus Wurzen.", [("age", "7-jähriger"), ("place", "Wurzen")]),
    ("Ein zehnjähriges Mädchen aus Brandis.", [("age", "zehnjähriges"), ("place", "Brandis")]),
    ("Seit dem 3. Mai ist sie auffällig.", [("day", "3. Mai")]),
])
def test_the_guard_finds_names_places_and_institutions(text, expected):
    assert found(text) == expected
    assert not any(finding.blocked for finding in find_identifiers(text))


@pytest.mark.parametrize("text", [
    "",
    "Das Kind kommt seit einigen Wochen ohne Frühstück und wirkt erschöpft und still.",
    "Seit 2 Wochen 3 Mal gefehlt",
    "Das Kind ist 7 Jahre alt und besucht die 2. Klasse.",
    "Abholung meist gegen 14.30 Uhr, oft verspätet.",
    "Das Gespräch ist am Donnerstag um 10.15 Uhr.",
    "Die Mutter ruft 2-3 Mal täglich an.",
    "Altersgruppe 6-9, Sorge wegen Vernachlässigung, seit 2024 bekannt.",
    "Es fehlen jeden Monat etwa 1.200 Euro, insgesamt 10000 €.",
    "Einschätzung nach § 8a Abs. 4 SGB VIII und § 1666 BGB; die U7a war unauffällig.",
    "Im Jahr 2018 zog die Familie um. In der Klasse 3 sitzen 25 Kinder.",
    "Siehe Buchung FB-2026-7K3Q.",
    "lena und müller sind hier kleingeschrieben.",
    "Der Bach hinter dem Haus, der Hof und der Weg zur Schule sind gefährlich.",
    "Essen gibt es zu Hause nur unregelmäßig.",
    "Der Vater arbeitet als Koch; der Richter hat ein Gutachten angeordnet.",
    "Frau und Kinder leben im Frauenhaus.",
    "Die Kita hat Angst, der Familie Hilfe anzubieten.",
    "In der Kita am Morgen weint das Kind.",
    "Im Mai hat der Vater die Familie verlassen.",
    "Das Kind kommt mit dem Bus und trägt im Winter Sandalen.",
])
def test_the_guard_leaves_ordinary_case_descriptions_alone(text):
    assert found(text) == []


# --- confirmations bind to their finding -----------------------------------------------------

def test_each_confirmation_names_exactly_one_finding():
    text = "Lena und Mia aus Plauen; Lena weint oft."
    findings = find_identifiers(text)
    assert [finding.key for finding in findings] == ["given_name:Lena", "given_name:Mia", "place:Plauen",
                                                     "given_name:Lena"]
    assert [finding.key for finding in unique(findings)] == ["given_name:Lena", "given_name:Mia", "place:Plauen"]
    assert [finding.key for finding in open_findings(text, {"given_name:Lena"})] == ["given_name:Mia", "place:Plauen"]
    # Stale or forged keys confirm nothing else: another name, another kind, another spelling.
    assert len(open_findings(text, {"given_name:Leon", "place:Lena", "given_name:lena", "surname:Mia"})) == 4
    assert open_findings(text, {"given_name:Lena", "given_name:Mia", "place:Plauen"}) == []
    assert [finding.key for finding in open_findings("Lena und Ali", {"given_name:Lena", "given_name:Mia"})] == [
        "given_name:Ali"]


def test_the_text_is_cut_into_marked_pieces():
    text = "Lena (geb. 12.03.2018) kommt."
    pieces = marked(text, find_identifiers(text))
    assert "".join(piece for piece, _ in pieces) == text
    assert [(piece, finding.kind if finding else None) for piece, finding in pieces] == [
        ("Lena", "given_name"), (" (geb. ", None), ("12.03.2018", "date"), (") kommt.", None)]


def test_the_guard_stays_fast_and_whole_on_any_input():
    """Texts of up to 5000 characters (the documentation's limit): no pattern backtracks for long."""
    find_identifiers("Lena")  # the word lists are read once
    draw = random.Random(14)
    texts = ["A-" * 2500, "A" * 5000, "1" * 5000, "1." * 2500, "+4" * 2500, "." * 5000, "Straße-" * 700,
             "-Kita-Sonnenschein", "„", "Frau", "Herr Dr."]
    texts += ["".join(draw.choice("aA1 .-/@+ÄäßX(„“'\n0:") for _ in range(draw.choice((10, 1000, 5000))))
              for _ in range(100)]
    for text in texts:
        started = time.perf_counter()
        findings = find_identifiers(text)
        assert time.perf_counter() - started < 0.5, text[:40]
        assert all(text[finding.start:finding.end] == finding.text for finding in findings)


# --- the word lists --------------------------------------------------------------------------

def test_the_word_lists_are_shipped_small_with_source_and_licence_and_read_once():
    files = sorted(words.DATA.glob("*.txt"))
    assert {path.name for path in files} == {
        "given_names.txt", "surnames.txt", "places.txt", "ordinary_words.txt", "name_words.txt",
        "common_words.txt", "institution_names.txt"}
    assert sum(path.stat().st_size for path in files) < 3_000_000
    for path in files:
        header = "".join(line for line in path.read_text(encoding="utf-8").splitlines(keepends=True)[:10]
                         if line.startswith("#"))
        assert "licen" in header.lower() or "Lizenz" in header or "EUPL" in header, path.name
    assert len(words.given_names()) > 20_000 and len(words.surnames()) > 10_000 and len(words.places()[0]) > 10_000
    assert {"lena", "ayse", "mohammed", "oksana", "piotr", "zeynep", "yusuf", "svetlana"} <= words.given_names()
    assert {"mueller", "schmidt", "yilmaz", "kowalski", "nowak", "iwanow", "ivanov", "nguyen"} <= words.surnames()
    assert {"grimma", "plauen", "wurzen", "leipzig", "dresden", "vogtlandkreis"} <= words.places()[0]
    assert {"bach", "essen", "hof", "mueller", "kita"} <= words.ordinary()
    find_identifiers("Lena aus Grimma besucht die Kita Sonnenschein.")
    misses = words.entries.cache_info().misses, words.places.cache_info().misses
    find_identifiers("Mia aus Plauen besucht den Hort Regenbogen.")
    assert (words.entries.cache_info().misses, words.places.cache_info().misses) == misses  # read once


def test_words_are_compared_without_case_umlauts_and_accents():
    assert words.fold("Müller") == words.fold("MUELLER") == words.fold("mueller") == "mueller"
    assert words.fold("Straße") == "strasse" and words.fold("Ayşe") == words.fold("Ayse") == "ayse"
    assert words.fold("Yılmaz") == "yilmaz" and words.fold("Wiśniewski") == "wisniewski"


# --- the benchmark ---------------------------------------------------------------------------

def test_the_benchmark_corpus_meets_the_targets():
    spec = importlib.util.spec_from_file_location("bench_guard", ROOT / "bench" / "guard.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    corpus = bench.load()
    assert len(corpus) >= 100 and abs(sum(item["identifying"] for item in corpus) - len(corpus) / 2) <= 5
    assert len({item["text"] for item in corpus}) == len(corpus)
    result = bench.evaluate(corpus)
    assert result["recall"] >= 0.95, [item["text"] for item in result["missed"]]
    assert result["false_alarms"] <= 0.10, [item["text"] for item in result["alarms"]]
