"""The library over HTTP: visibility, downloads, forms with uploads, review, bookmarks, search page."""
import io

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.instrumente.models import Instrument, InstrumentState
from tests.conftest import login_as
from tests.instrumente.conftest import pdf_bytes


def test_public_instrument_and_file_open_without_login(client, create_instrument, upload):
    instrument = create_instrument(title="Netzwerkkarte", upload=upload("Netzwerkkarte für Fachkräfte.pdf"))
    assert "Netzwerkkarte" in client.get(f"/instrumente/{instrument.id}").get_data(as_text=True)
    response = client.get(f"/instrumente/{instrument.id}/versionen/1/datei")
    assert response.status_code == 200 and response.data == pdf_bytes()
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Netzwerkkarte%20f%C3%BCr%20Fachkr%C3%A4fte.pdf" in disposition


def test_members_only_instrument_is_hidden_from_anonymous_visitors(client, create_user, create_instrument, upload):
    instrument = create_instrument(visibility="members", upload=upload())
    assert client.get(f"/instrumente/{instrument.id}").status_code == 404
    assert client.get(f"/instrumente/{instrument.id}/versionen/1/datei").status_code == 404
    login_as(client, create_user("partner"))
    assert client.get(f"/instrumente/{instrument.id}/versionen/1/datei").status_code == 200
    assert client.get(f"/instrumente/{instrument.id}/versionen/1/datei").headers["Cache-Control"] == "private, no-store"


def test_drafts_are_hidden_from_partners(client, create_user, create_instrument):
    instrument = create_instrument(state=InstrumentState.DRAFT)
    login_as(client, create_user("partner"))
    assert client.get(f"/instrumente/{instrument.id}").status_code == 404


def test_withdrawn_instrument_keeps_its_page_with_a_notice_and_leaves_the_list(client, create_instrument):
    instrument = create_instrument(title="Alte Checkliste", state=InstrumentState.WITHDRAWN)
    page = client.get(f"/instrumente/{instrument.id}").get_data(as_text=True)
    assert "zurückgezogen" in page and "veraltet" in page
    assert "Alte Checkliste" not in client.get("/instrumente").get_data(as_text=True)
    assert "Alte Checkliste" not in client.get("/instrumente?q=Checkliste").get_data(as_text=True)


def _form(**changes):
    data = {"title": "Checkliste Helferkonferenz", "kind": "case_cooperation", "summary": "Vor, während, nach",
            "dimension": "performance", "topics": "Helferkonferenz, Datenschutz", "sectors": ["youth_welfare"],
            "visibility": "public"}
    data.update(changes)
    return data


def test_trainer_creates_with_a_file_and_a_second_version(client, editor):
    login_as(client, editor)
    response = client.post("/instrumente/neu", data=_form(file=(io.BytesIO(pdf_bytes()), "liste.pdf")),
                           content_type="multipart/form-data")
    assert response.status_code == 302
    instrument = db.session.scalar(select(Instrument))
    assert instrument.topics == ["Datenschutz", "Helferkonferenz"] and instrument.version_count == 1
    response = client.post(f"/instrumente/{instrument.id}/bearbeiten", data=_form(
        change_note="Abschnitt Datenschutz ergänzt", file=(io.BytesIO(pdf_bytes("v2")), "liste-v2.pdf")),
        content_type="multipart/form-data", follow_redirects=True)
    assert "Version 2 wurde gespeichert." in response.get_data(as_text=True)
    assert "Abschnitt Datenschutz ergänzt" in response.get_data(as_text=True)


@pytest.mark.parametrize("name,data,message", [
    ("schadcode.pdf", b"MZ\x90\x00" + bytes(range(200)), "Dieser Dateityp ist nicht erlaubt"),
    ("seite.pdf", b"<html><script>alert(1)</script></html>", "HTML, Skripte"),
    ("leer.pdf", b"", "Die Datei ist leer."),
])
def test_bad_uploads_re_render_the_form_with_a_german_message(client, editor, name, data, message):
    login_as(client, editor)
    response = client.post("/instrumente/neu", data=_form(file=(io.BytesIO(data), name)),
                           content_type="multipart/form-data")
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Instrument.id))) == 0


def test_oversized_upload_gets_413(client, editor, app):
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    login_as(client, editor)
    response = client.post("/instrumente/neu", data=_form(file=(io.BytesIO(b"%PDF-" + b"0" * 60_000), "gross.pdf")),
                           content_type="multipart/form-data")
    assert response.status_code == 413 and "Datei zu groß" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Instrument.id))) == 0


def test_markdown_with_script_and_javascript_links_is_neutralised(client, create_instrument):
    instrument = create_instrument(description='Hallo <script>alert(1)</script> <img src=x onerror="alert(2)"> '
                                               '[Klick](javascript:alert(3)) [gut](https://example.org)')
    page = client.get(f"/instrumente/{instrument.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<img" not in page and 'href="javascript:' not in page
    assert 'href="https://example.org"' in page


def test_review_through_the_pages(client, app, create_instrument, editor, reviewer):
    instrument = create_instrument(state=InstrumentState.IN_REVIEW)
    login_as(client, editor)
    response = client.post(f"/instrumente/{instrument.id}/freigabe", data={"decision": "approve"},
                           follow_redirects=True)
    assert "eigene Einreichung nicht freigeben" in response.get_data(as_text=True)
    other = app.test_client()
    login_as(other, reviewer)
    other.post(f"/instrumente/{instrument.id}/freigabe", data={"decision": "approve", "comment": "Gut"})
    db.session.refresh(instrument)
    assert instrument.state == InstrumentState.PUBLISHED


@pytest.mark.parametrize("role", ["partner", "expert"])
def test_participants_cannot_create_or_edit(client, create_user, create_instrument, role):
    instrument = create_instrument()
    login_as(client, create_user(role))
    assert client.get("/instrumente/neu").status_code == 403
    assert client.get(f"/instrumente/{instrument.id}/bearbeiten").status_code == 403
    assert client.post(f"/instrumente/{instrument.id}/zurueckziehen", data={"reason": "x"}).status_code == 403


def test_bookmark_and_merkliste(client, create_user, create_instrument):
    instrument = create_instrument(title="Rollenklärungsmatrix")
    login_as(client, create_user("partner"))
    client.post(f"/instrumente/{instrument.id}/merken", data={"notify_by_mail": "y"})
    assert "Rollenklärungsmatrix" in client.get("/merkliste").get_data(as_text=True)
    client.post(f"/instrumente/{instrument.id}/nicht-mehr-merken")
    assert "Ihre Merkliste ist leer" in client.get("/merkliste").get_data(as_text=True)


def test_search_page_highlights_offers_filters_and_says_when_empty(client, create_instrument):
    create_instrument(title="Muster-Kooperationsvereinbarung", kind="agreement")
    page = client.get("/instrumente?q=Kooperationsvereinbarungen").get_data(as_text=True)
    assert "Muster-<mark>Kooperationsvereinbarung</mark>" in page
    assert "Vereinbarung und Verbindlichkeit (1)" in page
    empty = client.get("/instrumente?q=Kooperation&art=directory").get_data(as_text=True)
    assert "Derzeit sind keine passenden Elemente vorhanden" in empty and "Filter zurücksetzen" in empty


def test_search_page_runs_a_bounded_number_of_queries(client, create_instrument, count_queries):
    for _ in range(3):
        create_instrument(topics=["Vorlage"], sectors=["health"])
    with count_queries() as few:
        client.get("/instrumente?q=Instrument")
    for _ in range(30):
        create_instrument(topics=["Vorlage"], sectors=["health"])
    with count_queries() as many:
        page = client.get("/instrumente?q=Instrument").get_data(as_text=True)
    assert len(many) == len(few)
    assert "Seite 1 von 2" in page


def test_modules_list_their_course_material_and_instruments_their_modules(client, create_instrument, editor, now):
    from lms.module import services as module_services

    instrument = create_instrument(title="Checkliste Helferkonferenz")
    module = module_services.create_module(editor, module_services.ModuleInput(
        title="Fallberatung und Helferkonferenz", summary="s", description="", learning_goals="",
        dimension="performance", teaching_units=8, required_attendance=100, audiences=["coordinator"],
        prerequisite_ids=[], trainer_ids=[editor.id], material_ids=[instrument.id]), now=now)
    module_services.set_module_state(editor, module, "published", now=now)
    db.session.commit()
    assert "Checkliste Helferkonferenz" in client.get(f"/qualifizierung/module/{module.id}").get_data(as_text=True)
    page = client.get(f"/instrumente/{instrument.id}").get_data(as_text=True)
    assert "Verwendet in" in page and "Fallberatung und Helferkonferenz" in page
