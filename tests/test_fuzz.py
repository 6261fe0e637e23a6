"""No input ever causes a server error.

Every route of the URL map is called with generated hostile input (hypothesis) as each role
(anonymous, admin, coordinator, trainer, partner, expert) on the demo data set: path arguments,
the query parameters the views read, a few request headers (language, conditional GET, referrer),
and for POST routes the fields of the forms that the app's own pages render for them (kept,
replaced, left out or repeated). Any 5xx or exception fails.

The run is deterministic (derandomised) with LMS_FUZZ_EXAMPLES examples per route (default 6), so
CI sees the same inputs each time; `LMS_FUZZ_EXAMPLES=200 LMS_FUZZ_RANDOM=1 pytest tests/test_fuzz.py`
is a deeper run with fresh inputs.
"""
import io
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from lms import create_app
from lms.auth import services as auth_services
from lms.auth.models import User, UserRole
from lms.cli import DEMO_SEEDERS
from lms.config import TestConfig
from lms.db import utcnow
from lms.extensions import db
from tests.conftest import IsolatedClient, empty_tables, make_config

EXAMPLES = int(os.environ.get("LMS_FUZZ_EXAMPLES", "6"))
RANDOM = os.environ.get("LMS_FUZZ_RANDOM") == "1"

ROLE_LOGINS = {
    "admin": "admin@example.org", "coordinator": "koordination@example.org", "trainer": "referentin@example.org",
    "partner": "partner@example.org", "expert": "fachkraft@example.org",
}
ROLES = ("anonymous", *ROLE_LOGINS)
SKIPPED_ENDPOINTS = {"static", "core.asset"}  # files from disk; no input reaches a service
CRAWL_PAGES_PER_ROLE = 150
CRAWL_PER_ENDPOINT = 2


def _routes() -> list:
    app = create_app(TestConfig)
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint not in SKIPPED_ENDPOINTS),
        key=lambda rule: (rule.rule, sorted(rule.methods)),
    )


ROUTES = [(rule.rule, rule.endpoint, tuple(sorted(rule.methods - {"HEAD", "OPTIONS"}))) for rule in _routes()]
# The query parameters the views read, found in the code itself.
PARAMETERS = sorted(set(re.findall(
    r"request\.args\.get(?:list)?\(\s*[\"'](\w+)[\"']",
    "\n".join(path.read_text() for path in Path(__file__).resolve().parents[1].joinpath("lms").rglob("*.py")),
)) | {"page", "next", "q"})

NASTY = [
    "", " ", "\x00", "a\x00b", "\x0b\x1b[31m\x7f", "\u202eevil\u202c", "e\u0301\u0308\u20dd", "😀👩‍👩‍👧",
    "x" * 100_000, "' OR '1'='1' --", "%_\\%", "*)(uid=*", "<script>alert(1)</script>", "{{ 7*7 }}",
    "-1", "0", "-2147483649", "2147483648", "9223372036854775808", "9" * 40, "1e308", "nan", "inf", "0x1A", "１２",
    "2026-02-30", "2026-13-01", "0000-01-01", "9999-12-31T23:59", "2026-10-25T02:30", "31.12.2026", "25:61",
    "2026-W99", "../../etc/passwd", "/%09/evil.example", "\r\nSet-Cookie: x=1", "true", "on", "[]", "null",
]
TEXT = st.one_of(
    st.sampled_from(NASTY),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
    st.integers(-(2**70), 2**70).map(str),
)
# Header values arrive as Latin-1 text without line breaks (the server has split the lines).
HEADER = TEXT.map(lambda value: value.encode("latin-1", "replace").decode("latin-1").replace("\r", "").replace("\n", ""))
HEADERS = st.dictionaries(
    st.sampled_from(["Accept-Language", "If-None-Match", "If-Modified-Since", "Referer", "Accept", "X-Forwarded-For"]),
    HEADER, max_size=2,
)
IDS = st.one_of(st.integers(1, 40), st.sampled_from([0, 2**31 - 1, 2**31, 2**63, 10**30]))


class _Forms(HTMLParser):
    """The POST forms of a page: action -> {field name: [values seen]} and whether a file goes up."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url = page_url
        self.forms = []
        self._current = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._current = {"action": attrs.get("action") or self.page_url, "fields": {}, "files": set()}
            self.forms.append(self._current)
        elif self._current is None:
            return
        elif tag in {"input", "textarea", "select", "button"} and attrs.get("name"):
            name = attrs["name"]
            if attrs.get("type") == "file":
                self._current["files"].add(name)
                return
            values = self._current["fields"].setdefault(name, [])
            if attrs.get("value") is not None:
                values.append(attrs["value"])
            self._select = values if tag == "select" else None
        elif tag == "option" and self._select is not None and attrs.get("value") is not None:
            self._select.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "select":
            self._select = None


class Fuzz:
    """The demo data set, a client per role and the form fields found for each POST endpoint."""

    def __init__(self, app):
        self.app = app
        self.adapter = app.url_map.bind("lms.test")
        self.clients = {role: self._client() for role in ROLES}
        self.forms: dict[str, list[dict]] = {}

    def _client(self):
        client = self.app.test_client()
        client.environ_base["REMOTE_ADDR"] = "127.0.0.1"
        return client

    def restore_people(self) -> None:
        """Undo what a fuzzed admin page did to the role accounts: active again, with their role."""
        for role, email in ROLE_LOGINS.items():
            user = db.session.scalar(select(User).where(User.email == email))
            db.session.execute(update(User).where(User.id == user.id).values(active=True))
            if role not in user.roles:
                db.session.execute(delete(UserRole).where(UserRole.user_id == user.id))
                db.session.add(UserRole(user_id=user.id, role=role))
        db.session.commit()

    def sign_in(self, role: str):
        client = self.clients[role]
        if role == "anonymous":
            client._cookies.clear()
            return client
        db.session.expire_all()
        user = db.session.scalar(select(User).where(User.email == ROLE_LOGINS[role]))
        auth_services.start_session(user, now=utcnow())
        db.session.commit()
        with client.session_transaction() as session:
            session.clear()
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return client

    def crawl(self) -> None:
        """Visit the pages each role reaches by links from its start pages, at most a few of each
        endpoint, and keep the POST forms found there, one of each shape."""
        shapes = set()
        for role in ROLES:
            client = self.sign_in(role)
            queue = ["/", "/qualifizierung", "/instrumente", "/beratung", "/kompetenzen", "/konto",
                     "/qualifizierung/verwaltung", "/verwaltung/konten", "/beratung/verfuegbarkeit"]
            seen, per_endpoint = set(), {}
            while queue and len(seen) < CRAWL_PAGES_PER_ROLE:
                url = queue.pop(0)
                endpoint = self._endpoint(url, "GET")
                if url in seen or endpoint is None or per_endpoint.get(endpoint, 0) >= CRAWL_PER_ENDPOINT:
                    continue
                seen.add(url)
                per_endpoint[endpoint] = per_endpoint.get(endpoint, 0) + 1
                response = client.get(url)
                if response.status_code != 200 or response.mimetype != "text/html":
                    continue
                html = response.get_data(as_text=True)
                parser = _Forms(url)
                parser.feed(html)
                for form in parser.forms:
                    action = self._endpoint(form["action"], "POST")
                    shape = (action, tuple(sorted(form["fields"])), tuple(sorted(form["files"])))
                    if action and shape not in shapes:
                        shapes.add(shape)
                        self.forms.setdefault(action, []).append(form)
                queue.extend(link.replace("&amp;", "&") for link in re.findall(r'href="(/[^"#]*)"', html))

    def _endpoint(self, url: str, method: str) -> str | None:
        try:
            endpoint, _args = self.adapter.match(urlsplit(url).path, method=method)
        except HTTPException:
            return None
        return endpoint


@pytest.fixture(scope="module")
def fuzz(migrated_database, tmp_path_factory):
    app = create_app(make_config(migrated_database, RATELIMIT_ENABLED=False))
    app.test_client_class = IsolatedClient
    app.instance_path = str(tmp_path_factory.mktemp("fuzz-instance"))
    with app.app_context():
        now = utcnow()
        for seed in DEMO_SEEDERS:
            seed(now=now)
        db.session.commit()
        state = Fuzz(app)
        state.crawl()
        yield state
        empty_tables()


def _path(fuzz: Fuzz, rule: str, endpoint: str, data) -> str:
    werkzeug_rule = next(r for r in fuzz.app.url_map.iter_rules(endpoint) if r.rule == rule)
    values = {}
    for name, converter in werkzeug_rule._converters.items():
        values[name] = data.draw(IDS if isinstance(converter, IntegerConverter) else TEXT, label=name)
    try:
        return fuzz.adapter.build(endpoint, values, force_external=False)
    except (ValueError, HTTPException):  # a value the route cannot even spell: nothing to send
        return "/"


def _form_data(fuzz: Fuzz, endpoint: str, data) -> tuple[str | None, dict]:
    """Fields of one of the endpoint's forms, each kept, replaced, dropped or repeated."""
    forms = fuzz.forms.get(endpoint)
    if not forms:
        names = data.draw(st.lists(st.sampled_from(PARAMETERS + ["email", "reason", "name"]), max_size=4))
        return None, {name: data.draw(TEXT) for name in names}
    form = data.draw(st.sampled_from(forms))
    fields = {}
    for name, values in sorted(form["fields"].items()):
        how = data.draw(st.sampled_from(["keep", "keep", "replace", "drop", "repeat"]), label=name)
        kept = data.draw(st.sampled_from(values)) if values else ""
        if how == "keep":
            fields[name] = kept
        elif how == "replace":
            fields[name] = data.draw(TEXT, label=name)
        elif how == "repeat":
            fields[name] = [kept, data.draw(TEXT, label=name)]
    for name in sorted(form["files"]):
        content = data.draw(st.sampled_from([b"", b"%PDF-1.4\n%%EOF", b"PK\x03\x04junk", "Ärger\x00".encode()]))
        fields[name] = (io.BytesIO(content), data.draw(st.sampled_from(["a.pdf", "../x.txt", "\x00.odt", "x" * 300])))
    return form["action"], fields


@pytest.mark.parametrize(("rule", "endpoint", "methods"), ROUTES, ids=[f"{','.join(ms)} {r}" for r, _e, ms in ROUTES])
def test_no_input_causes_a_server_error(fuzz, rule, endpoint, methods):
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not RANDOM,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def call(data):
        role = data.draw(st.sampled_from(ROLES), label="role")
        method = data.draw(st.sampled_from(methods), label="method")
        path = _path(fuzz, rule, endpoint, data)
        query = {name: data.draw(TEXT, label=name) for name in data.draw(
            st.lists(st.sampled_from(PARAMETERS), max_size=3, unique=True), label="parameters")}
        headers = data.draw(HEADERS, label="headers")
        fuzz.restore_people()
        client = fuzz.sign_in(role)
        if method == "GET":
            response = client.get(path, query_string=query, headers=headers)
        else:
            action, fields = _form_data(fuzz, endpoint, data)
            target = path if action is None or data.draw(st.booleans(), label="own path") else action
            if query:
                target += ("&" if "?" in target else "?") + urlencode(query)
            response = client.post(target, data=fields, headers=headers)
        if endpoint == "health.readyz" and response.status_code == 503:  # its answer: no scheduler runs here
            assert response.get_json()["status"] == "not ready"
            return
        assert response.status_code < 500, f"{method} {path} as {role}: {response.status_code}"

    call()


def test_the_crawl_found_the_forms_of_the_main_journeys(fuzz):
    """The fuzzing reaches past the form validation only where it knows the real fields."""
    for endpoint in ("auth.login", "module.enrol", "instrumente.new", "beratung.book", "auth.edit_user"):
        assert endpoint in fuzz.forms, endpoint
