"""Exactly one scheduler: leadership is a lease in the database, a row with its holder and expiry.

The leader renews it every LEASE_SECONDS / 4 (the heartbeat); a standby takes it once it has
expired, so a crashed or frozen leader is replaced within LEASE_SECONDS plus one poll. It works
the same on SQLite and PostgreSQL, across hosts, and does not depend on a connection staying open
(an advisory lock does: a dropped connection freed the lock while the old leader ran on).

A leader that was frozen (SIGSTOP, a stalled VM) and wakes after a standby took over must not
write: while a job runs, every commit of its session first extends the lease *if it still holds
it* (`fence`), in the same transaction; if it does not, the commit fails and the job's work rolls
back. So a job whose holder lost leadership stops at its next claim or commit, and on PostgreSQL
the fencing row lock orders it with the standby's take-over. Hosts' clocks must agree to well
within a second (NTP): expiry is compared with each host's clock.

A process frozen *inside* a transaction still holds its locks. On PostgreSQL the scheduler's
connections therefore end any transaction left idle for LEASE_SECONDS (`bound_idle_transactions`):
the server frees the frozen leader's row locks, and the standby takes over after at most twice the
lease. SQLite has no server to do that: a process frozen inside a write keeps the file's one write
lock until it wakes, and nothing else writes meanwhile (web requests neither). That is one more
reason SQLite serves a single host and several hosts share PostgreSQL.
"""
import os
import secrets
import socket
from datetime import datetime, timedelta

from sqlalchemy import Engine, String, event, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from lms.db import Base, utcnow
from lms.extensions import db

NAME = "scheduler"
_HOLDER = "lms.lease_holder"  # session.info key: the lease a running job's commits must hold


class LeadershipLost(RuntimeError):
    """This process no longer holds the lease: its work must not be committed."""


class Lease(Base):
    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime]
    renewed_at: Mapped[datetime]


def new_holder() -> str:
    """This process's name in the lease: host, process id and a random part (pids repeat)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def acquire(holder: str, *, seconds: float, now: datetime | None = None) -> bool:
    """Take or renew the lease for *holder*: True if it holds it now (committed), else False."""
    now = now or utcnow()
    expires = now + timedelta(seconds=seconds)
    taken = db.session.execute(
        update(Lease).where(Lease.name == NAME, (Lease.holder == holder) | (Lease.expires_at <= now))
        .values(holder=holder, expires_at=expires, renewed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not taken and db.session.get(Lease, NAME) is None:
        try:
            db.session.execute(insert(Lease).values(name=NAME, holder=holder, expires_at=expires, renewed_at=now))
            taken = True
        except IntegrityError:  # another process inserted it first
            db.session.rollback()
            return False
    db.session.commit()
    return taken


def release(holder: str) -> None:
    """Give the lease up at a clean stop, so that a standby takes over at its next poll."""
    db.session.execute(update(Lease).where(Lease.name == NAME, Lease.holder == holder)
                       .values(expires_at=utcnow()).execution_options(synchronize_session=False))
    db.session.commit()


def current() -> Lease | None:
    return db.session.scalar(select(Lease).where(Lease.name == NAME).execution_options(populate_existing=True))


def bound_idle_transactions(engine: Engine, seconds: float) -> None:
    """PostgreSQL ends a transaction of this engine that sits idle for *seconds*, so that a frozen
    process cannot hold row locks (the lease's, a claimed mail's) for longer than a lease."""
    if engine.dialect.name != "postgresql":
        return
    setting = f"-c idle_in_transaction_session_timeout={int(seconds * 1000)}"

    @event.listens_for(engine, "do_connect")
    def _with_timeout(_dialect, _record, _args, params):  # params persist between connects: add once
        if setting not in params.get("options", ""):
            params["options"] = f"{params.get('options', '')} {setting}".strip()

    engine.dispose()  # pooled connections were made without it


def fence(session: Session, holder: str, seconds: float) -> None:
    """Make every commit of *session* conditional on *holder* still holding the lease."""
    session.info[_HOLDER] = (holder, seconds)


def unfence(session: Session) -> None:
    session.info.pop(_HOLDER, None)


@event.listens_for(Session, "before_commit")
def _commit_only_as_leader(session: Session) -> None:
    fenced = session.info.get(_HOLDER)
    if fenced is None:
        return
    holder, seconds = fenced
    now = utcnow()
    held = session.execute(
        update(Lease).where(Lease.name == NAME, Lease.holder == holder, Lease.expires_at > now)
        .values(expires_at=now + timedelta(seconds=seconds), renewed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not held:
        raise LeadershipLost(f"the scheduler lease is no longer held by {holder}")
