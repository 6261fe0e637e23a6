"""Small numbers: no figure the app shows or exports describes fewer than MIN_GROUP_SIZE people.

A count of consultations or a share of coordinators is published only when the group of people
behind it has at least `MIN_GROUP_SIZE` members (LMS_MIN_GROUP_SIZE, default 5). A smaller cell is
withheld as "< 5" (primary suppression). When the cells of a table add up to a total that is shown,
one withheld cell could be recovered as the total minus the others, so the smallest shown cell is
withheld too (secondary suppression, shown as "•"). A table whose total describes fewer people is
withheld as a whole.

People, not rows, are counted: seven consultations booked by two people describe two people. A
cell's people are the distinct ids it holds; rows whose person was deleted count as one more person
at most (the conservative guess).
"""
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

from flask import current_app

from lms.config import ConfigError

SMALL = "small"  # fewer people than the threshold
COMPLEMENT = "complement"  # withheld so that a small cell cannot be recovered from the total


@dataclass(frozen=True)
class Figure:
    """A published number, or the reason it is withheld."""

    value: int | None
    withheld: str | None = None

    @property
    def shown(self) -> bool:
        return self.withheld is None


@dataclass
class Group:
    """Rows counted into one cell, and the people they describe."""

    rows: int = 0
    people: set = field(default_factory=set)
    unknown: bool = False  # some rows belong to a person who no longer exists

    def add(self, person: Hashable | None) -> None:
        self.rows += 1
        if person is None:
            self.unknown = True
        else:
            self.people.add(person)

    @property
    def size(self) -> int:
        return len(self.people) + self.unknown


def min_group_size() -> int:
    return current_app.config["MIN_GROUP_SIZE"]


def init_disclosure(app) -> None:
    """Refuse a threshold that protects nobody, and let templates name it in their legends."""
    value = app.config["MIN_GROUP_SIZE"]
    if not 3 <= value <= 100:
        raise ConfigError([f"LMS_MIN_GROUP_SIZE: must be between 3 and 100, not {value}"])
    app.jinja_env.globals["min_group_size"] = min_group_size


def protect(groups: Iterable[Group], *, total: Group | None = None) -> tuple[list[Figure], Figure | None]:
    """The cells of one table (and its total, if the table shows one) as figures that can be published.

    With a shown *total*, the withheld cells add up to the total minus the shown ones: so they are
    withheld together until they describe enough people (one small cell never stands alone).
    Without a total only the small cells are withheld."""
    threshold = min_group_size()
    groups = list(groups)
    if total is not None and total.size < threshold:
        return [Figure(None, SMALL) for _ in groups], Figure(None, SMALL)
    small = {index for index, group in enumerate(groups) if 0 < group.size < threshold}
    withheld = set(small)
    while total is not None and withheld and _union(groups[index] for index in withheld).size < threshold:
        shown = [index for index, group in enumerate(groups) if index not in withheld and group.rows]
        if not shown:
            break  # cannot happen: the total describes enough people, so someone is in a shown cell
        withheld.add(min(shown, key=lambda index: (groups[index].rows, index)))
    figures = [
        Figure(None, SMALL if index in small else COMPLEMENT) if index in withheld else Figure(group.rows)
        for index, group in enumerate(groups)
    ]
    return figures, None if total is None else Figure(total.rows)


def _union(groups: Iterable[Group]) -> Group:
    union = Group()
    for group in groups:
        union.rows += group.rows
        union.people |= group.people
        union.unknown |= group.unknown
    return union


def pool_small(sizes: dict[Hashable, int]) -> tuple[list, list]:
    """Split groups (key -> people) into those shown on their own and those pooled into one.

    Groups under the threshold are pooled. A pool that is still too small takes the smallest
    shown groups with it, as the total minus the shown groups would tell it. When all people
    together are too few, everything is pooled (and the caller shows nothing)."""
    threshold = min_group_size()
    shown = sorted((key for key, size in sizes.items() if size >= threshold), key=lambda key: (sizes[key], str(key)))
    pooled = [key for key, size in sizes.items() if size < threshold]
    while pooled and sum(sizes[key] for key in pooled) < threshold and shown:
        pooled.append(shown.pop(0))
    return shown, pooled
