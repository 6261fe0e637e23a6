"""The free-text guard: find what obviously identifies a person in a case vignette.

It warns, it does not block for good (DOMAIN.md 2.3 rule 4): the booker removes the finding or
confirms that it identifies nobody. Simple patterns on purpose; they cannot catch everything.
"""
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lms.i18n import _l

MONTHS = "Januar|Februar|März|Maerz|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"
PATTERNS = (
    ("date", _l("ein Datum"), re.compile(
        rf"\b\d{{1,2}}\.\s?(?:\d{{1,2}}\.(?:\s?\d{{2,4}})?|(?:{MONTHS})(?:\s\d{{2,4}})?)"
        r"|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b")),
    ("email", _l("eine E-Mail-Adresse"), re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("phone", _l("eine Telefonnummer"), re.compile(r"(?<![\w.])(?:\+\d{2}\s?|0)\d{2,5}[\s/-]?\d[\d\s/-]{3,}\d")),
    ("address", _l("eine Anschrift"), re.compile(
        r"\b[A-ZÄÖÜ][\wäöüß-]*\s?(?i:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer|chaussee)"
        r"\s?\d{1,4}\s?[a-z]?\b|\b\d{5}\s[A-ZÄÖÜ][a-zäöüß]+")),
)
FIRST_NAMES_FILE = Path(__file__).with_name("first_names.txt")


@dataclass(frozen=True)
class Finding:
    kind: str
    label: object
    text: str


@cache
def first_names() -> frozenset[str]:
    lines = FIRST_NAMES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def find_identifiers(text: str) -> list[Finding]:
    """Each obvious identifier in *text*, in the order the kinds are listed, without repeats."""
    findings = []
    for kind, label, pattern in PATTERNS:
        findings.extend(Finding(kind, label, match.group(0).strip()) for match in pattern.finditer(text or ""))
    names = first_names()
    findings.extend(Finding("name", _l("ein Vorname"), word)
                    for word in re.findall(r"\b[A-ZÄÖÜ][a-zäöüß]+\b", text or "") if word in names)
    unique, seen = [], set()
    for finding in findings:
        if (finding.kind, finding.text) not in seen:
            seen.add((finding.kind, finding.text))
            unique.append(finding)
    return unique
