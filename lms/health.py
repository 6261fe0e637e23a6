"""Is this process alive, and can it do its work? `/healthz` answers liveness: the process answers
(200, nothing else is asked, so a database outage never makes an orchestrator restart every web
process). `/readyz` checks what the work depends on, each with its own status, and is 503 when any
check fails:

- database: `SELECT 1`;
- storage: a small file written, read back and removed where the uploads are, and the newest stored
  file is there (`files missing`: a host whose folder is not the shared one, or the wrong bucket);
- ratelimit: the sign-in throttle's store answers (`fallback`: this process counts in memory);
- scheduler: the leading scheduler's heartbeat (it renews its lease every few seconds) is at most
  READY_SCHEDULER_MAX_AGE_SECONDS old;
- outbox: the oldest undelivered mail is at most READY_OUTBOX_MAX_AGE_SECONDS old.

`/readyz?check=database&check=storage` asks only the named checks, e.g. for a load balancer that
should keep serving while the scheduler is down. No check's answer carries an error's text.
"""
from collections.abc import Callable

from flask import Blueprint, abort, current_app, jsonify, request
from sqlalchemy import select, text

from lms import leadership
from lms.db import utcnow
from lms.extensions import db, limiter
from lms.instrumente.models import StoredFile
from lms.notifications.queries import backlog
from lms.storage import storage

bp = Blueprint("health", __name__)


def _database(now) -> dict:
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


def _storage(now) -> dict:
    backend = storage()
    backend.probe()
    newest = db.session.scalar(select(StoredFile.sha256).order_by(StoredFile.used_at.desc()).limit(1))
    return {"status": "ok" if newest is None or backend.exists(newest) else "files missing"}


def _ratelimit(now) -> dict:
    state = limiter.store_state()
    return {"status": "ok" if state in ("ok", "disabled") else state}


def _scheduler(now) -> dict:
    lease = leadership.current()
    if lease is None:
        return {"status": "never ran"}
    age = max(0, int((now - lease.renewed_at).total_seconds()))
    late = age > current_app.config["READY_SCHEDULER_MAX_AGE_SECONDS"]
    return {"status": "stale" if late else "ok", "age_seconds": age}


def _outbox(now) -> dict:
    count, oldest = backlog()
    age = 0 if oldest is None else max(0, int((now - oldest).total_seconds()))
    late = age > current_app.config["READY_OUTBOX_MAX_AGE_SECONDS"]
    return {"status": "backlog" if late else "ok", "backlog": count, "oldest_age_seconds": age}


CHECKS: dict[str, Callable[..., dict]] = {
    "database": _database, "storage": _storage, "ratelimit": _ratelimit, "scheduler": _scheduler, "outbox": _outbox,
}
FAILED = {"database": "unreachable", "storage": "failing", "ratelimit": "unreachable", "scheduler": "unknown",
          "outbox": "unknown"}


def readiness(names, *, now) -> dict[str, dict]:
    results = {}
    for name in names:
        try:
            results[name] = CHECKS[name](now)
        except Exception as error:  # any failure means "not ready"; the log names its class, never its text
            db.session.rollback()
            current_app.logger.warning("readiness check %s failed: %s", name, type(error).__name__)
            results[name] = {"status": FAILED[name]}
    return results


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    names = request.args.getlist("check") or list(CHECKS)
    if any(name not in CHECKS for name in names):
        abort(404)
    checks = readiness(dict.fromkeys(names), now=utcnow())
    ready = all(check["status"] == "ok" for check in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503
