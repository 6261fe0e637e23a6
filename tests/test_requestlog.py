"""Request ids and the per-request line (lms/requestlog.py): the id is the proxy's when it is a
plain token, comes back in the response, stands in every line and travels with the mail queued."""
import io
import json
import logging

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.notifications.models import OutboxMessage
from lms.notifications.transport import build_message
from lms.requestlog import LOGGER, handler_for

pytestmark = pytest.mark.parametrize("app_config", [{"LOG_REQUESTS": True}])


@pytest.fixture
def json_lines():
    stream = io.StringIO()
    handler = handler_for("json", stream)
    logger = logging.getLogger(LOGGER)
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


def test_each_request_gets_an_id_and_one_line(client, json_lines):
    response = client.get("/anmelden")
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 16
    (line,) = json_lines()
    assert line["request_id"] == request_id and line["method"] == "GET" and line["path"] == "/anmelden"
    assert line["status"] == 200 and line["duration_ms"] >= 0 and line["logger"] == LOGGER
    assert client.get("/anmelden").headers["X-Request-ID"] != request_id


@pytest.mark.parametrize(("given", "kept"), [("a1b2-c3.d4_e5", True), ("has space", False), ("x" * 65, False),
                                             ("<script>", False)])
def test_the_proxys_id_is_kept_when_it_is_a_plain_token(client, json_lines, given, kept):
    response = client.get("/anmelden", headers={"X-Request-ID": given})
    assert (response.headers["X-Request-ID"] == given) is kept
    assert json_lines()[0]["request_id"] == response.headers["X-Request-ID"]


def test_the_line_masks_private_addresses_and_leaves_out_the_query(client, json_lines):
    client.get("/kalender/fVY2AbC-123_xyzSECRETtoken9876cD3.ics?token=geheim")
    (line,) = json_lines()
    assert line["path"] == "/kalender/***.ics" and "SECRET" not in json.dumps(line) and "geheim" not in json.dumps(line)


def test_a_mail_carries_the_id_of_the_request_that_queued_it(app, client, create_user):
    create_user(email="vergessen@example.org")
    response = client.post("/passwort-vergessen", data={"email": "vergessen@example.org"})
    db.session.expire_all()
    mail = db.session.scalar(select(OutboxMessage))
    assert mail.request_id == response.headers["X-Request-ID"]
    assert build_message(mail, sender="lms@example.org", now=mail.created_at)["X-Request-ID"] == mail.request_id


def test_the_text_format_shows_the_id(client):
    stream = io.StringIO()
    handler = handler_for("text", stream)
    logging.getLogger(LOGGER).addHandler(handler)
    try:
        response = client.get("/anmelden")
    finally:
        logging.getLogger(LOGGER).removeHandler(handler)
    assert f"[{response.headers['X-Request-ID']}] lms.request: GET /anmelden 200" in stream.getvalue()
