"""Private feed addresses never reach a log in clear text, whoever logs them and however they are spelled.

Unit tests of the filter over the records gunicorn and Werkzeug make, then the real servers: gunicorn
with its access log file (default and extended formats) and Werkzeug's development server, both
serving the app on a temporary SQLite file and asked for a real private feed in every spelling.
"""
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote

import flask_migrate
import pytest
from gunicorn.config import KNOWN_SETTINGS
from gunicorn.config import Config as GunicornConfig
from gunicorn.glogging import Logger as GunicornLogger
from gunicorn.glogging import SafeAtoms
from werkzeug.serving import make_server

from lms import create_app
from lms.auth import services as auth_services
from lms.extensions import db
from lms.kalender import services as feed_services
from lms.logmask import MaskTokens, init_logging, mask
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "fVY2AbC-123_xyzSECRETtoken9876cD3"  # the shape of a real one: urlsafe base64, 32 characters
SHOWN = "/kalender/***.ics"
KNOWN_SETTINGS_NAMES = {setting.name for setting in KNOWN_SETTINGS}

# Spellings of one private feed address that reach the server (and its log) as the client sent them.
VARIANTS = [
    "/kalender/{t}.ics",
    "/kalender/{t}.ics?x=1",
    "/kalender/{t}.ics?",
    "/kalender//{t}.ics",
    "/kalender///{t}.ics",
    "/kalender/./{t}.ics",
    "/kalender/././{t}.ics",
    "/kalender/%2F{t}.ics",
    "/kalender/%2f{t}.ics",
    "/kalender%2F{t}.ics",
    "/kalender%2f{t}.ics",
    "/kalender/%2e/{t}.ics",
    "/kalender/%2E/{t}.ics",
    "/kalender/{t}%2eics",
    "/kalender/{t}%2Eics",
    "/kalender/%252F{t}.ics",
    "/%6Balender/{t}.ics",
    "/KALENDER/{t}.ics",
    "/kalender/{t}.ICS",
    "/kalender/%5C{t}.ics",
    "/kalender/module/../{t}.ics",
    "/kalender/module/{t}.ics",
    "/kalender/{t}.ics/",
    "/kalender/{t}",
]
URLS = [
    "https://lms.example.org/kalender/{t}.ics",
    "webcal://lms.example.org/kalender/{t}.ics",
    "http://127.0.0.1:8000/kalender//{t}.ics?x=1",
    "/anmelden?next=%2Fkalender%2F{t}.ics",
    "/kalender\\{t}.ics",
]
PUBLIC = [
    "/kalender/angebote.ics", "/kalender/angebote.ics?x=1", "/kalender/module/12.ics", "/kalender/regionen/3.ics",
    "/kalender/dimension/internal.ics", "/kalender/dimension/performance.ics", "/kalender/termine/7.ics",
    "/kalender/beratungen/17.ics", "/kalender/./angebote.ics", "/konto/kalender", "/kalender", "/kalender/",
]


class Capture(logging.Handler):
    """Keeps the records it handles and their formatted lines."""

    def __init__(self):
        super().__init__()
        self.records, self.lines = [], []

    def emit(self, record):
        self.records.append(record)
        self.lines.append(self.format(record))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@contextmanager
def _listening(name: str, handler: logging.Handler | None = None, *, propagate: bool | None = None):
    """The logger *name* at INFO and enabled (Alembic's fileConfig disables the loggers that exist when
    a test migrates), with *handler*; all as it was afterwards."""
    logger = logging.getLogger(name)
    saved = logger.level, logger.disabled, logger.propagate
    logger.setLevel(logging.INFO)
    logger.disabled = False
    if propagate is not None:
        logger.propagate = propagate
    if handler is not None:
        logger.addHandler(handler)
    try:
        yield logger
    finally:
        if handler is not None:
            logger.removeHandler(handler)
        logger.level, logger.disabled, logger.propagate = saved


def _hidden(text: str, token: str = TOKEN) -> bool:
    """*token* appears nowhere in *text*, not even once or twice percent-decoded."""
    return token not in text and token not in unquote(text) and token not in unquote(unquote(text))


# --- the masking itself -----------------------------------------------------------------------

@pytest.mark.parametrize("variant", VARIANTS + URLS)
def test_every_spelling_of_a_private_address_is_masked(variant):
    masked = mask(f'"GET {variant.format(t=TOKEN)} HTTP/1.1" 200')
    assert _hidden(masked) and "kalender/***" in masked


@pytest.mark.parametrize("path", PUBLIC)
def test_public_addresses_stay_readable(path):
    assert mask(f'"GET {path} HTTP/1.1" 200') == f'"GET {path} HTTP/1.1" 200'


@pytest.mark.parametrize(("spelling", "shown"), [
    ("/passwort-zuruecksetzen/{t}", "/passwort-zuruecksetzen/***"),
    ("/passwort-zuruecksetzen//{t}?x=1", "/passwort-zuruecksetzen/***?x=1"),
    ("/PASSWORT-ZURUECKSETZEN/%2F{t}", "/passwort-zuruecksetzen/***"),
    ("https://lms.example.org/einladung/{t}", "https://lms.example.org/einladung/***"),
    ("/einladung/./{t}", "/einladung/***"),
    ("/einladung%2F{t}", "/einladung/***"),
])
def test_reset_and_invitation_links_are_masked_too(spelling, shown):
    masked = mask(f'"POST {spelling.format(t=TOKEN)} HTTP/1.1" 302')
    assert _hidden(masked) and masked == f'"POST {shown} HTTP/1.1" 302'


def test_masking_keeps_the_rest_of_the_line():
    assert mask(f"/kalender/{TOKEN}.ics?x=1") == f"{SHOWN}?x=1"
    assert mask(f"https://lms.example.org/kalender//{TOKEN}.ics") == f"https://lms.example.org{SHOWN}"
    assert mask(f"('/kalender/{TOKEN}.ics', 404)") == f"('{SHOWN}', 404)"
    assert mask(SHOWN) == SHOWN and mask("100% fertig") == "100% fertig"
    assert mask("Kalender/2.1 (Android)") == "Kalender/2.1 (Android)"  # a user agent is no path
    # A token may begin like a public path segment; it is masked all the same.
    for token in ("moduleAbC-123_xyzSECRET98765432", "angeboteSECRET_x-1234567890abc", "termine"):
        assert mask(f"/kalender/{token}.ics") == SHOWN


# --- the filter on the records the servers make -----------------------------------------------

def _filtered(record: logging.LogRecord) -> str:
    assert MaskTokens().filter(record) is True
    return record.getMessage()


def test_werkzeug_records_tuple_arguments():
    for variant in VARIANTS:
        record = logging.LogRecord("werkzeug", logging.INFO, "", 0, '%s - - [%s] "%s" %s %s', (
            "127.0.0.1", "15/May/2026 09:00:00", f"GET {variant.format(t=TOKEN)} HTTP/1.1", "200", "-"), None)
        message = _filtered(record)
        assert _hidden(message) and "kalender/***" in message and message.startswith("127.0.0.1 - - [15/May")


def test_message_strings_and_arguments_that_are_no_strings():
    assert _hidden(_filtered(logging.LogRecord("lms", logging.ERROR, "", 0, f"feed /kalender/{TOKEN}.ics", None, None)))
    # An address made of the format and an argument, and one inside an object.
    record = logging.LogRecord("lms", logging.ERROR, "", 0, "feed /kalender/%s.ics failed", (TOKEN,), None)
    assert _filtered(record) == f"feed {SHOWN} failed"
    url = type("Url", (), {"__str__": lambda self: f"http://lms.test/kalender/{TOKEN}.ics"})()
    record = logging.LogRecord("lms", logging.ERROR, "", 0, "<Request %s> %d", (url, 404), None)
    assert _filtered(record) == f"<Request http://lms.test{SHOWN}> 404"


def _gunicorn_access_record(log_format: str, *, path: str, query: str = "", method: str = "GET",
                            referer: str = "-", location: str | None = None):
    """The record gunicorn's own Logger.access() makes for one request, caught before any handler."""
    caught = Capture()
    logger = logging.getLogger("tests.gunicorn.access")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.handlers = [caught]
    logger.filters = [MaskTokens()]
    cfg = GunicornConfig()
    cfg.set("access_log_format", log_format)
    glogger = GunicornLogger.__new__(GunicornLogger)  # without setup(): it would add handlers to the real loggers
    glogger.cfg, glogger.access_log, glogger._access_log_enabled = cfg, logger, True
    raw_uri = path + (f"?{query}" if query else "")
    environ = {"REQUEST_METHOD": method, "RAW_URI": raw_uri, "PATH_INFO": unquote(path), "QUERY_STRING": query,
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "HTTP_REFERER": referer,
               "HTTP_USER_AGENT": "Kalender/1.0", "REQUEST_URI": raw_uri}
    headers = [("Location", location)] if location else []
    response = SimpleNamespace(status="308 PERMANENT REDIRECT" if location else "200 OK", sent=512, headers=headers)
    request = SimpleNamespace(headers=[("HOST", "lms.example.org"), ("REFERER", referer)])
    glogger.access(response, request, environ, timedelta(milliseconds=3))
    assert len(caught.records) == 1
    return caught.records[0]


GUNICORN_DEFAULT = GunicornConfig().access_log_format
GUNICORN_EXTENDED = ('%(h)s "%(r)s" %(s)s %(m)s %(U)s %(q)s "%(f)s" "%({referer}i)s" %({raw_uri}e)s %({path_info}e)s '
                     '%({request_uri}e)s %({location}o)s %({x-missing}i)s %(missing)s')


@pytest.mark.parametrize("log_format", [GUNICORN_DEFAULT, GUNICORN_EXTENDED])
@pytest.mark.parametrize("variant", VARIANTS)
def test_gunicorn_records_dict_arguments(log_format, variant):
    path, _, query = variant.format(t=TOKEN).partition("?")
    record = _gunicorn_access_record(
        log_format, path=path, query=query, method="HEAD", referer=f"https://lms.example.org/kalender/{TOKEN}.ics",
        location=f"http://lms.example.org/kalender/{TOKEN}.ics")
    message = record.getMessage()
    assert _hidden(message) and "kalender/***" in message
    assert type(record.args) is SafeAtoms  # its lookups still work: unknown atoms show as "-", headers in any case
    assert record.args["{X-Missing}i"] == "-" and record.args["{RAW_URI}e"] == record.args["{raw_uri}e"]
    assert message.startswith("127.0.0.1 ") and (' 200 ' in message or ' 308 ' in message)


def test_gunicorn_records_of_public_addresses_are_left_alone():
    record = _gunicorn_access_record(GUNICORN_EXTENDED, path="/kalender/angebote.ics", query="x=1",
                                     referer="https://lms.example.org/konto/kalender")
    assert "/kalender/angebote.ics?x=1" in record.getMessage() and "***" not in record.getMessage()


def test_the_callers_own_dict_is_not_changed():
    atoms = {"r": f"GET /kalender/{TOKEN}.ics HTTP/1.1"}
    record = logging.LogRecord("x", logging.INFO, "", 0, "%(r)s", (atoms,), None)
    assert _filtered(record) == f"GET {SHOWN} HTTP/1.1" and TOKEN in atoms["r"]


def test_tracebacks_and_stacks_are_masked():
    handler = Capture()
    logger = logging.getLogger("tests.logging.traceback")
    logger.addHandler(handler)
    logger.addFilter(MaskTokens())
    try:
        try:
            raise LookupError("no feed at /kalender/" + TOKEN + ".ics")
        except LookupError:
            logger.exception("feed failed", stack_info=True)
    finally:
        logger.removeHandler(handler)
    assert f"LookupError: no feed at {SHOWN}" in handler.text and "Stack (most recent call last)" in handler.text
    assert _hidden(handler.text)


def test_the_app_masks_on_every_logger_and_handler(app):
    """create_app installs the filter; on the root and app loggers their handlers see the records of
    every logger below them (a logger's own filters would not)."""
    handler = Capture()
    with _listening("", handler):
        init_logging(app)  # as create_app did, now that the handler is there
        for name in ("", "lms", "lms.kalender.services", "werkzeug", "sqlalchemy.pool", "gunicorn.error"):
            with _listening(name, propagate=True) as logger:
                logger.error("%s - - \"GET %s HTTP/1.1\" 404 -", name, f"/kalender//{TOKEN}.ics")
    assert len(handler.lines) == 6 and all(f'"GET {SHOWN} HTTP/1.1" 404' in line for line in handler.lines)
    assert _hidden(handler.text)
    assert any(isinstance(f, MaskTokens) for f in app.logger.filters)
    assert any(isinstance(f, MaskTokens) for f in logging.getLogger("gunicorn.access").filters)


# --- the real servers -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A migrated SQLite file with one person and their private feed address."""
    folder = tmp_path_factory.mktemp("logsite")
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'lms.sqlite'}", "SECRET_KEY": "log-test-secret",
              "PASSWORD_HASH_METHOD": "scrypt:1024:8:1", "BASE_URL": "http://127.0.0.1"}
    app = create_app(config)
    with app.app_context():
        flask_migrate.upgrade()
        now = datetime.now(UTC)
        user = auth_services.create_user(email="kalender@example.org", name="Kalender", roles=["coordinator"],
                                         password="Richtig-Geheim-42", now=now)
        token = feed_services.token_value(feed_services.new_token(user, scope="all", now=now))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return SimpleNamespace(folder=folder, config=config, token=token)


def _ask(port: int, method: str, target: str, referer: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:  # the worker may still boot
        connection.sendall(f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nReferer: {referer}\r\n"
                           f"User-Agent: Kalender/1.0\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def _requests(token: str, port: int) -> list[tuple[str, str, str]]:
    """(method, target, referer): every spelling, HEAD too, the absolute form, the token as the referer."""
    asked = [("GET", variant.format(t=token), f"http://127.0.0.1:{port}/kalender/{token}.ics") for variant in VARIANTS]
    asked += [("HEAD", f"/kalender/{token}.ics", "-"), ("HEAD", f"/kalender/./{token}.ics?x=1", "-"),
              ("GET", f"http://127.0.0.1:{port}/kalender/{token}.ics", "-"),
              ("GET", "/kalender/angebote.ics", f"https://lms.example.org/kalender//{token}.ics")]
    return asked


def _wait_for(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text() if log.exists() else "gunicorn ended"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("gunicorn did not answer")


@contextmanager
def _gunicorns(site, *log_formats: str | None):
    """One gunicorn per access log format (None: its default), all started at once, stopped at once."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("LMS_")}
    env.update(LMS_DATABASE_URL=site.config["SQLALCHEMY_DATABASE_URI"], LMS_SECRET_KEY=site.config["SECRET_KEY"],
               LMS_INSTANCE_PATH=str(site.folder / "instance"))
    servers = []
    try:
        for number, log_format in enumerate(log_formats):
            port = free_port()
            access_log, error_log = site.folder / f"access-{number}.log", site.folder / f"error-{number}.log"
            options = ["--access-logformat", log_format] if log_format else []
            if "control_socket_disable" in KNOWN_SETTINGS_NAMES:  # gunicorn 24+: not the shared ~/.gunicorn socket
                options.append("--no-control-socket")
            process = subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}",
                 "--access-logfile", str(access_log), "--error-logfile", str(error_log), *options, "lms:create_app()"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            servers.append(SimpleNamespace(port=port, process=process, access_log=access_log, error_log=error_log))
        yield servers
    finally:
        for server in servers:
            server.process.send_signal(signal.SIGINT)  # quick shutdown; every log line is already written
        for server in servers:
            try:
                server.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()


def test_gunicorn_access_logs_mask_the_private_address(site):
    """Real gunicorn, its access log file in the default format and in one with the path, query,
    referer, raw URI and Location atoms; both servers start at once to keep the test short."""
    with _gunicorns(site, None, GUNICORN_EXTENDED) as (default, extended):
        for server in (default, extended):
            _wait_for(server.port, server.process, server.error_log)
            asked = _requests(site.token, server.port)
            answers = [_ask(server.port, *request) for request in asked]
            assert answers[0].startswith(b"HTTP/1.1 200") and b"BEGIN:VCALENDAR" in answers[0]  # a real feed
            assert answers[-1].startswith(b"HTTP/1.1 200")
    for server in (default, extended):
        written = server.access_log.read_text()
        assert len(written.splitlines()) == len(asked), written
        assert _hidden(written, site.token), written
        assert _hidden(server.error_log.read_text(), site.token)
        assert f'"GET {SHOWN} HTTP/1.1" 200' in written and f'"HEAD {SHOWN} HTTP/1.1" 200' in written
        assert f"{SHOWN}?x=1" in written and "/kalender/angebote.ics" in written
    assert f'"http://127.0.0.1:{default.port}{SHOWN}" "Kalender/1.0"' in default.access_log.read_text()  # the referer
    assert f" {SHOWN} x=1 " in extended.access_log.read_text()  # %(U)s %(q)s


def test_werkzeug_dev_server_logs_mask_the_private_address(site):
    """`lms run` serves through Werkzeug, which logs each request on the "werkzeug" logger."""
    app = create_app(site.config)
    server = make_server("127.0.0.1", 0, app, threaded=False)
    handler = Capture()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    with _listening("werkzeug", handler):
        thread.start()
        try:
            asked = _requests(site.token, server.port)
            answers = [_ask(server.port, *request) for request in asked]
        finally:
            server.shutdown()
            thread.join(5)
    assert answers[0].split(b"\r\n")[0].endswith(b" 200 OK") and b"BEGIN:VCALENDAR" in answers[0]
    written = handler.text
    assert len(handler.records) == len(asked) and _hidden(written, site.token), written
    assert all(record.name == "werkzeug" for record in handler.records)
    assert "127.0.0.1 - - [" in written and f'"GET {SHOWN} HTTP/1.1" 200 -' in written
    assert f"HEAD {SHOWN}?x=1 HTTP/1.1" in written and '"GET /kalender/angebote.ics HTTP/1.1" 200' in written
