"""The library's list: search, filters with counts per value, sorting and pages.

One statement answers a search: the full-text match and the listed instruments it finds are read
once (materialised), the filters, the counts per filter value and the requested page are all
computed from that set, and only the page's instruments are loaded afterwards.

At the end, the plain reads of one instrument and of a person's Merkliste: its current version,
its open proposal, a bookmark and all of a person's bookmarks.
"""
from sqlalchemy import CTE, Select, String, cast, exists, func, literal, or_, select, union_all

from lms.auth.models import User
from lms.candidates import Candidates
from lms.extensions import db
from lms.instrumente import search
from lms.instrumente.models import (
    REVIEWER_ROLES,
    Bookmark,
    Instrument,
    InstrumentSector,
    InstrumentState,
    InstrumentTopic,
    InstrumentVersion,
    ProposalState,
    Visibility,
)
from lms.instrumente.search import SearchFilters, SearchResult

TAGS = {  # filters on a joined table; kind and dimension are columns of the candidate set
    "sector": (InstrumentSector, InstrumentSector.sector, InstrumentSector.instrument_id),
    "topic": (InstrumentTopic, InstrumentTopic.topic, InstrumentTopic.instrument_id),
}
FACETS = ("kind", "dimension", *TAGS)
MAX_PAGE = 10_000  # beyond any real library; keeps LIMIT/OFFSET within the engines' integers


def _order(filters: SearchFilters, matched) -> list[tuple]:
    """The page order as (expression, descending) pairs, ending with the id to break ties."""
    if filters.sort == "title":
        return [(func.lower(Instrument.title), False), (Instrument.id, False)]
    if filters.sort == "relevance" and matched is not None:
        return [(matched.c.title_hit, True), (matched.c.score, True), (Instrument.id, False)]
    return [(Instrument.published_at, True), (Instrument.id, True)]


def _listable(query: Select, *, signed_in: bool) -> Select:
    """Published instruments; members-only ones for signed-in people only."""
    query = query.where(Instrument.state == InstrumentState.PUBLISHED)
    return query if signed_in else query.where(Instrument.visibility == Visibility.PUBLIC)


def _candidates(*, signed_in: bool, matched, order: list[tuple]) -> CTE:
    """Listed instruments (that match the query, if any) with what the filters and the order need."""
    query = select(Instrument.id, Instrument.kind, Instrument.dimension,
                   *(expression.label(f"sort_{number}") for number, (expression, _) in enumerate(order)))
    query = _listable(query, signed_in=signed_in)
    if matched is not None:
        query = query.join(matched, matched.c.instrument_id == Instrument.id)
    return query.cte("candidates").prefix_with("MATERIALIZED")


def _filtered(filters: SearchFilters, candidates: CTE, *, skip: str | None = None) -> Select:
    """The candidates that pass every filter but *skip* (for that filter's own counts)."""
    query = select(candidates)
    if filters.kind and skip != "kind":
        query = query.where(candidates.c.kind == filters.kind)
    if filters.dimension and skip != "dimension":
        wanted = [filters.dimension] if filters.dimension == "both" else [filters.dimension, "both"]
        query = query.where(candidates.c.dimension.in_(wanted))
    for facet, (_, value, key) in TAGS.items():
        if getattr(filters, facet) and skip != facet:
            query = query.where(exists().where(key == candidates.c.id, value == getattr(filters, facet)))
    return query


def _facet_counts(facet: str, rows) -> Select:
    if facet in TAGS:
        # A left join, so that the engine walks the result set and looks up each one's tags, rather
        # than walking every tag in the library; results without a tag give a None row (skipped).
        model, value, key = TAGS[facet]
        return select(literal(facet), value, func.count()).select_from(rows).outerjoin(model, key == rows.c.id) \
            .group_by(value)
    return select(literal(facet), rows.c[facet], func.count()).select_from(rows).group_by(rows.c[facet])


def _page(hits: CTE, order: list[tuple], first: int, per_page: int) -> Select:
    """The page's ids with their positions: the first rows in order (a top-N sort, not a full one),
    numbered, and those after *first*."""
    def keys(rows):
        return [rows.c[f"sort_{number}"].desc() if descending else rows.c[f"sort_{number}"]
                for number, (_, descending) in enumerate(order)]

    top = select(hits).order_by(*keys(hits)).limit(first + per_page).subquery()
    ranked = select(top.c.id, func.row_number().over(order_by=keys(top)).label("position")).subquery()
    return select(literal("page"), cast(ranked.c.id, String), ranked.c.position).where(ranked.c.position > first)


def search_instruments(filters: SearchFilters, *, signed_in: bool, page: int = 1, per_page: int = 20) -> SearchResult:
    """A page of the library with the total and, for each filter, how many results each of its
    values would give (the other filters applied)."""
    matched = search.matches(filters.query, scored=filters.sort == "relevance")
    if filters.query.strip() and matched is None:  # nothing searchable in the query
        return SearchResult(items=[], total=0, page=1, per_page=per_page, facets={facet: {} for facet in FACETS})
    page = min(max(1, page), MAX_PAGE)
    order = _order(filters, matched)
    candidates = _candidates(signed_in=signed_in, matched=matched, order=order)
    filtered = any(getattr(filters, facet) for facet in FACETS)
    hits = _filtered(filters, candidates).cte("hits").prefix_with("MATERIALIZED") if filtered else candidates
    branches = [
        select(literal("total").label("facet"), literal("").label("value"), func.count().label("number"))
        .select_from(hits),
        _page(hits, order, (page - 1) * per_page, per_page),
        *(_facet_counts(facet, _filtered(filters, candidates, skip=facet).subquery()
                        if getattr(filters, facet) else hits) for facet in FACETS),
    ]
    counts: dict[str, dict[str, int]] = {facet: {} for facet in FACETS}
    total, ids = 0, []
    for facet, value, number in db.session.execute(union_all(*branches)).all():
        if facet == "total":
            total = number
        elif facet == "page":
            ids.append((number, int(value)))
        elif value is not None:
            counts[facet][value] = number
    _count_both_dimensions(counts["dimension"])
    ids = [id_ for _, id_ in sorted(ids)]
    # The second statement may see a newer state of the library: it checks again what may be listed.
    found = {item.id: item for item in db.session.scalars(
        _listable(select(Instrument).where(Instrument.id.in_(ids)), signed_in=signed_in)).unique()}
    items = [found[id_] for id_ in ids if id_ in found]
    return SearchResult(items=items, total=total, page=page, per_page=per_page, facets=counts)


def _count_both_dimensions(counts: dict[str, int]) -> None:
    """An instrument for both dimensions is found under either of them, so it counts there too."""
    both = counts.get("both", 0)
    for dimension in ("internal", "performance"):
        if both or dimension in counts:
            counts[dimension] = counts.get(dimension, 0) + both


def _not_by(column, user):
    return or_(column.is_(None), column != user.id)


def _has_proposal(*conditions):
    return exists().where(InstrumentVersion.instrument_id == Instrument.id, *conditions)


def drafts_query(user) -> Select:
    """What waits for work: drafts, instruments in review and open proposals, for editors; a
    proposer's own drafts."""
    unpublished = Instrument.state.in_([InstrumentState.DRAFT, InstrumentState.IN_REVIEW])
    if not user.has_role(*REVIEWER_ROLES):
        return select(Instrument).where(unpublished, Instrument.created_by_id == user.id) \
            .order_by(Instrument.updated_at.desc(), Instrument.id.desc())
    return select(Instrument).where(or_(unpublished, _has_proposal(InstrumentVersion.proposal_state.is_not(None)))) \
        .order_by(Instrument.updated_at.desc(), Instrument.id.desc())


def _waiting_for(user):
    """Instruments whose first review or whose proposal waits for *user*'s review."""
    first = (Instrument.state == InstrumentState.IN_REVIEW) & _not_by(Instrument.submitted_by_id, user)
    proposal = (Instrument.state == InstrumentState.PUBLISHED) & _has_proposal(
        InstrumentVersion.proposal_state == ProposalState.PENDING, _not_by(InstrumentVersion.author_id, user))
    return or_(first, proposal)


def waiting_for_review_query(user) -> Select:
    """The instruments that wait for *user*'s review, oldest change first."""
    return select(Instrument).where(_waiting_for(user)).order_by(Instrument.updated_at, Instrument.id)


def waiting_for_review_count(user) -> int:
    """How many instruments wait for *user*'s review: one statement, 0 for people who do not review."""
    if not (user.is_active and user.has_role(*REVIEWER_ROLES)):
        return 0
    return db.session.scalar(select(func.count(Instrument.id)).where(_waiting_for(user)))


def open_proposals(instrument_ids) -> dict[int, InstrumentVersion]:
    """The open proposals of these instruments by instrument id (one statement, for a page of a list)."""
    if not instrument_ids:
        return {}
    return {version.instrument_id: version for version in db.session.scalars(select(InstrumentVersion).where(
        InstrumentVersion.instrument_id.in_(list(instrument_ids)), InstrumentVersion.proposal_state.is_not(None)))}


def bookmark_count(instrument: Instrument) -> int:
    """On how many Merklisten *instrument* stands."""
    return db.session.scalar(select(func.count()).select_from(Bookmark).where(Bookmark.instrument_id == instrument.id))


# --- an instrument's current version, its open proposal, the Merkliste ---------------------------


def current_version(instrument: Instrument) -> InstrumentVersion | None:
    """The version everybody sees: the newest that is not a proposal."""
    if instrument.id is None:
        return None
    return db.session.scalar(
        select(InstrumentVersion).where(InstrumentVersion.instrument_id == instrument.id,
                                        InstrumentVersion.proposal_state.is_(None))
        .order_by(InstrumentVersion.number.desc()).limit(1)
    )


def open_proposal(instrument: Instrument) -> InstrumentVersion | None:
    """The proposed new version of *instrument* that waits for review or for its author, if any."""
    if instrument.id is None:
        return None
    return db.session.scalar(select(InstrumentVersion).where(
        InstrumentVersion.instrument_id == instrument.id, InstrumentVersion.proposal_state.is_not(None)))


def bookmark_of(user: User, instrument: Instrument) -> Bookmark | None:
    """*user*'s bookmark of *instrument* (None for visitors): the page shows its notice and mail choice."""
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.get(Bookmark, (user.id, instrument.id))


def bookmarks_of(user: User) -> list[Bookmark]:
    """*user*'s Merkliste by title, so that they find again what they kept."""
    return list(db.session.scalars(
        select(Bookmark).join(Bookmark.instrument).where(Bookmark.user_id == user.id).order_by(Instrument.title)
    ).unique())


def published_candidates() -> Candidates:
    """The published instruments by title, e.g. to be chosen as a module's course material."""
    return Candidates(select(Instrument.id, Instrument.title).where(Instrument.state == InstrumentState.PUBLISHED)
                      .order_by(Instrument.title, Instrument.id), id=Instrument.id, searched=(Instrument.title,))


def published_of_kind(kind: str) -> list[Instrument]:
    """The library's published instruments of one kind, by title: e.g. the agreement templates other
    packages link to."""
    return list(db.session.scalars(select(Instrument).where(Instrument.kind == kind,
                                                            Instrument.state == InstrumentState.PUBLISHED)
                                   .order_by(Instrument.title, Instrument.id)))
