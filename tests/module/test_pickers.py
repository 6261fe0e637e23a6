"""The module and offering forms choose trainers, prerequisites and course material by search: only what
is chosen is listed, a search offers matches and saves nothing, and only candidates can be saved."""
import re

import pytest
from sqlalchemy import func, select

from lms.candidates import RESULTS
from lms.extensions import db
from lms.forms import MAX_PICKED
from lms.instrumente.models import InstrumentState
from lms.module.models import Module, Offering
from lms.module.services.errors import PUBLISHED_MATERIALS_ONLY, TRAINERS_ONLY
from tests.conftest import login_as
from tests.instrumente.conftest import create_instrument, editor, reviewer  # noqa: F401 (fixtures)

SEARCHED = "Sie haben nach „{}“ gesucht: Bitte wählen Sie einen Treffer aus oder leeren Sie das Suchfeld."


def _form(**changes) -> dict:
    data = {"title": "Kinderschutz im Netzwerk", "summary": "Kurz", "dimension": "internal", "teaching_units": "8",
            "required_attendance": "100", "audiences": ["coordinator"]}
    data.update(changes)
    return data


def _offering_form(**changes) -> dict:
    data = {"capacity": "12", "deadline_day": "2026-12-01", "deadline_time": "12:00", "region": "",
            "dates-0-day": "2026-12-10", "dates-0-start": "09:00", "dates-0-end": "16:00",
            "dates-0-location": "Rathaus, Saal 2"}
    data.update(changes)
    return data


def _boxes(page: str, name: str) -> dict[str, bool]:
    """The checkboxes of *name* on *page*: value -> ticked."""
    boxes = re.findall(rf'<input [^>]*name="{name}"[^>]*>', page)
    return {re.search(r'value="(\d+)"', box)[1]: " checked" in box for box in boxes}


@pytest.fixture
def people(create_user):
    return {
        "jana": create_user("trainer", name="Jana Müller"),
        "peter": create_user("trainer", name="Peter Müllerschön"),
        "klaus": create_user("trainer", name="Klaus Schmidt"),
        "gone": create_user("trainer", name="Gerd Müller", active=False),
        "coordinator": create_user("coordinator", name="Karin Müller"),
    }


@pytest.fixture
def module(create_module, trainer):
    return create_module(title="Kinderschutz im Netzwerk")


def _edit(module) -> str:
    return f"/qualifizierung/verwaltung/module/{module.id}"


def test_the_form_lists_what_is_chosen_not_every_candidate(client, module, trainer, people, create_module):
    create_module(title="Grundlagen")
    login_as(client, trainer)
    page = client.get(_edit(module)).get_data(as_text=True)
    assert _boxes(page, "trainers") == {str(trainer.id): True}
    assert "Jana Müller" not in page and "Grundlagen" not in page
    assert _boxes(page, "prerequisites") == {} and _boxes(page, "materials") == {}
    assert page.count("Noch keine Auswahl.") == 2


@pytest.mark.parametrize("text", ["  mül ", "MÜL"])  # any case, by Unicode's rules on SQLite too
def test_a_search_offers_active_trainers_by_name_and_saves_nothing(client, module, trainer, people, text):
    login_as(client, trainer)
    response = client.post(_edit(module), data=_form(
        title="Geändert", trainers=[str(trainer.id)], **{"trainers-suche": text, "trainers-suchen": "1"}))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _boxes(page, "trainers") == {str(trainer.id): True, str(people["jana"].id): False,
                                        str(people["peter"].id): False}
    assert f"Treffer für „{text.strip()}“" in page
    assert "Gerd Müller" not in page and "Karin Müller" not in page and "Klaus Schmidt" not in page
    db.session.expire_all()
    assert db.session.get(Module, module.id).title == "Kinderschutz im Netzwerk"


def test_a_ticked_match_is_saved_and_an_unticked_choice_removed(client, module, trainer, people):
    login_as(client, trainer)
    response = client.post(_edit(module), data=_form(trainers=[str(people["jana"].id), str(people["peter"].id)]))
    assert response.status_code == 302
    db.session.expire_all()
    # The trainer who edits stays responsible (the service's rule), whoever else is ticked.
    assert {t.id for t in db.session.get(Module, module.id).trainers} == {trainer.id, people["jana"].id,
                                                                           people["peter"].id}
    response = client.post(_edit(module), data=_form(trainers=[str(trainer.id), str(people["jana"].id)]))
    assert response.status_code == 302
    db.session.expire_all()
    assert {t.id for t in db.session.get(Module, module.id).trainers} == {trainer.id, people["jana"].id}


def test_text_left_in_the_search_is_an_error_that_shows_the_matches_and_saves_nothing(client, module, trainer,
                                                                                      people):
    login_as(client, trainer)
    response = client.post(_edit(module), data=_form(title="Geändert", **{"trainers-suche": "Jana"}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert SEARCHED.format("Jana") in page
    assert 'href="#trainers-suche"' in page  # the error summary links to the search
    assert _boxes(page, "trainers") == {str(people["jana"].id): False}
    db.session.expire_all()
    assert db.session.get(Module, module.id).title == "Kinderschutz im Netzwerk"


def test_a_chosen_account_without_the_trainer_role_is_refused(client, module, trainer, people):
    login_as(client, trainer)
    for refused in (people["coordinator"], people["gone"]):
        response = client.post(_edit(module), data=_form(title="Geändert", trainers=[str(refused.id)]))
        assert response.status_code == 422 and str(TRAINERS_ONLY) in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Module, module.id).title == "Kinderschutz im Netzwerk"


@pytest.mark.parametrize("text", ["%", "_", "\\", "M%r"])
def test_like_wildcards_in_a_search_stand_for_themselves(client, module, trainer, people, text):
    login_as(client, trainer)
    page = client.post(_edit(module), data=_form(**{"trainers-suche": text, "trainers-suchen": "1"})
                       ).get_data(as_text=True)
    assert f"Keine Treffer für „{text}“." in page.replace("&#34;", '"').replace("&#39;", "'")


def test_a_broad_search_offers_the_first_matches_and_asks_for_a_closer_one(client, module, trainer, create_user):
    for number in range(RESULTS + 5):
        create_user("trainer", name=f"Referent {number:02d}")
    login_as(client, trainer)
    page = client.post(_edit(module), data=_form(**{"trainers-suche": "Referent ", "trainers-suchen": "1"})
                       ).get_data(as_text=True)
    offered = [value for value, ticked in _boxes(page, "trainers").items() if not ticked]
    assert len(offered) == RESULTS
    assert "Referent 00" in page and f"Referent {RESULTS - 1:02d}" in page and f"Referent {RESULTS:02d}" not in page
    assert "Es gibt weitere Treffer: Bitte suchen Sie genauer." in page


def test_more_choices_than_any_form_needs_are_refused_without_looking_them_up(client, module, trainer,
                                                                              count_queries):
    login_as(client, trainer)
    ids = [str(number) for number in range(1, MAX_PICKED + 2)]
    with count_queries() as statements:
        response = client.post(_edit(module), data=_form(title="Geändert", trainers=ids))
    assert response.status_code == 422
    assert f"Bitte wählen Sie höchstens {MAX_PICKED} aus." in response.get_data(as_text=True)
    assert not any(statement.count("?") + statement.count("%(") > MAX_PICKED for statement in statements)


def test_prerequisites_are_found_by_title_or_code(client, module, trainer, create_module):
    basics = create_module(title="Grundlagen des Kinderschutzes", code="M01")
    create_module(title="Gesprächsführung", code="M02")
    login_as(client, trainer)
    for text in ("grundlagen", "m01"):
        page = client.post(_edit(module), data=_form(**{"prerequisites-suche": text, "prerequisites-suchen": "1"})
                           ).get_data(as_text=True)
        assert _boxes(page, "prerequisites") == {str(basics.id): False}
    page = client.post(_edit(module), data=_form(**{"prerequisites-suche": "Kinderschutz", "prerequisites-suchen": "1"})
                       ).get_data(as_text=True)
    assert str(module.id) not in _boxes(page, "prerequisites")  # never itself
    assert client.post(_edit(module), data=_form(prerequisites=[str(basics.id)])).status_code == 302
    db.session.expire_all()
    assert [m.id for m in db.session.get(Module, module.id).prerequisites] == [basics.id]


def test_course_material_is_found_among_the_published_instruments(client, module, trainer, create_instrument):
    published = create_instrument(title="Ampelbogen Kindeswohl")
    draft = create_instrument(title="Ampelbogen Entwurf", state=InstrumentState.DRAFT)
    login_as(client, trainer)
    page = client.post(_edit(module), data=_form(**{"materials-suche": "ampel", "materials-suchen": "1"})
                       ).get_data(as_text=True)
    assert _boxes(page, "materials") == {str(published.id): False} and "Ampelbogen Entwurf" not in page
    response = client.post(_edit(module), data=_form(title="Geändert", materials=[str(draft.id)]))
    assert response.status_code == 422 and str(PUBLISHED_MATERIALS_ONLY) in response.get_data(as_text=True)
    assert client.post(_edit(module), data=_form(materials=[str(published.id)])).status_code == 302
    db.session.expire_all()
    assert [i.id for i in db.session.get(Module, module.id).materials] == [published.id]
    page = client.get(_edit(module)).get_data(as_text=True)
    assert _boxes(page, "materials") == {str(published.id): True}


def test_the_offering_form_searches_its_trainers_and_saves_the_ticked_one(client, module, trainer, people):
    login_as(client, trainer)
    path = f"/qualifizierung/verwaltung/module/{module.id}/durchfuehrungen/neu"
    page = client.get(path).get_data(as_text=True)
    assert _boxes(page, "trainers") == {str(trainer.id): True} and "Jana Müller" not in page
    response = client.post(path, data=_offering_form(trainers=[str(trainer.id)],
                                                     **{"trainers-suche": "Jana", "trainers-suchen": "1"}))
    assert response.status_code == 200
    assert _boxes(response.get_data(as_text=True), "trainers") == {str(trainer.id): True,
                                                                   str(people["jana"].id): False}
    assert db.session.scalar(select(func.count(Offering.id))) == 0
    response = client.post(path, data=_offering_form(trainers=[str(people["klaus"].id), str(people["coordinator"].id)]))
    assert response.status_code == 422 and str(TRAINERS_ONLY) in response.get_data(as_text=True)
    response = client.post(path, data=_offering_form(trainers=[str(people["jana"].id)]))
    assert response.status_code == 302
    offering = db.session.scalar(select(Offering))
    assert [t.id for t in offering.trainers] == [people["jana"].id]


def test_the_forms_cost_the_same_however_many_candidates_there_are(client, module, trainer, create_user,
                                                                   create_module, count_queries):
    login_as(client, trainer)
    paths = (_edit(module), f"/qualifizierung/verwaltung/module/{module.id}/durchfuehrungen/neu")
    measured = []
    for more in (0, 40):
        for number in range(more):
            create_user("trainer", name=f"Weitere Referentin {more}-{number}")
            create_module(title=f"Weiteres Modul {more}-{number}")
        with count_queries() as statements:
            sizes = [len(client.get(path).get_data()) for path in paths]
        measured.append((len(statements), sizes))
    (few_statements, few_sizes), (many_statements, many_sizes) = measured
    assert many_statements == few_statements
    assert many_sizes == few_sizes


def test_a_malformed_id_is_refused_and_keeps_no_chosen_one_from_the_next_round(client, module, trainer, people):
    login_as(client, trainer)
    chosen = [str(trainer.id), "abc", str(people["jana"].id)]
    page = client.post(_edit(module), data=_form(trainers=chosen, **{"trainers-suche": "Klaus",
                                                                     "trainers-suchen": "1"})).get_data(as_text=True)
    assert _boxes(page, "trainers") == {str(trainer.id): True, str(people["jana"].id): True,
                                        str(people["klaus"].id): False}
    response = client.post(_edit(module), data=_form(title="Geändert", trainers=chosen))
    assert response.status_code == 422 and str(TRAINERS_ONLY) in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Module, module.id).title == "Kinderschutz im Netzwerk"


def test_only_who_edits_the_module_can_search_its_candidates(client, module, trainer, people, create_user):
    search = _form(**{"trainers-suche": "Jana", "trainers-suchen": "1"})
    for outsider in (people["coordinator"], create_user("partner"), people["klaus"]):  # klaus: not its trainer
        login_as(client, outsider)
        for path in (_edit(module), f"{_edit(module)}/durchfuehrungen/neu"):
            response = client.post(path, data=search)
            assert response.status_code == 403 and "Jana Müller" not in response.get_data(as_text=True)
    response = client.application.test_client().post(_edit(module), data=search)  # nobody signed in
    assert response.status_code == 302 and "Jana Müller" not in response.get_data(as_text=True)
