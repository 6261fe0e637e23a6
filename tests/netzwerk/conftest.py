"""What the network's tests share: a region, its coordinator, institutions she keeps, and a
Steuerungsgruppe with a delegate, her deputy and a guest, whose meetings `plan` plans."""
from datetime import timedelta

import pytest

from lms.extensions import db
from lms.netzwerk import bodies, directory, meetings
from lms.netzwerk.bodies import BodyInput
from lms.netzwerk.directory import InstitutionInput
from lms.netzwerk.meetings import MeetingInput


@pytest.fixture
def region(create_region):
    return create_region("Dresden")


@pytest.fixture
def keeper(create_user, region):
    return create_user("coordinator", region=region)


@pytest.fixture
def institution(keeper, region, now):
    def _create(name="Kita Regenbogen", *, kind="kita", sector="youth_welfare", visibility="public", actor=None,
                regions=None, description="Kinderschutzkonzept und Kinderschutzfachkraft"):
        created = directory.save_institution(actor or keeper, None, InstitutionInput(
            name=name, sector=sector, kind=kind, region_ids=regions or [region.id], description=description,
            visibility=visibility), now=now)
        db.session.commit()
        return created

    return _create


@pytest.fixture
def steering(keeper, region, institution, create_user, now):
    body = bodies.save_body(keeper, None, BodyInput(region_id=region.id, kind="steering", name="Steuerungsgruppe"),
                            now=now)
    people = {name: create_user("partner", region=region, name=name) for name in ("Delegierte", "Vertretung", "Gast")}
    bodies.add_institution(keeper, body, institution("Kita Regenbogen").id, delegate_email=people["Delegierte"].email,
                           deputy_email=people["Vertretung"].email)
    bodies.add_institution(keeper, body, institution("Grundschule", kind="school", sector="education").id)
    bodies.add_person(keeper, body, people["Gast"].email)
    db.session.commit()
    body.people = people
    return body


def plan(keeper, body, now, **changes):
    data = dict(starts_at=now + timedelta(days=7), ends_at=now + timedelta(days=7, hours=2), place="Rathaus, Raum 1",
                agenda="1. Bericht der AG Schule\n2. Kooperationsvereinbarung Kitas")
    data.update(changes)
    meeting = meetings.plan_meeting(keeper, body, MeetingInput(**data), now=now)
    db.session.commit()
    return meeting
