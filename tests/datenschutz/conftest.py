"""The packages' factories the data-protection tests build people's data with."""
import pytest
from sqlalchemy import select

from lms.auth.services import find_user_by_email, update_account
from lms.beratung import services as consultation_services
from lms.beratung.models import Consultation
from lms.beratung.services import BookingInput, CaseInput
from lms.cli import DEMO_SEEDERS
from lms.db import utcnow
from lms.extensions import db
from lms.instrumente import services as instrument_services
from lms.instrumente.models import Instrument
from lms.kalender import services as calendar_services
from lms.kompetenzen import services as competence_services
from lms.kompetenzen.models import Competence
from lms.notifications.services import queue_mail
from tests.conftest import seed_once
from tests.kompetenzen.conftest import framework  # noqa: F401
from tests.module.conftest import create_module, create_offering, trainer  # noqa: F401

OWN_CASE = "Eigene Fallvignette mit dem Zeichen Okapi-Sieben"
OTHER_CASE = "Fremde Fallvignette mit dem Zeichen Kiwi-Elf"


def _book(booker, expert, vignette, *, now):
    profile = consultation_services.profile_of(expert)
    slot = consultation_services.next_free_slots(profile, now=now)[0]
    return consultation_services.book(booker, profile, BookingInput(
        starts_at=slot.starts_at, type_code="case_consult_8b", format="video",
        case=CaseInput(age_band="6-9", concern="neglect", setting="kita", urgency="soon", vignette=vignette),
        confirmed=frozenset()), now=now)


@pytest.fixture
def people(app):
    """The demo, and in it a coordinator with something in every category: enrolments and certificates
    (from the demo), a booking with her own case text, a bookmark, a feed, a self-assessment, a mail
    and an audit entry about her; beside her the partner's booking with another person's case text."""
    now = utcnow()
    seed_once("full demo", lambda: [seed(now=now) for seed in DEMO_SEEDERS])
    person, partner = find_user_by_email("koordination@example.org"), find_user_by_email("partner@example.org")
    expert, admin = find_user_by_email("fachkraft.leipzig@example.org"), find_user_by_email("admin@example.org")
    own = _book(person, expert, OWN_CASE, now=now)
    other = _book(partner, expert, OTHER_CASE, now=now)
    instrument = db.session.scalar(select(Instrument).where(Instrument.code == "I08"))
    instrument_services.bookmark(person, instrument, notify_by_mail=True, now=now)
    calendar_services.ensure_token(person, now=now)
    competence = db.session.scalars(select(Competence).order_by(Competence.id)).first()
    competence_services.self_assess(person, person, competence, level=2, comment="Selbst eingeschätzt", now=now)
    queue_mail(recipient=person.email, template="password_reset", locale=None, now=now, carries_link=True,
               user=person, link="https://lms.test/reset/geheim", hours=2)
    update_account(admin, person, name=person.name, roles=sorted(person.roles), region=person.region,
                   sector=person.sector, organisation="Jugendamt Dresden", active=True, now=now)
    db.session.commit()
    return {"person": person, "partner": partner, "expert": expert, "admin": admin, "own": own.id,
            "other": other.id, "consultations": db.session.scalars(select(Consultation.id)).all()}
