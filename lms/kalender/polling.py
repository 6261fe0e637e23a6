"""Calendar polls answered from memory, before the application runs.

Calendars poll every few minutes and a public feed may have many subscribers, so most requests for
a feed ask again for what was just served. Once the app has answered a feed address (token
checked, version stamp read, bytes built), this process keeps the answer for
`FEED_RECHECK_SECONDS` (LMS_FEED_RECHECK_SECONDS, default 2): a GET or HEAD of that address in the
window gets the same 304 or the same bytes straight from memory, without Flask's request handling
(session, sign-in, rate limits, locale) and without the database.

The window is the price, and it is kept short: a commit in this process that wrote anything
forgets every kept answer at once, so this process's own changes show immediately; a change made
by another process (a second gunicorn worker, the scheduler) reaches this process's pollers at
most that many seconds late, and so does a revoked address. 0 switches the memory off.
"""
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from threading import Lock

from flask import Flask, current_app, has_app_context, request
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session
from werkzeug.http import parse_date, parse_etags

from lms.config import ConfigError
from lms.installation import InstallationValue
from lms.kalender.models import FeedCache

INSTALLATION = InstallationValue.__table__
CONTENT_TYPE = "text/calendar; charset=utf-8"
MAX_ANSWERS, MAX_BYTES = 1000, 32 * 1024 * 1024  # kept at most; answers also leave when their window ends
MAX_SECONDS = 60
EXTENSION = "lms.feed_polls"
_VERSION = "lms.feed_version"  # environ key: the view marks an answer as a feed's, with its stamp
_WROTE = "lms.wrote"  # session.info key: this transaction changed rows


def not_modified(environ: dict, version: str, last_modified: datetime) -> bool:
    """Whether a conditional GET may be answered 304 (RFC 9110 13.2.2: If-None-Match decides when
    it is sent, with the weak comparison; otherwise If-Modified-Since)."""
    if "HTTP_IF_NONE_MATCH" in environ:
        return parse_etags(environ["HTTP_IF_NONE_MATCH"]).contains_weak(version)
    since = parse_date(environ.get("HTTP_IF_MODIFIED_SINCE"))
    return since is not None and last_modified <= since


def mark_feed_answer(version: str, last_modified: datetime) -> None:
    """Called by the feed views: this response is the feed's current answer and may be kept."""
    request.environ[_VERSION] = (version, last_modified)


@dataclass(frozen=True)
class Answer:
    version: str
    last_modified: datetime
    headers: tuple[tuple[str, str], ...]  # the app's headers, without Content-Type and Content-Length
    body: bytes | None  # None when the app answered 304: then only conditional polls are served
    expires: float  # on FeedPolls.clock (time.monotonic)


class FeedPolls:
    """WSGI middleware in front of the app: replays kept feed answers, keeps the app's new ones."""

    def __init__(self, wsgi_app, seconds: float):
        self.wsgi_app, self.seconds = wsgi_app, seconds
        self.answers: OrderedDict[str, Answer] = OrderedDict()  # by address and requested language
        self.size = 0  # bytes of the kept bodies
        self.generation = 0  # raised by every forget(), so an answer read before a write is not kept
        self.lock = Lock()
        self.clock = time.monotonic

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        # A request with cookies may be a signed-in person's, whose own settings (language) shape the
        # answer: it is neither answered from memory nor kept. Calendars send no cookies.
        if (environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or not path.endswith(".ics") or self.seconds <= 0
                or "HTTP_COOKIE" in environ):
            return self.wsgi_app(environ, start_response)
        # The feed's name is in the language the caller asks for, so that is part of the key.
        key = f"{path} {environ.get('HTTP_ACCEPT_LANGUAGE', '')}"
        answer = self._fresh(key)
        if answer is not None:
            if not_modified(environ, answer.version, answer.last_modified):
                start_response("304 NOT MODIFIED", list(answer.headers))
                return []
            if answer.body is not None:
                start_response("200 OK", [*answer.headers, ("Content-Type", CONTENT_TYPE),
                                          ("Content-Length", str(len(answer.body)))])
                return [] if environ["REQUEST_METHOD"] == "HEAD" else [answer.body]
        return self._answer_and_keep(key, environ, start_response)

    def forget(self) -> None:
        with self.lock:
            self.answers.clear()
            self.size = 0
            self.generation += 1

    def _fresh(self, key: str) -> Answer | None:
        with self.lock:
            answer = self.answers.get(key)
        return answer if answer is not None and answer.expires > self.clock() else None

    def _answer_and_keep(self, key: str, environ, start_response):
        generation, seen = self.generation, {}

        def capture(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, capture)
        marked, status = environ.get(_VERSION), seen.get("status", "")[:3]
        headers = seen.get("headers", [])
        if marked is None or status not in ("200", "304") or any(n.lower() == "set-cookie" for n, _ in headers):
            return result
        body = None
        if status == "200":
            if environ["REQUEST_METHOD"] == "HEAD":
                return result
            try:
                body = b"".join(result)
            finally:
                getattr(result, "close", lambda: None)()
            result = [body]
        kept = tuple((n, v) for n, v in headers if n.lower() not in ("content-type", "content-length"))
        self._keep(key, Answer(*marked, kept, body, self.clock() + self.seconds), generation)
        return result

    def _keep(self, key: str, answer: Answer, generation: int) -> None:
        with self.lock:
            if generation != self.generation:
                return
            self._drop(self.answers.pop(key, None))
            self.answers[key] = answer
            self.size += len(answer.body or b"")
            # Kept in the order of their windows' ends: drop the ended ones, then the oldest beyond the caps.
            while self.answers and (len(self.answers) > MAX_ANSWERS or self.size > MAX_BYTES
                                    or next(iter(self.answers.values())).expires <= self.clock()):
                self._drop(self.answers.popitem(last=False)[1])

    def _drop(self, answer: Answer | None) -> None:
        if answer is not None:
            self.size -= len(answer.body or b"")


def init_polls(app: Flask) -> None:
    seconds = float(app.config["FEED_RECHECK_SECONDS"])
    if not 0 <= seconds <= MAX_SECONDS:  # also refuses nan; a long window would keep revoked addresses alive
        raise ConfigError([f"LMS_FEED_RECHECK_SECONDS: must be between 0 and {MAX_SECONDS}, not {seconds}"])
    if not 1 <= app.config["FEED_HORIZON_MONTHS"] <= 120:  # checked here, where the calendar package starts
        raise ConfigError([f"LMS_FEED_HORIZON_MONTHS: must be between 1 and 120, not {app.config['FEED_HORIZON_MONTHS']}"])
    polls = FeedPolls(app.wsgi_app, seconds)
    app.extensions[EXTENSION] = polls
    app.wsgi_app = polls


# A transaction that changed rows forgets the kept answers once it has committed. (A rolled-back
# one may leave its mark to the next commit: that forgets once more than needed, never less.) Writes
# must go through the session as ORM flushes or insert()/update()/delete() statements: a raw
# text("UPDATE ...") or a commit outside an app context would not be noticed here.

@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context) -> None:
    # Storing a feed's bytes in the shared cache changes no feed.
    if any(not isinstance(row, FeedCache) for row in (*session.new, *session.dirty, *session.deleted)):
        session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    # Fixing the installation's UID domain (the first event ever written) changes no feed either.
    if (state.is_insert or state.is_update or state.is_delete) and state.statement.table is not INSTALLATION:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.info.pop(_WROTE, False) and has_app_context():
        polls = current_app.extensions.get(EXTENSION)
        if polls is not None:
            polls.forget()
