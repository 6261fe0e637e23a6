"""One log line per request, each with a request id that follows the work: into the lines the
request logs, into the mails it queues (header `X-Request-ID`) and, for scheduled jobs, an id of
the run (`job-<name>-<hex>`). Optionally as JSON lines (LMS_LOG_FORMAT=json) for a log collector.

The id comes from the proxy's `X-Request-ID` when it is a plain token (letters, digits, `.-_`, at
most 64), so nginx's `$request_id` joins its access log to ours; otherwise the app makes one. It is
sent back in the response's `X-Request-ID`. The line holds method, path, status and duration,
never the query string, and the handler masks private addresses (lms/logmask.py) like every other.
"""
import json
import logging
import re
import secrets
import sys
import time
from contextvars import ContextVar

from flask import Flask, g, has_request_context, request

from lms.logmask import MaskTokens, mask

LOGGER = "lms.request"
_GIVEN = re.compile(r"[A-Za-z0-9._-]{1,64}")
_JOB_RUN: ContextVar[str | None] = ContextVar("lms_job_run", default=None)


def current_id() -> str | None:
    """The id of the request or job run this code works for, if any."""
    if has_request_context() and "request_id" in g:
        return g.request_id
    return _JOB_RUN.get()


def start_job_run(name: str):
    """Give the lines a scheduled job logs an id of their own; returns the token to reset."""
    return _JOB_RUN.set(f"job-{name}-{secrets.token_hex(4)}")


def end_job_run(token) -> None:
    _JOB_RUN.reset(token)


class WithRequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_id() or "-"
        return True


class JsonLines(logging.Formatter):
    """A record as one JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
                 "logger": record.name, "request_id": getattr(record, "request_id", "-"),
                 "message": record.getMessage()}
        for key in ("method", "path", "status", "duration_ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"


def handler_for(log_format: str, stream=None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLines() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(WithRequestId())
    handler.addFilter(MaskTokens())
    return handler


def init_request_log(app: Flask) -> None:
    """The app's log goes to one handler in the chosen format; each request gets its id and line."""
    from flask.logging import default_handler

    lines = logging.getLogger(LOGGER)
    lines.propagate = False  # written by the app's handler; the root's (gunicorn's) need not see it twice
    handler = handler_for(app.config["LOG_FORMAT"])
    for logger in (app.logger, lines):
        for old in [*logger.handlers]:
            if old is default_handler or getattr(old, "lms_handler", False):
                logger.removeHandler(old)  # one app per process in production; in tests the newest wins
        logger.addHandler(handler)
    handler.lms_handler = True
    app.logger.setLevel(logging.INFO)

    @app.before_request
    def _request_id():
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _GIVEN.fullmatch(given) else secrets.token_hex(8)
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_line(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if app.config["LOG_REQUESTS"] and "request_started" in g:
            duration = round((time.perf_counter() - g.request_started) * 1000, 1)
            path = mask(request.path)
            lines.info("%s %s %s %.1f ms", request.method, path, response.status_code, duration,
                       extra={"method": request.method, "path": path, "status": response.status_code,
                              "duration_ms": duration})
        return response
