"""What the consultation services refuse with: a slot that cannot be booked, and free text that may
identify a person (with the checks on free text and reasons that raise it).

Shared by booking, changes and case content, so it sits below all of them.
"""


from lms.beratung import guard
from lms.beratung.slots import Slot
from lms.errors import DomainError
from lms.i18n import _l


class SlotUnavailable(DomainError):
    """The chosen time cannot be booked; *alternatives* are the next free slots of the expert."""

    def __init__(self, message, alternatives: list[Slot] = ()):
        self.alternatives = list(alternatives)
        super().__init__(message)


class IdentifiersFound(DomainError):
    """A free text holds what may identify a person; nothing was saved. *findings* are all of the
    text's findings, *open_findings* those still in the way (blocked, or not confirmed)."""

    def __init__(self, field: str, text: str, findings: list[guard.Finding], confirmed: frozenset[str]):
        self.field, self.text, self.findings, self.confirmed = field, text, findings, confirmed
        self.open_findings = [finding for finding in findings if finding.blocked or finding.key not in confirmed]
        super().__init__(_l("Nichts wurde gespeichert: Das Feld „%(field)s“ enthält Angaben, die eine Person "
                            "erkennbar machen können.", field=field))

    @property
    def unique(self) -> list[guard.Finding]:
        return guard.unique(self.findings)

    @property
    def marked(self) -> list[tuple[str, guard.Finding | None]]:
        return guard.marked(self.text, self.findings)


def check_free_text(text: str, *, field, confirmed=frozenset()) -> None:
    """Refuse *text* while it holds a blocked identifier or an unconfirmed finding (see guard)."""
    confirmed = frozenset(confirmed)
    findings = guard.find_identifiers(text)
    if any(finding.blocked or finding.key not in confirmed for finding in findings):
        raise IdentifiersFound(str(field), text, findings, confirmed)


def _require_reason(reason: str, confirmed: frozenset[str] | None = None) -> None:
    """A reason must be given; a reason kept with the booking (not the admin's) passes the guard."""
    if not (reason or "").strip():
        raise DomainError(_l("Bitte geben Sie einen Grund an."))
    if confirmed is not None:
        check_free_text(reason, field=_l("Begründung"), confirmed=confirmed)
