"""Identifiers with a fixed shape: e-mail addresses, phone numbers, full dates, street addresses,
postcodes, file and insurance numbers (all blocked), dates without a year and exact ages."""
import re

MONTHS = (r"(?:Januar|Jänner|Februar|März|Maerz|April|Mai|Juni|Juli|August|September|Oktober|November|"
          r"Dezember|Jan|Feb|Mär|Apr|Jun|Jul|Aug|Sep|Sept|Okt|Nov|Dez)\.?")
DAY, MONTH = r"(?:0?[1-9]|[12]\d|3[01])", r"(?:0?[1-9]|1[0-2])"
YEAR = r"(?:19|20)\d{2}"
STREET = r"(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer|chaussee|steig|pfad|promenade|stieg)"
STREET_WORD = r"(?:Straße|Strasse|Str\.|Weg|Gasse|Platz|Allee|Ring|Damm|Ufer|Chaussee)"
HOUSE = r"\s?\d{1,4}(?:\s?[a-zA-Z]\b)?(?!\s?(?:%|€|(?:Uhr|Jahre|Mal|Euro|Minuten|Stunden|Tage|Wochen|Monate)\b)|[.,]\d)"
# Nouns that a number follows without making an address: "Im Jahr 2018", "In der Klasse 3".
NOT_STREETS = ("Jahr", "Jahre", "Klasse", "Gruppe", "Raum", "Zimmer", "Haus", "Alter", "Monat", "Woche", "Stufe",
               "Phase", "Kapitel", "Abschnitt", "Teil", "Fall", "Punkt", "Jahrgang", "Schuljahr", "Modul", "Bereich",
               "Kreis", "Sommer", "Winter", "Frühjahr", "Herbst")
NUMBER_WORDS = (r"Aktenzeichen|Az\.?|AZ|Geschäftszeichen|Gz\.?|Fallnummer|Akten-?Nr\.?|Aktennummer|Vorgangsnummer|"
                r"Kundennummer|Mitgliedsnummer|Patientennummer|Versichertennummer|Versicherungsnummer|"
                r"Krankenversichertennummer|Versicherten-Nr\.?|KV-Nr\.?|Rentenversicherungsnummer|RV-Nummer|"
                r"Sozialversicherungsnummer|SV-Nummer|Steuer-?ID|Steueridentifikationsnummer|Ausweisnummer|"
                r"Personalausweisnummer|Passnummer|IBAN")
AGE_WORDS = "ein|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|dreizehn|vierzehn|fünfzehn|" \
            "sechzehn|siebzehn|achtzehn"

BLOCKED = (
    ("email", re.compile(r"(?<![\w.+-])[\w.+-]+(?:@|\s?[(\[]at[)\]]\s?)[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")),
    ("phone", re.compile(r"(?<![\w+])(?:\+|00)\s?\d{2,3}[\s/.-]?(?:\(0\)\s?)?\d{2,5}(?:[\s/.-]?\d{2,}){1,4}")),
    ("phone", re.compile(r"(?<![\w./-])\(?0\d{2,5}\)?(?:\s?/\s?|[\s.-])?\d{3,}(?:[\s-]\d{2,})*(?![\w.]\d)")),
    ("phone", re.compile(r"(?i:\b(?:Tel(?:efon)?|Handy|Mobil|Fax|Rufnummer|WhatsApp)\b\.?:?)\s*(\d[\d\s/-]{4,}\d)")),
    ("date", re.compile(rf"\b{DAY}\.\s?{MONTH}\.\s?(?:{YEAR}|\d{{2}})(?![\d.]\d)")),
    ("date", re.compile(rf"\b{DAY}\.?\s{MONTHS}\s{YEAR}\b")),
    ("date", re.compile(rf"\b{YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])\b")),
    ("date", re.compile(rf"\b{DAY}[/-]{MONTH}[/-](?:{YEAR}|\d{{2}})\b")),
    ("address", re.compile(rf"(?<![\w.-])[A-ZÄÖÜ][\wäöüß.-]*(?i:{STREET}){HOUSE}")),
    ("address", re.compile(rf"(?<![\w-])[A-ZÄÖÜ][\wäöüß-]+(?:er|sche|scher)\s{STREET_WORD}{HOUSE}")),
    ("address", re.compile(rf"\b(?:Straße|Platz|Allee)\s(?:des|der|am|zum|zur)\s(?:\d{{1,2}}\.\s)?[A-ZÄÖÜ][\wäöüß-]+{HOUSE}")),
    ("address", re.compile(rf"\b(?:Am|An der|An den|Auf der|Auf dem|Im|Zum|Zur|Hinter der|Unter den)\s"
                           rf"(?!(?:{'|'.join(NOT_STREETS)})\b)[A-ZÄÖÜ][\wäöüß-]+{HOUSE}")),
    ("postcode", re.compile(r"(?<![\d.,/+-])\b(?:0[1-9]|[1-9]\d)\d{3}\b"
                            r"(?![.,]\d|\s?(?:€|%|(?:Euro|EUR|Prozent|Mal|Stunden|Minuten|Tage|km|m)\b))")),
    ("number", re.compile(rf"(?:{NUMBER_WORDS})\b[\s:.,-]*(?:lautet\s|ist\s)?([A-Z0-9](?:[A-Z0-9]|[ ./-](?=[A-Z0-9])){{4,}})")),
    ("number", re.compile(r"\b[A-Z]\d{9}\b")),  # Krankenversichertennummer
    ("number", re.compile(r"\b\d{2}\s?\d{6}\s?[A-Z]\s?\d{3}\b")),  # Rentenversicherungsnummer
    ("number", re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,3})?\b")),  # IBAN
    ("number", re.compile(r"(?<![A-Z0-9/-])\b(?=(?:[A-Z/-]*\d){5})(?=[A-Z0-9/-]*[A-Z/-])[A-Z0-9]+(?:[/-][A-Z0-9]+)+\b")),
    ("number", re.compile(r"\b\d+(?:[-/]\d+){2,}\b|\b\d{7,}\b")),
)
PARTIAL_DATE = re.compile(rf"\b{DAY}\.\s?(?:{MONTH}\.(?!\s?\d)|{MONTHS}(?!\s?{YEAR}))")
CASE_CODE = re.compile(r"\bFB-\d{4}-[2-9A-HJ-NP-Z]{4}\b")  # the app's own pseudonym: identifies no one
AGES = (
    re.compile(r"(?<![\d–-])(?<![\d–-]\s)\b\d{1,2}\s?-?\s?(?:jährig\w*|Jahre(?:n)?(?:\s+alt)?\b|J\.)"),
    re.compile(rf"\b(?:{AGE_WORDS})jährig\w*", re.IGNORECASE),
    re.compile(r"\(\s?\d{1,2}\s?(?:J\.|Jahre|Monate)?\s?\)"),
    re.compile(r"\b\d{1,2}\s(?:Monate|Wochen)\s+alt\b"),
    re.compile(r"\b(?:ist|wird|wurde|war)\s(\d{1,2})\b(?!\s?(?:Uhr|Mal|Tage|Wochen|Monate|Minuten|Stunden|%|€|\.\d))"),
)


def blocked(text: str) -> list[tuple[str, int, int]]:
    """(kind, start, end) of every identifier that may not be stored."""
    found = []
    codes = [match.span() for match in CASE_CODE.finditer(text)]
    for kind, pattern in BLOCKED:
        for match in pattern.finditer(text):
            start, end = match.span(match.lastindex or 0)
            if not any(start < code_end and code_start < end for code_start, code_end in codes):
                found.append((kind, start, end))
    return found


def partial_dates(text: str) -> list[tuple[int, int]]:
    return [match.span() for match in PARTIAL_DATE.finditer(text)]


def ages(text: str) -> list[tuple[int, int]]:
    return [match.span(match.lastindex or 0) for pattern in AGES for match in pattern.finditer(text)]
