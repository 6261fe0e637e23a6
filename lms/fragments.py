"""HTML that every visitor of a page sees alike, rendered once per process and version of its data.

The catalogue's list is the same for everyone who asks for the same filter: at Land scale it is
thousands of modules, and rendering it was most of the page's cost. A *topic* names the tables a
fragment shows (`watch`). Every write to them through the session adds a row to `content_change`
in the same transaction: an append-only log, so parallel writers never wait on a shared row. The
topic's version is its newest row (one index lookup per request), and a fragment is kept under
that version, so a change is visible on the next request in every process, none of them stale.
A fragment may also stop holding at an instant (the catalogue lists only offerings not yet
begun): its builder says until when it holds. Writes that bypass the session (raw SQL on a
connection) must add a change themselves (`changed`). Old rows are purged by a job.
"""
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from threading import Lock

from flask import current_app
from sqlalchemy import Index, String, delete, event, func, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from lms.db import Base, utcnow
from lms.extensions import db

_WATCHED: dict[str, str] = {}  # table name -> topic
_MAX_FRAGMENTS = 512  # per process: about 15 MB of HTML at most
_KEEP = timedelta(days=1)


class ContentChange(Base):
    __tablename__ = "content_change"
    # A topic's newest row in one index lookup; ids never come back, so a version is never reused.
    __table_args__ = (Index("ix_content_change_topic_id", "topic", "id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime]


def watch(topic: str, *tables: str) -> None:
    """Writes to *tables* change *topic*."""
    for table in tables:
        _WATCHED[table] = topic


def changed(session: Session, topic: str) -> None:
    """Record that *topic*'s data changed, in *session*'s transaction."""
    session.execute(insert(ContentChange).values(topic=topic, at=utcnow()))


def version(topic: str) -> int:
    return db.session.scalar(select(func.max(ContentChange.id)).where(ContentChange.topic == topic)) or 0


@event.listens_for(Session, "before_flush")
def _flushed(session: Session, _context, _instances) -> None:
    topics = {_WATCHED.get(getattr(type(item), "__tablename__", None))
              for item in (*session.new, *session.dirty, *session.deleted)}
    for topic in sorted(topic for topic in topics if topic):
        session.add(ContentChange(topic=topic, at=utcnow()))


@event.listens_for(Session, "do_orm_execute")
def _executed(state) -> None:
    """Bulk INSERT, UPDATE and DELETE statements through the session (the conditional seat updates)."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    topic = _WATCHED.get(getattr(table, "name", None))
    if topic:
        changed(state.session, topic)


def cached(topic: str, key: tuple, *, now: datetime, build: Callable[[], tuple[str, datetime | None]]) -> str:
    """The fragment under *key* for *topic*'s current version, built by *build* when this process
    has none that still holds; *build* returns the HTML and the instant it stops holding (or None)."""
    store = current_app.extensions.setdefault("lms.fragments", _Store())
    full_key = (topic, version(topic), *key)
    found = store.get(full_key)
    if found is not None and (found[1] is None or now < found[1]):
        return found[0]
    html, holds_until = build()
    store.put(full_key, (html, holds_until))
    return html


class _Store:
    """A small LRU of fragments, shared by the threads of a process."""

    def __init__(self):
        self.items, self.lock = OrderedDict(), Lock()

    def get(self, key):
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > _MAX_FRAGMENTS:
                self.items.popitem(last=False)


def purge_content_changes(*, now: datetime) -> int:
    """The job: rows older than a day go, except each topic's newest (its version)."""
    newest = select(func.max(ContentChange.id)).group_by(ContentChange.topic)
    return db.session.execute(
        delete(ContentChange).where(ContentChange.at < now - _KEEP, ContentChange.id.not_in(newest))
    ).rowcount
