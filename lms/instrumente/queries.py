"""The library's list: search, filters with counts per value, sorting and pages."""
from sqlalchemy import Select, exists, func, literal, select, union_all

from lms.extensions import db
from lms.instrumente import search
from lms.instrumente.models import Instrument, InstrumentSector, InstrumentState, InstrumentTopic, Visibility
from lms.instrumente.search import SearchFilters, SearchResult



def _listed(filters: SearchFilters, *, signed_in: bool, matched, skip: str | None = None, entity=Instrument.id) -> Select:
    """Listed instruments that pass every filter but *skip* (for that filter's own counts)."""
    query = select(entity).where(Instrument.state == InstrumentState.PUBLISHED)
    if not signed_in:
        query = query.where(Instrument.visibility == Visibility.PUBLIC)
    if matched is not None:
        query = query.join(matched, matched.c.instrument_id == Instrument.id)
    if filters.kind and skip != "kind":
        query = query.where(Instrument.kind == filters.kind)
    if filters.dimension and skip != "dimension":
        wanted = [filters.dimension] if filters.dimension == "both" else [filters.dimension, "both"]
        query = query.where(Instrument.dimension.in_(wanted))
    if filters.sector and skip != "sector":
        query = query.where(exists().where(InstrumentSector.instrument_id == Instrument.id,
                                           InstrumentSector.sector == filters.sector))
    if filters.topic and skip != "topic":
        query = query.where(exists().where(InstrumentTopic.instrument_id == Instrument.id,
                                           InstrumentTopic.topic == filters.topic))
    return query


FACET_COLUMNS = {
    "kind": (Instrument.kind, Instrument, Instrument.id),
    "dimension": (Instrument.dimension, Instrument, Instrument.id),
    "sector": (InstrumentSector.sector, InstrumentSector, InstrumentSector.instrument_id),
    "topic": (InstrumentTopic.topic, InstrumentTopic, InstrumentTopic.instrument_id),
}


def _count_and_facets(filters: SearchFilters, *, signed_in: bool, matched) -> tuple[int, dict[str, dict[str, int]]]:
    """The number of results and, for each filter, how many results each of its values would give
    (the other filters applied). One statement: the full-text match and the filtered set are
    materialised once; only a filter that is set needs a set of its own (without itself)."""
    hits = _listed(filters, signed_in=signed_in, matched=matched).cte("hits").prefix_with("MATERIALIZED")
    branches = [select(literal("total").label("facet"), literal("").label("value"), func.count().label("hits"))
                .select_from(hits)]
    for facet, (value, model, key) in FACET_COLUMNS.items():
        ids = _listed(filters, signed_in=signed_in, matched=matched, skip=facet).subquery() \
            if getattr(filters, facet) else hits
        branches.append(
            select(literal(facet), value, func.count()).select_from(model).join(ids, ids.c.id == key).group_by(value)
        )
    counts: dict[str, dict[str, int]] = {facet: {} for facet in FACET_COLUMNS}
    total = 0
    for facet, value, number in db.session.execute(union_all(*branches)).all():
        if facet == "total":
            total = number
        else:
            counts[facet][value] = number
    return total, counts


def search_instruments(filters: SearchFilters, *, signed_in: bool, page: int = 1, per_page: int = 20) -> SearchResult:
    matched = search.matches(filters.query)
    if filters.query.strip() and matched is None:  # nothing searchable in the query
        return SearchResult(items=[], total=0, page=1, per_page=per_page,
                            facets={facet: {} for facet in FACET_COLUMNS})
    total, facets = _count_and_facets(filters, signed_in=signed_in,
                                      matched=search.matches(filters.query, scored=False))
    query = _listed(filters, signed_in=signed_in, matched=matched, entity=Instrument)
    if filters.sort == "title":
        query = query.order_by(func.lower(Instrument.title), Instrument.id)
    elif filters.sort == "relevance" and matched is not None:
        query = query.order_by(matched.c.title_hit.desc(), matched.c.score.desc(), Instrument.id)
    else:
        query = query.order_by(Instrument.published_at.desc(), Instrument.id.desc())
    page = max(1, page)
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique())
    return SearchResult(items=items, total=total, page=page, per_page=per_page, facets=facets)


def drafts_query(user) -> Select:
    """What waits for work: drafts and instruments in review, for editors; a proposer's own drafts."""
    query = select(Instrument).where(Instrument.state.in_([InstrumentState.DRAFT, InstrumentState.IN_REVIEW]))
    if not user.has_role("admin", "trainer"):
        query = query.where(Instrument.created_by_id == user.id)
    return query.order_by(Instrument.updated_at.desc())
