"""The sign-in throttle's store: counters in the app's own database, shared by every process.

Flask-Limiter keeps its counts in a `limits` storage. One in memory counts per process, so behind
`gunicorn -w 4` an account got four times its attempts; this one keeps each counter in a row of
`rate_limit_counter`, which every process and host on the same database sees. It is registered for
the URI `lms-database://` (the app's own database; the URI names nothing else) and is the default.
If a store cannot be reached, Flask-Limiter falls back to counting in the memory of each process
(`RATELIMIT_IN_MEMORY_FALLBACK_ENABLED`) and re-checks the store now and then; /healthz says so.
"""
import hashlib
import random
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import flask_limiter
from flask import Flask, current_app
from limits.storage import Storage
from sqlalchemy import String, case, delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import UPSERT_INSERTS, Base

KEY_LENGTH = 255

# Network stores get short timeouts, so that an unreachable host costs a sign-in (and /healthz) about
# a second before the fallback takes over, not the operating system's minutes.
NETWORK_STORE_OPTIONS = {
    "redis": {"socket_connect_timeout": 1, "socket_timeout": 1},
    "rediss": {"socket_connect_timeout": 1, "socket_timeout": 1},
}


class RateLimitCounter(Base):
    """The count of one limit and key in its current fixed window."""

    __tablename__ = "rate_limit_counter"

    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    count: Mapped[int]
    expires_at: Mapped[datetime] = mapped_column(index=True)

    def __repr__(self) -> str:
        return f"<RateLimitCounter {self.key!r} {self.count}>"


def _real_now() -> datetime:
    """The throttle's windows follow the real clock, as Flask-Limiter's own do (never a pinned one)."""
    return datetime.now(UTC)


def _stored_key(key: str) -> str:
    """Keys longer than the column are cut and end in a hash of the whole key, so they stay distinct."""
    if len(key) <= KEY_LENGTH:
        return key
    return key[:KEY_LENGTH - 65] + "#" + hashlib.sha256(key.encode()).hexdigest()


def _engine():
    return current_app.extensions["sqlalchemy"].engine


def _increment(dialect: str, key: str, amount: int, *, now: datetime, expires_at: datetime):
    """One statement: insert the counter, add to a live one, or start an expired one anew."""
    table = RateLimitCounter.__table__
    insert = UPSERT_INSERTS[dialect](table).values(key=key, count=amount, expires_at=expires_at)
    expired = table.c.expires_at <= now
    return insert.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "count": case((expired, insert.excluded.count), else_=table.c.count + insert.excluded.count),
            "expires_at": case((expired, insert.excluded.expires_at), else_=table.c.expires_at),
        },
    ).returning(table.c.count)


def purge_rate_limit_counters(*, now: datetime) -> int:
    """Delete the counters whose window has ended (their keys name accounts); return how many.
    The store itself calls it now and then; as the job `purge_rate_limit_counters`, the scheduler too."""
    table = RateLimitCounter.__table__
    with _engine().begin() as connection:
        return connection.execute(delete(table).where(table.c.expires_at <= now)).rowcount


class DatabaseStorage(Storage):
    """A `limits` storage for the fixed-window strategy in the app's database.

    Each call runs on its own connection and commits at once, apart from the request's session:
    a count holds even when the request rolls back, and never waits for the request's commit.
    """

    STORAGE_SCHEME = ["lms-database"]
    PURGE_ONE_IN = 100  # on average one hit in this many also deletes the expired counters

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = _real_now()
        engine = _engine()
        statement = _increment(
            engine.dialect.name, _stored_key(key), amount, now=now, expires_at=now + timedelta(seconds=expiry),
        )
        with engine.begin() as connection:
            count = connection.execute(statement).scalar_one()
        if random.randrange(self.PURGE_ONE_IN) == 0:
            purge_rate_limit_counters(now=now)
        return count

    def get(self, key: str) -> int:
        row = self._live_counter(key)
        return row.count if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._live_counter(key)
        return row.expires_at.timestamp() if row else time.time()

    def check(self) -> bool:
        try:
            with _engine().connect() as connection:
                connection.execute(select(RateLimitCounter.key).limit(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with _engine().begin() as connection:
            return connection.execute(delete(RateLimitCounter.__table__)).rowcount

    def clear(self, key: str) -> None:
        table = RateLimitCounter.__table__
        with _engine().begin() as connection:
            connection.execute(delete(table).where(table.c.key == _stored_key(key)))

    def _live_counter(self, key: str):
        table = RateLimitCounter.__table__
        query = select(table.c.count, table.c.expires_at).where(
            table.c.key == _stored_key(key), table.c.expires_at > _real_now(),
        )
        with _engine().connect() as connection:
            return connection.execute(query).first()


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter that reports its store's state and gives network stores short timeouts."""

    def init_app(self, app: Flask) -> None:
        # One limiter serves every app of the process (tests build many): each starts on its own store.
        self._storage_dead = False
        scheme = urlparse(app.config.get("RATELIMIT_STORAGE_URI") or "").scheme
        if scheme in NETWORK_STORE_OPTIONS:
            app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", dict(NETWORK_STORE_OPTIONS[scheme]))
        super().init_app(app)

    def store_state(self) -> str:
        """"ok", "fallback" (this process counts in memory until the store answers again),
        "unreachable" (the store does not answer; the next limited request falls back) or "disabled"."""
        if not (self.enabled and self.initialized):
            return "disabled"
        if self._storage_dead:
            return "fallback"
        return "ok" if self.storage.check() else "unreachable"
