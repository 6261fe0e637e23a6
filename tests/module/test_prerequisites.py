"""Prerequisites are published modules: drafts never show, never count; archived ones stop counting."""
import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.module import services
from lms.module.models import Module, ModuleState
from lms.module.services import PrerequisitesMissing
from tests.conftest import login_as

DRAFT_TITLE = "Geheimer Entwurf von Renate"
REFUSED = "Als Voraussetzung können nur veröffentlichte Module gewählt werden."


@pytest.fixture
def other_trainer(create_user):
    return create_user("trainer", name="Bernd Referent")


@pytest.fixture
def draft(create_module):
    """A draft of the default trainer, which other trainers must not see."""
    return create_module(title=DRAFT_TITLE, state=ModuleState.DRAFT)


def _input(**changes) -> services.ModuleInput:
    data = services.ModuleInput(
        title="Vertiefung", summary="Kurz", description="", learning_goals="", dimension="internal",
        teaching_units=8, required_attendance=100, audiences=["coordinator"], prerequisite_ids=[], trainer_ids=[],
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def _form(**changes) -> dict:
    data = {"title": "Vertiefung", "summary": "Kurz", "dimension": "internal", "teaching_units": "8",
            "required_attendance": "100", "audiences": ["coordinator"]}
    data.update(changes)
    return data


def _require_draft(module, draft) -> None:
    """A draft linked as prerequisite, as data from before the rule (the services refuse it now)."""
    module.prerequisites.append(draft)
    db.session.commit()


def _search(client, path: str, text: str) -> str:
    """The module form's prerequisite search: the form again, with its matches."""
    response = client.post(path, data=_form(**{"prerequisites-suche": text, "prerequisites-suchen": "1"}))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_other_trainers_drafts_are_not_offered_as_prerequisites(client, create_module, draft, other_trainer):
    create_module(title="Grundlagen")
    own = create_module(title="Eigenes Modul", actor=other_trainer)
    login_as(client, other_trainer)
    for path in ("/qualifizierung/verwaltung/module/neu", f"/qualifizierung/verwaltung/module/{own.id}"):
        page = _search(client, path, "e")
        assert "Grundlagen" in page and DRAFT_TITLE not in page


def test_no_draft_is_offered_even_to_its_author_or_an_admin(client, create_user, create_module, draft, trainer):
    for user in (trainer, create_user("admin")):
        login_as(client, user)
        assert DRAFT_TITLE not in _search(client, "/qualifizierung/verwaltung/module/neu", "Entwurf")


def test_a_forged_draft_prerequisite_is_a_form_error_and_nothing_is_saved(client, create_module, draft,
                                                                          other_trainer):
    own = create_module(title="Eigenes Modul", actor=other_trainer)
    login_as(client, other_trainer)
    response = client.post("/qualifizierung/verwaltung/module/neu", data=_form(prerequisites=[str(draft.id)]))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert REFUSED in page and DRAFT_TITLE not in page
    assert db.session.scalar(select(func.count(Module.id))) == 2
    response = client.post(f"/qualifizierung/verwaltung/module/{own.id}",
                           data=_form(title="Eigenes Modul", prerequisites=[str(draft.id)]))
    assert response.status_code == 422 and REFUSED in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Module, own.id).prerequisites == []


@pytest.mark.parametrize("forged", ["99999", "2147483648", "-1"])
def test_a_prerequisite_that_does_not_exist_is_a_form_error(client, other_trainer, forged):
    login_as(client, other_trainer)
    response = client.post("/qualifizierung/verwaltung/module/neu", data=_form(prerequisites=[forged]))
    assert response.status_code == 422 and REFUSED in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Module.id))) == 0


def test_the_service_refuses_an_unpublished_prerequisite(create_module, draft, other_trainer, now):
    archived = create_module(title="Alt", state=ModuleState.ARCHIVED)
    for unpublished in (draft, archived):
        with pytest.raises(services.DomainError, match=REFUSED):
            services.create_module(other_trainer, _input(prerequisite_ids=[unpublished.id]), now=now)
        db.session.rollback()
    assert db.session.scalar(select(func.count(Module.id))) == 2


def test_the_public_page_never_names_an_unpublished_prerequisite(client, create_user, create_module, draft):
    basics = create_module(title="Grundlagen")
    module = create_module(title="Vertiefung", prerequisites=[basics])
    _require_draft(module, draft)
    for user in (None, create_user("coordinator")):
        if user:
            login_as(client, user)
        page = client.get(f"/qualifizierung/module/{module.id}").get_data(as_text=True)
        assert "Grundlagen" in page and DRAFT_TITLE not in page


def test_a_draft_prerequisite_does_not_block_enrolment(client, create_user, create_module, create_offering, draft,
                                                       now):
    offering = create_offering(create_module(title="Vertiefung"))
    _require_draft(offering.module, draft)
    user = create_user("coordinator")
    login_as(client, user)
    page = client.get(f"/qualifizierung/angebote/{offering.id}").get_data(as_text=True)
    assert "Platz buchen" in page and DRAFT_TITLE not in page
    assert services.enrol(user, offering, now=now).status == "enrolled"


def test_an_archived_prerequisite_stops_blocking_and_counts_again_when_republished(
        client, create_user, create_module, create_offering, trainer, now):
    basics = create_module(title="Grundlagen")
    offering = create_offering(create_module(title="Vertiefung", prerequisites=[basics]))
    user, later = create_user("coordinator"), create_user("coordinator")
    with pytest.raises(PrerequisitesMissing, match="Grundlagen"):
        services.check_can_enrol(user, offering, now=now)
    services.set_module_state(trainer, basics, ModuleState.ARCHIVED, now=now)
    db.session.commit()
    assert services.missing_prerequisites(user, offering.module) == []
    assert "Grundlagen" not in client.get(f"/qualifizierung/module/{offering.module_id}").get_data(as_text=True)
    assert services.enrol(user, offering, now=now).status == "enrolled"
    services.set_module_state(trainer, basics, ModuleState.PUBLISHED, now=now)
    db.session.commit()
    with pytest.raises(PrerequisitesMissing, match="Grundlagen"):
        services.enrol(later, offering, now=now)


def test_saving_a_module_keeps_its_archived_prerequisite(client, create_module, trainer, now):
    basics = create_module(title="Grundlagen")
    module = create_module(title="Vertiefung", prerequisites=[basics])
    services.set_module_state(trainer, basics, ModuleState.ARCHIVED, now=now)
    db.session.commit()
    login_as(client, trainer)
    page = client.get(f"/qualifizierung/verwaltung/module/{module.id}").get_data(as_text=True)
    assert "Grundlagen (archiviert)" in page
    response = client.post(f"/qualifizierung/verwaltung/module/{module.id}",
                           data=_form(prerequisites=[str(basics.id)]))
    assert response.status_code == 302
    db.session.expire_all()
    assert [m.id for m in db.session.get(Module, module.id).prerequisites] == [basics.id]
