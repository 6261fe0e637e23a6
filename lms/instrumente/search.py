"""Full-text search over listed instruments, on SQLite (FTS5) and PostgreSQL alike.

Both engines see the same terms, made in Python by `lms.textsearch` (German stems; the module
catalogue uses the same analysis). The database only matches and ranks: SQLite through the FTS5
table `search_document_fts`, PostgreSQL through tsvectors in the table of the same name; both are
created by the migration and filled by triggers from `search_document`. Query terms match as
prefixes, so "Netzwerk" also finds "Netzwerkkarte".
"""
from dataclasses import dataclass, field

from sqlalchemy import column, func, literal_column, select, table, text

from lms.extensions import db
from lms.instrumente.models import Instrument, InstrumentState, SearchDocument
from lms.markdown import render_inline
from lms.textsearch import highlight, highlight_markup, query_terms, terms

__all__ = ["document_for", "index", "matches", "highlight", "highlight_summary", "SearchFilters", "SearchResult"]


def highlight_summary(summary: str, query: str):
    """A result's summary as the detail page shows it (inline Markdown), the query's words marked."""
    return highlight_markup(render_inline(summary), query)


def document_for(instrument: Instrument) -> tuple[str, str]:
    title = " ".join(terms(f"{instrument.code or ''} {instrument.title}"))
    body = " ".join(terms(" ".join([instrument.summary, instrument.description, " ".join(instrument.topics)])))
    return title, body


def index(instrument: Instrument) -> None:
    """Keep the instrument's search document in step: listed instruments only."""
    existing = db.session.get(SearchDocument, instrument.id)
    if instrument.state != InstrumentState.PUBLISHED:
        if existing is not None:
            db.session.delete(existing)
            db.session.flush()
        return
    title, body = document_for(instrument)
    if existing is None:
        db.session.add(SearchDocument(instrument_id=instrument.id, title_terms=title, body_terms=body))
    elif (existing.title_terms, existing.body_terms) != (title, body):
        existing.title_terms, existing.body_terms = title, body
    db.session.flush()


def matches(query: str, *, scored: bool = True):
    """A subquery of (instrument_id, title_hit, score) for the instruments matching every query term,
    or None for an empty query. Higher score is better; unscored, it has the ids only (cheaper, when
    the order does not need it). Use it once per statement: the set built from it is materialised."""
    stems = query_terms(query)
    if not stems:
        return None
    if db.engine.dialect.name == "postgresql":
        return _postgres_matches(stems, scored)
    return _sqlite_matches(stems, scored)


def _sqlite_matches(stems: list[str], scored: bool):
    expression = " AND ".join(f'"{term}"*' for term in stems)
    fts = table("search_document_fts", column("rowid"))
    fts_table = literal_column("search_document_fts")
    columns = [fts.c.rowid.label("instrument_id")]
    if scored:
        columns += [
            # bm25 with the body weighted 0 is below zero exactly when the title matches.
            (func.bm25(fts_table, 1.0, 0.0) < 0).label("title_hit"),
            (-func.bm25(fts_table, 10.0, 1.0)).label("score"),
        ]
    return (
        select(*columns)
        .select_from(fts)
        .where(text("search_document_fts MATCH :q").bindparams(q=expression))
        .subquery("matches")
    )


def _postgres_matches(stems: list[str], scored: bool):
    fts = table("search_document_fts", column("instrument_id"), column("title_vector"), column("vector"))
    tsquery = func.to_tsquery("simple", " & ".join(f"{term}:*" for term in stems))
    columns = [fts.c.instrument_id]
    if scored:
        # A title hit has some query word in its title (as on SQLite), not necessarily all of them.
        any_term = func.to_tsquery("simple", " | ".join(f"{term}:*" for term in stems))
        columns += [fts.c.title_vector.op("@@")(any_term).label("title_hit"),
                    func.ts_rank(fts.c.vector, tsquery).label("score")]
    return (
        select(*columns)
        .where(fts.c.vector.op("@@")(tsquery))
        .subquery("matches")
    )


@dataclass
class SearchFilters:
    query: str = ""
    kind: str = ""
    dimension: str = ""
    sector: str = ""
    topic: str = ""
    sort: str = "relevance"  # relevance, newest, title

    @property
    def is_empty(self) -> bool:
        return not (self.query or self.kind or self.dimension or self.sector or self.topic)


@dataclass
class SearchResult:
    items: list[Instrument]
    total: int
    page: int
    per_page: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))
