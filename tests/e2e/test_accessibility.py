"""Every page of the areas built so far passes axe-core's WCAG 2.1 AA checks, for each role that sees it.

The pages each role sees (PAGES) and the demo they are read from (full_demo) are here; the sweep over
them, at 1280 and 390 px, runs axe together with the layout checks in test_layout, so that each page
is loaded once per width. This module proves that the check can fail."""
from urllib.parse import quote

import pytest

from lms.auth.models import Region
from lms.auth.services import find_user_by_email
from lms.beratung import services as consultation_services
from lms.beratung.models import Consultation
from lms.cli import DEMO_SEEDERS
from lms.db import utcnow
from lms.extensions import db
from lms.ical import BERLIN
from lms.instrumente.models import Instrument
from lms.module.models import Enrolment, Module, Offering
from lms.netzwerk.models import Agreement, BindingContact, Body, EmergencyNumber, Institution, Meeting
from tests.conftest import seed_once
from tests.e2e.conftest import assert_accessible

pytestmark = pytest.mark.e2e



@pytest.fixture
def full_demo(app):
    now = utcnow()
    seed_once("full demo", lambda: [seed(now=now) for seed in DEMO_SEEDERS])
    expert = find_user_by_email("fachkraft@example.org")

    def consultation(status):  # the demo expert's first booking in *status*
        return db.session.scalar(db.select(Consultation.id).where(
            Consultation.expert_id == expert.id, Consultation.status == status).order_by(Consultation.id))

    slot = consultation_services.next_free_slots(consultation_services.profile_of(expert), now=now)[0]
    return {
        "module": db.session.scalar(db.select(Module.id).where(Module.code == "M07")),
        "offering": db.session.scalar(db.select(Offering.id).join(Offering.module).where(Module.code == "M07")
                                      .order_by(Offering.capacity)),
        "instrument": db.session.scalar(db.select(Instrument.id).where(Instrument.code == "I08")),
        "coordinator": find_user_by_email("koordination2@example.org").id,
        "enrolment": db.session.scalar(db.select(Enrolment.id)),
        "expert": expert.id,
        "slot": quote(slot.starts_at.isoformat(), safe=":"),
        "requested": consultation("requested"),  # booked by the demo coordinator
        "held": consultation("completed"),  # booked by the demo partner, with case content and outcome
        "region": db.session.scalar(db.select(Region.id).where(Region.name == "Dresden")),
        "number": db.session.scalar(db.select(EmergencyNumber.id).join(EmergencyNumber.region)
                                    .where(Region.name == "Dresden").order_by(EmergencyNumber.id)),
        "institution": db.session.scalar(db.select(Institution.id).order_by(Institution.id)),
        "contact": db.session.scalar(db.select(BindingContact.id).order_by(BindingContact.id)),
        "member_institution": db.session.scalar(db.select(Institution.id).where(  # the demo partner's Kita
            Institution.name == "Kita Sonnenschein Landkreis Leipzig")),
        "body": db.session.scalar(db.select(Body.id).where(Body.name == "Steuerungsgruppe Kinderschutz Dresden")),
        "meeting": db.session.scalar(db.select(Meeting.id).join(Meeting.body).where(
            Body.name == "Steuerungsgruppe Kinderschutz Dresden").order_by(Meeting.starts_at.desc())),
        "forum": db.session.scalar(db.select(Body.id).where(Body.name == "Netzwerkforum Kinderschutz Dresden")),
        "held_meeting": db.session.scalar(db.select(Meeting.id).join(Meeting.body).where(  # approved minutes
            Body.name == "Steuerungsgruppe Kinderschutz Dresden", Meeting.ends_at < utcnow())
            .order_by(Meeting.starts_at.desc())),
        "draft_meeting": db.session.scalar(db.select(Meeting.id).join(Meeting.body).where(  # minutes in the writing
            Body.name == "AG Schule – Jugendhilfe Dresden", Meeting.ends_at < utcnow())
            .order_by(Meeting.starts_at.desc())),
        "year": utcnow().astimezone(BERLIN).year,
        "agreement": db.session.scalar(db.select(Agreement.id).where(Agreement.state == "consultation")
                                       .order_by(Agreement.id)),  # Dresden's, with the signatures form
    }


PAGES = {
    "admin@example.org": [
        "/", "/verwaltung/konten", "/verwaltung/konten/{coordinator}", "/verwaltung/einladungen",
        "/verwaltung/regionen", "/kompetenzen/rahmen", "/kompetenzen/soll", "/kompetenzen/uebersicht",
        "/kompetenzen/personen/{coordinator}", "/instrumente/in-arbeit", "/beratung", "/beratung/uebersicht",
        "/beratung/protokoll", "/beratung/buchungen/{requested}",
        "/netzwerk/einrichtungen/{member_institution}",  # its people and a proposal waiting
        "/berichte", "/berichte/{year}", "/berichte/{year}?region={region}",
        "/verwaltung/protokoll", "/verwaltung/datenschutz", "/verwaltung/konten/{coordinator}/datenschutz",
    ],
    "referentin@example.org": [
        "/qualifizierung/verwaltung", "/qualifizierung/verwaltung/module/{module}",
        "/qualifizierung/verwaltung/module/{module}/durchfuehrungen/neu",
        "/qualifizierung/verwaltung/angebote/{offering}", "/qualifizierung/verwaltung/angebote/{offering}/teilnehmende",
        "/qualifizierung/verwaltung/angebote/{offering}/anwesenheit", "/kompetenzen/module/{module}",
        "/kompetenzen/bestaetigungen", "/instrumente/neu", "/instrumente/{instrument}",
        "/instrumente/{instrument}/bearbeiten", "/kompetenzen/instrumente/{instrument}",
    ],
    "koordination@example.org": [
        "/qualifizierung", "/qualifizierung/module/{module}", "/qualifizierung/angebote/{offering}", "/mein-lernen",
        "/instrumente", "/instrumente?q=Helferkonferenz", "/merkliste", "/kompetenzen", "/konto",
        "/beratung", "/beratung?art=case_consult_8b&frei=14", "/beratung/fachkraefte/{expert}",
        "/beratung/fachkraefte/{expert}/buchen?beginn={slot}", "/beratung/fachkraefte/{expert}?verschieben={requested}",
        "/beratung/buchungen", "/beratung/buchungen?ansicht=vergangen", "/beratung/buchungen/{requested}",
        "/beratung/uebersicht", "/notfall/{region}", "/netzwerk/notrufnummern", "/netzwerk/notrufnummern/neu",
        "/netzwerk/notrufnummern/{number}", "/netzwerk", "/netzwerk/einrichtungen/{institution}",
        "/netzwerk/einrichtungen/neu", "/netzwerk/einrichtungen/{institution}/bearbeiten",
        "/netzwerk/ansprechpersonen/{contact}", "/netzwerk/vereinbarungen", "/netzwerk/vereinbarungen/neu",
        "/netzwerk/vereinbarungen/{agreement}", "/netzwerk/vereinbarungen/{agreement}/bearbeiten", "/netzwerk/karte",
        "/netzwerk/gremien", "/netzwerk/gremien/neu", "/netzwerk/gremien/{body}", "/netzwerk/gremien/{body}/bearbeiten",
        "/netzwerk/gremien/{body}/sitzungen/neu", "/netzwerk/sitzungen/{meeting}", "/netzwerk/sitzungen/{meeting}/bearbeiten",
        "/netzwerk/sitzungen/{held_meeting}", "/netzwerk/sitzungen/{draft_meeting}",
        "/netzwerk/sitzungen/{draft_meeting}/protokoll", "/netzwerk/gremien/{body}/beschluesse",
        "/netzwerk/gremien/{body}/aufgaben?stand=alle", "/netzwerk/aufgaben?erledigt=1", "/termine",
        "/berichte", "/berichte/{year}?region={region}",
    ],
    "fachkraft@example.org": [
        "/", "/beratung/verfuegbarkeit", "/beratung/profil", "/beratung/buchungen",
        "/beratung/buchungen?ansicht=vergangen", "/beratung/buchungen/{requested}", "/beratung/buchungen/{held}",
        "/beratung/fachkraefte/{expert}",
    ],
    "partner@example.org": [
        "/", "/beratung", "/beratung/buchungen", "/beratung/buchungen?ansicht=vergangen", "/beratung/buchungen/{held}",
        "/netzwerk/einrichtungen/{member_institution}", "/netzwerk/einrichtungen/{member_institution}/vorschlag",
        "/netzwerk/aufgaben",
    ],
}


def test_the_check_finds_a_violation(page):
    """assert_accessible can fail: an image without a text alternative is reported by its rule."""
    page.set_content('<!doctype html><html lang="de"><head><title>Probe</title></head>'
                     '<body><main><h1>Probe</h1><img src="data:,"></main></body></html>')
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page)
