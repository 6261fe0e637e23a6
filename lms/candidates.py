"""What a choice among many is made from: the trainers, modules, instruments or institutions of a
Land, found by name instead of listed whole (a form that listed every one was 921 KiB at Land scale)."""
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Row, Select, or_

from lms.extensions import db
from lms.inputs import INT_MAX, INT_MIN
from lms.textsearch import contains

RESULTS = 20  # matches a search offers; more ask for a closer search


@dataclass(frozen=True)
class Candidates:
    """The rows that can be chosen (*query* selects the id first, in the order they are offered), the
    columns a search looks in, and each row's label."""

    query: Select
    id: ColumnElement
    searched: tuple[ColumnElement, ...]
    label: Callable[[Row], str] = lambda row: row[1]

    def named(self, ids: Iterable[int]) -> dict[int, str]:
        """Label by id of those of *ids* that can be chosen; the others are left out (an id beyond the
        integer columns, too, which PostgreSQL would refuse to compare)."""
        ids = {value for value in ids if INT_MIN <= value <= INT_MAX}
        if not ids:
            return {}
        return {row[0]: self.label(row) for row in db.session.execute(self.query.where(self.id.in_(ids)))}

    def matching(self, text: str, *, leaving_out: Iterable[int] = ()) -> tuple[dict[int, str], bool]:
        """Up to RESULTS candidates whose searched columns hold *text* (any case), without those left
        out, and whether there are more."""
        query = self.query.where(or_(*(contains(column, text) for column in self.searched)))
        if leaving_out := set(leaving_out):
            query = query.where(self.id.not_in(leaving_out))
        rows = db.session.execute(query.limit(RESULTS + 1)).all()
        return {row[0]: self.label(row) for row in rows[:RESULTS]}, len(rows) > RESULTS
