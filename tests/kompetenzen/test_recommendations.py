"""Advice that leads somewhere: no module the person completed or holds a place in, and a missing
prerequisite named first with "Zulassung anfragen" instead of an "Anmelden" that fails."""
from datetime import timedelta

import pytest

from lms.extensions import db
from lms.kompetenzen import services
from lms.module import services as module_services
from lms.module.models import EnrolmentStatus
from tests.conftest import login_as


@pytest.fixture
def builds_a1(framework, create_module, create_offering, trainer):
    """A module building A1 to level 3, with two open runs."""

    def _make(title="Netzwerkanalyse", *, prerequisites=(), level=3):
        module = create_module(title=title, prerequisites=prerequisites)
        services.map_module(trainer, module, {framework["A1"].id: level})
        runs = [create_offering(module, starts_in=timedelta(days=days)) for days in (20, 50)]
        db.session.commit()
        return module, runs

    return _make


def _recommended(person, now) -> list[tuple[str, int]]:
    gap_rows = services.gaps(services.profile(person, now=now))
    return [(r.offering.module.title, r.offering.id) for r in services.recommendations(person, gap_rows, now=now)]


@pytest.mark.parametrize("status", ["enrolled", "waitlisted", "requested"])
def test_a_module_the_person_holds_a_place_in_is_not_recommended(builds_a1, create_user, create_offering, now,
                                                                status):
    module, runs = builds_a1()
    person = create_user("coordinator")
    assert {title for title, _ in _recommended(person, now)} == {"Netzwerkanalyse"}
    if status == "enrolled":
        module_services.enrol(person, runs[0], now=now)
    elif status == "waitlisted":
        full = create_offering(module, capacity=1, starts_in=timedelta(days=30))
        module_services.enrol(create_user("coordinator"), full, now=now)
        assert module_services.enrol(person, full, now=now).status == EnrolmentStatus.WAITLISTED
    else:
        moderated = create_offering(module, moderated=True, starts_in=timedelta(days=30))
        assert module_services.enrol(person, moderated, now=now).status == EnrolmentStatus.REQUESTED
    assert _recommended(person, now) == []  # neither this run nor the other runs of the module


def test_a_completed_module_is_not_recommended_again(builds_a1, framework, create_offering, create_user, trainer,
                                                     now):
    module, _runs = builds_a1(level=2)
    past = create_offering(module, starts_in=timedelta(days=-3))
    person = create_user("coordinator")
    enrolment = module_services.enrol(person, past, actor=trainer, now=now - timedelta(days=5))
    module_services.record_attendance(trainer, past, {(enrolment.id, past.dates[0].id): True}, now=now)
    services.map_module(trainer, module, {framework["A1"].id: 3})  # the module now builds more than she got
    assert _recommended(person, now) == []


def test_a_missing_prerequisite_is_named_first_and_admission_can_be_asked(client, builds_a1, create_module,
                                                                           create_offering, create_user, now):
    basics = create_module(title="Grundlagen")
    basics_run = create_offering(basics)
    _module, runs = builds_a1("Vertiefung", prerequisites=[basics])
    person = create_user("coordinator")
    module_services.enrol(person, basics_run, now=now)  # she is doing the basics now
    db.session.commit()
    gap_rows = services.gaps(services.profile(person, now=now))
    first = services.recommendations(person, gap_rows, now=now)[0]
    assert first.offering.id == runs[0].id
    assert [m.title for m in first.missing] == ["Grundlagen"] and first.in_progress == {basics.id}
    login_as(client, person)
    page = client.get("/kompetenzen").get_data(as_text=True)
    card = page.split("Vertiefung</a></h3>", 1)[1].split("</li>", 1)[0]
    assert "Zuerst:" in card and "Grundlagen</a> (Sie haben einen Platz)" in card
    assert "Zulassung anfragen" in card and "Anmelden" not in card
    action = f"/qualifizierung/angebote/{runs[0].id}/zulassung-anfragen"
    assert action in card
    assert client.post(action, data={}).status_code == 302
    db.session.expire_all()
    assert module_services.enrolment_for(person, runs[0]).status == EnrolmentStatus.REQUESTED
    assert _recommended(person, now) == []  # asked for: the module is in progress now


def test_an_admitted_person_is_offered_the_sign_up(builds_a1, create_module, create_user, trainer, now):
    basics = create_module(title="Grundlagen")
    _module, runs = builds_a1("Vertiefung", prerequisites=[basics])
    admitted, other = create_user("coordinator"), create_user("coordinator")
    module_services.admit(trainer, runs[0], admitted, reason="Gleichwertige Fortbildung", now=now)
    for person, missing in ((admitted, []), (other, ["Grundlagen"])):
        gap_rows = services.gaps(services.profile(person, now=now))
        found = services.recommendations(person, gap_rows, now=now)
        # One run per module, the best (the earlier one); the module page lists the others.
        assert [(r.offering.id, [m.title for m in r.missing]) for r in found] == [(runs[0].id, missing)]
