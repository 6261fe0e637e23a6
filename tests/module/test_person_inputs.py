"""Naming a person by e-mail ("Teilnehmende hinzufügen", "Zulassen"): every input gets a clean answer."""
import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.module.models import Admission, Enrolment
from tests.conftest import login_as

ACTIONS = ("teilnehmende/hinzufuegen", "zulassen")
INVALID = "Bitte geben Sie eine gültige E-Mail-Adresse an."
NOBODY = "Unter dieser E-Mail-Adresse gibt es kein aktives Konto."


def _post(client, offering, action, email, reason=""):
    return client.post(f"/qualifizierung/verwaltung/angebote/{offering.id}/{action}",
                       data={"person-email": email, "person-reason": reason}, follow_redirects=True)


def _nothing_saved() -> bool:
    return db.session.scalar(select(func.count(Enrolment.id))) == 0 and \
        db.session.scalar(select(func.count(Admission.id))) == 0


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("email,messages", [
    ("anna@@example", [INVALID]),
    ("keine-mail", [INVALID]),
    ("", ["Bitte geben Sie eine E-Mail-Adresse an."]),
    ("a" * 288 + "@example.org", ["Höchstens 254 Zeichen.", INVALID]),
    ("niemand@example.org", [NOBODY]),
    ("anna\x00@example.org", None),  # removed centrally or refused as invalid: either way a message, no 500
])
def test_a_mistyped_or_unknown_address_is_answered_with_a_message(client, trainer, create_offering, action, email,
                                                                   messages):
    offering = create_offering()
    login_as(client, trainer)
    response = _post(client, offering, action, email)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.request.path.endswith("/teilnehmende")
    assert 'kern-alert--danger' in page
    if messages:
        assert all(message in page for message in messages)
    else:
        assert INVALID in page or NOBODY in page
    assert _nothing_saved()


@pytest.mark.parametrize("action", ACTIONS)
def test_an_inactive_account_is_not_found(client, trainer, create_user, create_offering, action):
    offering = create_offering()
    person = create_user("coordinator", active=False)
    login_as(client, trainer)
    assert NOBODY in _post(client, offering, action, person.email).get_data(as_text=True)
    assert _nothing_saved()


def test_a_too_long_reason_for_admitting_is_a_message(client, trainer, create_user, create_offering):
    offering = create_offering()
    person = create_user("coordinator")
    login_as(client, trainer)
    page = _post(client, offering, "zulassen", person.email, reason="x" * 501).get_data(as_text=True)
    assert "Höchstens 500 Zeichen." in page
    assert _nothing_saved()


@pytest.mark.parametrize("action,message", [
    ("teilnehmende/hinzufuegen", "wurde eingetragen"),
    ("zulassen", "trotz fehlender Voraussetzungen"),
])
def test_a_known_address_still_works(client, trainer, create_user, create_offering, action, message):
    offering = create_offering()
    person = create_user("coordinator")
    login_as(client, trainer)
    assert message in _post(client, offering, action, f"  {person.email.upper()} ").get_data(as_text=True)
