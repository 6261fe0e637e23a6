"""The free-text guard: find what identifies a child or a family in a consultation's free text.

A consultation under § 8a/§ 8b SGB VIII and § 4 KKG is pseudonymous (§ 64 Abs. 2a SGB VIII), so
the services run this guard over every free text they store: vignette, decline and cancel reasons,
the expert's documentation. DOMAIN.md 2.3 rule 4 asked to warn, not to block; in use, one ticked
box let a vignette with name, birth date, address, phone and e-mail through. So the guard now
decides by kind:

- Blocked, never confirmable: e-mail addresses, phone numbers, full dates, street addresses with
  house numbers, postcodes, file, insurance and other long numbers. They identify by their shape
  alone, no case needs them, and a pattern for them rarely errs.
- Confirmed one by one: given names, surnames, places, names of institutions, exact ages together
  with a place, dates without a year. Word lists cannot tell "Bach" the brook from Mr Bach, so the
  person who writes decides, for each finding, and the confirmation names that very finding.

It finds much, not everything: the person writing stays responsible (the form says so).
"""
from dataclasses import dataclass

from lms.beratung.guard import names, patterns
from lms.i18n import _l

BLOCKED_KINDS = {
    "email": _l("eine E-Mail-Adresse"),
    "phone": _l("eine Telefonnummer"),
    "date": _l("ein vollständiges Datum (zum Beispiel ein Geburtsdatum)"),
    "address": _l("eine Anschrift mit Hausnummer"),
    "postcode": _l("eine Postleitzahl"),
    "number": _l("ein Aktenzeichen, eine Versicherten- oder andere Kennnummer"),
}
CONFIRMABLE_KINDS = {
    "given_name": _l("ein Vorname"),
    "surname": _l("ein Nachname"),
    "place": _l("ein Ortsname"),
    "institution": _l("der Name einer Einrichtung"),
    "age": _l("ein genaues Alter zusammen mit einem Ort"),
    "day": _l("ein Datum"),
}
PRIORITY = list(BLOCKED_KINDS) + list(CONFIRMABLE_KINDS)


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str
    start: int
    end: int

    @property
    def blocked(self) -> bool:
        return self.kind in BLOCKED_KINDS

    @property
    def label(self):
        return BLOCKED_KINDS.get(self.kind) or CONFIRMABLE_KINDS[self.kind]

    @property
    def key(self) -> str:
        """What a confirmation names: this kind and this text, wherever it stands."""
        return f"{self.kind}:{self.text}"

    @property
    def message(self):
        if self.blocked:
            return _l("„%(text)s“ ist %(kind)s. Solche Angaben dürfen hier nicht gespeichert werden: bitte "
                      "entfernen.", text=self.text, kind=self.label)
        return _l("„%(text)s“ ist vermutlich %(kind)s. Bitte entfernen Sie die Angabe oder bestätigen Sie, dass "
                  "sie niemanden erkennbar macht.", text=self.text, kind=self.label)


def find_identifiers(text: str) -> list[Finding]:
    """Every finding in *text*, in reading order; where two overlap, the blocked or longer one."""
    text = text or ""
    spans = patterns.blocked(text) + names.find(text)
    spans += [("day", start, end) for start, end in patterns.partial_dates(text)]
    if any(kind in ("place", "institution") for kind, _, _ in spans):
        spans += [("age", start, end) for start, end in patterns.ages(text)]
    spans.sort(key=lambda span: (span[0] not in BLOCKED_KINDS, span[1] - span[2], PRIORITY.index(span[0])))
    chosen: list[Finding] = []
    for kind, start, end in spans:
        while start < end and text[end - 1] in " .,;:-/":
            end -= 1
        if start < end and not any(start < other.end and other.start < end for other in chosen):
            chosen.append(Finding(kind, text[start:end], start, end))
    return sorted(chosen, key=lambda finding: finding.start)


def unique(findings: list[Finding]) -> list[Finding]:
    """The findings without repeats of the same kind and text (one line, one confirmation each)."""
    seen, result = set(), []
    for finding in findings:
        if finding.key not in seen:
            seen.add(finding.key)
            result.append(finding)
    return result


def open_findings(text: str, confirmed=()) -> list[Finding]:
    """The findings that stop *text* from being stored: every blocked one, and each confirmable one
    whose key is not among *confirmed*. A key confirms only its own kind and text."""
    confirmed = set(confirmed)
    return [finding for finding in find_identifiers(text) if finding.blocked or finding.key not in confirmed]


def marked(text: str, findings: list[Finding]) -> list[tuple[str, Finding | None]]:
    """*text* cut into pieces, each with the finding it is (or None): for highlighting."""
    pieces, position = [], 0
    for finding in sorted(findings, key=lambda finding: finding.start):
        if finding.start >= position:
            pieces.append((text[position:finding.start], None))
            pieces.append((text[finding.start:finding.end], finding))
            position = finding.end
    pieces.append((text[position:], None))
    return [(piece, finding) for piece, finding in pieces if piece]
