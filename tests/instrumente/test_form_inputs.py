"""Every input to the library gets a clean answer: a form error, 400 or 404, never a 500.

Fields left out of a POST, fields posted twice, words where a choice is expected, ids beyond any column."""
import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from lms.extensions import db
from lms.instrumente.models import Instrument, InstrumentState, InstrumentVersion
from tests.conftest import login_as

HUGE = "99999999999999999999"
FORM = {"code": "I08", "title": "Checkliste Helferkonferenz", "kind": "case_cooperation",
        "summary": "Vor, während, nach", "description": "Ablauf", "dimension": "performance",
        "topics": "Helferkonferenz, Datenschutz", "sectors": "youth_welfare", "licence_note": "CC BY",
        "visibility": "public", "link_url": "https://example.org/liste", "change_note": "Überarbeitet"}
REQUIRED = {"title": "Bitte geben Sie einen Titel an.", "summary": "Bitte geben Sie eine Kurzbeschreibung an.",
            "kind": "Keine gültige Auswahl.", "dimension": "Keine gültige Auswahl.",
            "visibility": "Keine gültige Auswahl."}
OPTIONAL = [name for name in FORM if name not in REQUIRED]


def form(*, without=(), twice=None, **changes) -> MultiDict:
    data = MultiDict({name: value for name, value in {**FORM, **changes}.items() if name not in without})
    for name, value in (twice or {}).items():
        data.add(name, value)
    return data


@pytest.fixture
def instrument(create_instrument):
    return create_instrument(title="Netzwerkkarte", topics=["Netzwerk", "Datenschutz"], sectors=["health"],
                             state=InstrumentState.DRAFT)


@pytest.fixture
def signed_in(client, editor):
    login_as(client, editor)
    return client


def reload(instrument) -> Instrument:
    db.session.expire_all()
    return db.session.get(Instrument, instrument.id)


def test_an_edit_posted_without_topics_empties_them(signed_in, instrument):
    response = signed_in.post(f"/instrumente/{instrument.id}/bearbeiten", data=form(without=["topics"]))
    assert response.status_code == 302
    assert reload(instrument).topics == []


def test_an_edit_posted_without_sectors_empties_them(signed_in, instrument):
    response = signed_in.post(f"/instrumente/{instrument.id}/bearbeiten", data=form(without=["sectors"]))
    assert response.status_code == 302
    assert reload(instrument).sectors == []


def test_the_edit_page_still_shows_the_stored_topics_and_sectors(signed_in, instrument):
    page = signed_in.get(f"/instrumente/{instrument.id}/bearbeiten").get_data(as_text=True)
    assert 'value="Datenschutz, Netzwerk"' in page
    checked = re.findall(r'<input checked[^>]* value="(\w+)"', page)
    assert checked == ["health"]


@pytest.mark.parametrize("url", ["new", "edit"])
@pytest.mark.parametrize("name", OPTIONAL)
def test_an_optional_field_left_out_counts_as_empty(signed_in, instrument, url, name):
    target = "/instrumente/neu" if url == "new" else f"/instrumente/{instrument.id}/bearbeiten"
    response = signed_in.post(target, data=form(without=[name]))
    if name == "change_note" and url == "edit":  # a change needs a note: a German form error
        assert response.status_code == 422
        assert "Bitte beschreiben Sie kurz, was sich geändert hat." in response.get_data(as_text=True)
    else:
        assert response.status_code == 302


@pytest.mark.parametrize("url", ["new", "edit"])
@pytest.mark.parametrize("name", REQUIRED)
def test_a_required_field_left_out_is_a_german_form_error(signed_in, instrument, url, name):
    target = "/instrumente/neu" if url == "new" else f"/instrumente/{instrument.id}/bearbeiten"
    response = signed_in.post(target, data=form(without=[name]))
    assert response.status_code == 422 and REQUIRED[name] in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Instrument.id))) == 1
    assert reload(instrument).version_count == 1


@pytest.mark.parametrize("url", ["new", "edit"])
def test_an_empty_post_is_a_form_error(signed_in, instrument, url):
    target = "/instrumente/neu" if url == "new" else f"/instrumente/{instrument.id}/bearbeiten"
    response = signed_in.post(target, data={})
    assert response.status_code == 422 and "Bitte geben Sie einen Titel an." in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["new", "edit"])
@pytest.mark.parametrize("name", FORM)
def test_a_field_posted_twice_takes_the_first_value(signed_in, instrument, url, name):
    target = "/instrumente/neu" if url == "new" else f"/instrumente/{instrument.id}/bearbeiten"
    second = {"kind": "analysis", "dimension": "internal", "visibility": "members", "sectors": "health",
              "link_url": "https://example.org/zwei"}.get(name, "Zweiter Wert")
    response = signed_in.post(target, data=form(twice={name: second}))
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.scalar(select(Instrument).order_by(Instrument.id.desc()))
    if name == "sectors":
        assert set(saved.sectors) == {"youth_welfare", "health"}
    elif name not in ("change_note", "topics"):
        assert str(getattr(saved, name)) == FORM[name]


@pytest.mark.parametrize("url", ["new", "edit"])
@pytest.mark.parametrize("name,value,message", [
    *((name, value, "Keine gültige Auswahl.") for name in ("kind", "dimension", "visibility")
      for value in ("abc", HUGE, "-1", "")),
    *(("sectors", value, "Bitte wählen Sie nur bekannte Sektoren.") for value in ("abc", HUGE, "-1")),
])
def test_a_word_or_a_huge_number_for_a_choice_is_a_german_form_error(signed_in, instrument, url, name, value,
                                                                        message):
    target = "/instrumente/neu" if url == "new" else f"/instrumente/{instrument.id}/bearbeiten"
    response = signed_in.post(target, data=form(**{name: value}))
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(InstrumentVersion.id))) == 1


ROUTES = [
    ("get", "/instrumente/{id}"), ("get", "/instrumente/{id}/versionen/1/datei"),
    ("get", "/instrumente/{id}/bearbeiten"), ("post", "/instrumente/{id}/bearbeiten"),
    ("post", "/instrumente/{id}/pruefung"), ("post", "/instrumente/{id}/freigabe"),
    ("post", "/instrumente/{id}/zurueckziehen"), ("post", "/instrumente/{id}/wiederveroeffentlichen"),
    ("post", "/instrumente/{id}/loeschen"), ("post", "/instrumente/{id}/merken"),
    ("post", "/instrumente/{id}/nicht-mehr-merken"),
]


@pytest.mark.parametrize("number", [HUGE, "2147483648", "0"])
@pytest.mark.parametrize("method,path", ROUTES)
def test_an_id_no_instrument_can_have_is_404(client, create_user, method, path, number):
    login_as(client, create_user("admin"))
    assert getattr(client, method)(path.format(id=number)).status_code == 404


@pytest.mark.parametrize("number", [HUGE, "2147483648", "0", "abc"])
def test_a_version_no_instrument_can_have_is_404(client, create_instrument, upload, number):
    instrument = create_instrument(upload=upload())
    assert client.get(f"/instrumente/{instrument.id}/versionen/{number}/datei").status_code == 404


@pytest.mark.parametrize("query", [
    f"page={HUGE}", "page=abc", "page=-5", "page=0", "page=1&page=2", "q=a&q=b", "art=abc&art=analysis",
    f"dimension={HUGE}", "sektor=abc", "sortierung=abc", "thema=" + "x" * 500, "q=" + "Kinderschutz " * 100,
])
def test_the_library_answers_any_query_string(client, create_instrument, query):
    create_instrument(title="Kinderschutz")
    assert client.get(f"/instrumente?{query}").status_code == 200


@pytest.mark.parametrize("query", [f"page={HUGE}", "page=abc", "page=-3", "page=0", f"per_page={HUGE}"])
def test_the_drafts_page_answers_any_page_number(signed_in, instrument, query):
    assert signed_in.get(f"/instrumente/in-arbeit?{query}").status_code == 200


@pytest.mark.parametrize("path,state,data,status", [
    ("freigabe", InstrumentState.IN_REVIEW, {}, 302),
    ("freigabe", InstrumentState.IN_REVIEW, MultiDict([("decision", "approve"), ("decision", "reject")]), 302),
    ("freigabe", InstrumentState.IN_REVIEW, {"decision": HUGE}, 302),
    ("freigabe", InstrumentState.IN_REVIEW, {"decision": "approve", "comment": "x" * 5000}, 400),
    ("zurueckziehen", InstrumentState.PUBLISHED, {}, 302),
    ("zurueckziehen", InstrumentState.PUBLISHED, MultiDict([("reason", "veraltet"), ("reason", "b")]), 200),  # asks
    ("merken", InstrumentState.PUBLISHED, {}, 302),
    ("merken", InstrumentState.PUBLISHED, {"notify_by_mail": HUGE}, 302),
    ("merken", InstrumentState.PUBLISHED, MultiDict([("notify_by_mail", "y"), ("notify_by_mail", "")]), 302),
    ("nicht-mehr-merken", InstrumentState.PUBLISHED, {"x": HUGE}, 302),
    ("pruefung", InstrumentState.DRAFT, {"x": HUGE}, 302),
    ("wiederveroeffentlichen", InstrumentState.WITHDRAWN, {"x": HUGE}, 302),
])
def test_the_action_buttons_answer_any_post(client, create_user, create_instrument, path, state, data, status):
    instrument = create_instrument(state=state)
    login_as(client, create_user("admin"))
    assert client.post(f"/instrumente/{instrument.id}/{path}", data=data).status_code == status
