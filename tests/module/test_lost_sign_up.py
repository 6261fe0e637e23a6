"""A double sign-up that a parallel request won (the unique enrolment per person and offering) is
told as AlreadyEnrolled by the services themselves: the views only ever see a DomainError, and
nothing of the losing request is saved."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.module import services
from lms.module.models import Enrolment
from lms.module.services import AlreadyEnrolled
from lms.module.services import enrolment as enrolment_services
from tests.conftest import FIXED_NOW, login_as

NOW = FIXED_NOW


@pytest.fixture
def parallel_winner(monkeypatch):
    """From now on the services do not see the person's enrolment: as when a parallel request
    wrote it after this one looked."""
    monkeypatch.setattr(enrolment_services, "enrolment_for", lambda user, offering: None)


def _enrolments(offering) -> int:
    return db.session.scalar(select(func.count(Enrolment.id)).where(Enrolment.offering_id == offering.id))


def test_a_lost_sign_up_race_is_already_enrolled(create_user, create_offering, parallel_winner):
    offering, person = create_offering(), create_user("coordinator")
    services.enrol(person, offering, now=NOW)
    db.session.commit()
    with pytest.raises(AlreadyEnrolled):
        services.enrol(person, offering, now=NOW)
    db.session.rollback()
    assert _enrolments(offering) == 1


def test_a_lost_admission_request_race_is_already_enrolled(create_user, create_module, create_offering,
                                                           parallel_winner):
    basics = create_module(title="Grundlagen Kinderschutz")
    offering = create_offering(create_module(title="Vertiefung", prerequisites=[basics]),
                               starts_in=timedelta(days=60))
    person = create_user("coordinator")
    services.request_admission(person, offering, note="", now=NOW)
    db.session.commit()
    with pytest.raises(AlreadyEnrolled):
        services.request_admission(person, offering, note="", now=NOW)
    db.session.rollback()
    assert _enrolments(offering) == 1


def test_the_page_tells_the_loser_and_saves_nothing(client, create_user, create_offering, parallel_winner):
    offering, person = create_offering(), create_user("coordinator")
    services.enrol(person, offering, now=NOW)
    db.session.commit()
    login_as(client, person)
    response = client.post(f"/qualifizierung/angebote/{offering.id}/anmelden", follow_redirects=True)
    assert response.status_code == 200
    assert str(AlreadyEnrolled().message) in response.get_data(as_text=True)
    assert _enrolments(offering) == 1
