"""The start page's sections: what is due for the person and what comes next, from every package.

The kernel knows no domain. A package puts sections on the start page by registering a provider at
app creation (`register_section_provider`, from a `record_once` of its blueprint, as notices do in
lms/navigation.py). A provider takes the person and `now` and returns the sections it has for them,
often none. Each provider runs a fixed number of SQL statements whatever the data volume (at most a
handful, and never one per row: the tests count them), so the start page costs the same with ten
rows as with ten thousand.

A section is a card: a heading, a count of what waits, a body rendered by the package's own
template (`templates/<package>/_start_<name>.html`, which receives `section`) and links to the pages
where the items are acted on. The page groups the cards: what waits for the person ("Zu erledigen"),
what comes next ("Demnächst") and an overview ("Überblick").
"""
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from lms.i18n import _l

TODO = "todo"  # waits for the person to act
AHEAD = "ahead"  # the person's coming dates, places and bookings
OVERVIEW = "overview"  # figures and advice

GROUPS = (
    (TODO, _l("Zu erledigen")),
    (AHEAD, _l("Demnächst")),
    (OVERVIEW, _l("Überblick")),
)


@dataclass(frozen=True)
class Link:
    label: object
    url: str


@dataclass(frozen=True)
class Section:
    """One card of the start page."""

    key: str  # stable name: the card's id ("start-<key>") and what tests look for
    title: object
    template: str  # renders `section.items`
    group: str = AHEAD
    items: tuple | list = ()
    order: int = 50  # within the group, lower first
    count: int | None = None  # how many wait in all (the card may list fewer), shown beside the title
    empty: object = ""  # said when there are no items; without it an empty section is left out
    links: tuple[Link, ...] = ()
    wide: bool = False  # takes the page's full width (a table)

    @property
    def is_shown(self) -> bool:
        return bool(self.items) or bool(self.empty)


PROVIDERS = "lms.start_page_sections"


def register_section_provider(app, provider) -> None:
    """*provider(user, *, now)* returns the start page's sections for *user* (a fixed number of queries)."""
    app.extensions.setdefault(PROVIDERS, []).append(provider)


def sections_for(user, *, now: datetime) -> list[Section]:
    """Every provider's shown sections for *user*, by group, those with items first, then by order."""
    found = [section for provider in current_app.extensions.get(PROVIDERS, ()) for section in provider(user, now=now)]
    rank = {key: index for index, (key, _label) in enumerate(GROUPS)}
    return sorted((section for section in found if section.is_shown),
                  key=lambda section: (rank.get(section.group, len(rank)), not section.items, section.order))


def grouped(sections: list[Section]) -> list[tuple[str, object, list[Section]]]:
    """(group key, heading, sections) for every group, in page order; a group may be empty."""
    return [(key, label, [section for section in sections if section.group == key]) for key, label in GROUPS]
