"""The vocabulary of the data-protection rules: for each table, what personal data it holds, why, who
receives it, how long it is kept and what erasing an account does to it. Each package declares the
rules of its own tables beside the code that carries them out (`<package>/privacy.py`: `RULES`,
`export(user)`, `forget(user, *, now)`); `lms/datenschutz/rules.py` gathers them into the one list that
the records of processing, the person export and the erasure follow, and a test holds it complete."""
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import Select

from lms.extensions import db
from lms.i18n import _l


class Erasure(StrEnum):
    DELETE = "delete"  # the rows about the person go
    PSEUDONYMISE = "pseudonymise"  # the rows stay, pointing to the erased account's pseudonymous tombstone
    KEEP = "keep"  # the rows stay as they are (a frozen record the law or the network needs)
    NONE = "none"  # the table holds nothing about a person


ERASURE_LABELS = {
    Erasure.DELETE: _l("wird gelöscht"),
    Erasure.PSEUDONYMISE: _l("bleibt, die Person wird durch ein Pseudonym ersetzt"),
    Erasure.KEEP: _l("bleibt unverändert erhalten"),
    Erasure.NONE: _l("enthält keine Personendaten"),
}


@dataclass(frozen=True)
class TableRule:
    table: str
    category: str  # the data category (a lazy German text)
    purpose: str
    recipients: str
    erasure: Erasure
    retention: str  # in words
    retention_key: str | None = None  # the config key holding the period in days
    job: str | None = None  # the scheduled job that carries the period out

    @property
    def erasure_label(self):
        return ERASURE_LABELS[self.erasure]


def plain(value):
    """A column value as JSON has it: dates in ISO 8601, everything else as it is."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def rows(query: Select) -> list[dict]:
    """The rows of *query* (a select of columns) as JSON-ready dicts named by their columns."""
    return [{key: plain(value) for key, value in row._mapping.items()} for row in db.session.execute(query)]
