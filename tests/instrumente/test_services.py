"""Versions, uploads, review, visibility, bookmarks and search quality, below HTTP."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update

from lms.errors import PermissionDenied
from lms.extensions import db
from lms.instrumente import queries, search, services
from lms.instrumente.filetypes import PDF, UnsupportedFile, safe_filename
from lms.instrumente.models import Instrument, InstrumentState, InstrumentVersion, StoredFile
from lms.instrumente.search import SearchFilters
from lms.instrumente.services import InstrumentInput, Upload
from lms.notifications.models import OutboxMessage
from tests.instrumente.conftest import JPEG_BYTES, PNG_BYTES, input_of, odf_bytes, ooxml_bytes, pdf_bytes, stored_bytes

# --- versions -------------------------------------------------------------------------------

def test_every_change_makes_a_version_with_note_author_and_what_changed(create_instrument, editor, reviewer,
                                                                         upload, now):
    instrument = create_instrument(upload=upload())
    version = services.update_instrument(reviewer, instrument, input_of(instrument, title="Neuer Titel"),
                                         note="Titel geschärft", upload=upload("v2.pdf", pdf_bytes("Zwei")),
                                         now=now + timedelta(days=1))
    assert (version.number, version.change_note, version.author_id) == (2, "Titel geschärft", reviewer.id)
    assert version.changes == "Titel, Datei"
    versions = db.session.scalars(select(InstrumentVersion).order_by(InstrumentVersion.number)).all()
    assert [v.title for v in versions] == ["Instrument 1", "Neuer Titel"]
    assert stored_bytes(versions[0]) == pdf_bytes() and stored_bytes(versions[1]) == pdf_bytes("Zwei")


def test_saving_without_changes_makes_no_version(create_instrument, editor, now):
    instrument = create_instrument()
    assert services.update_instrument(editor, instrument, input_of(instrument), note="", upload=None, now=now) is None
    assert instrument.version_count == 1


def test_a_change_needs_a_change_note(create_instrument, editor, now):
    instrument = create_instrument()
    with pytest.raises(services.DomainError, match="was sich geändert hat"):
        services.update_instrument(editor, instrument, input_of(instrument, summary="anders"), note=" ", upload=None,
                                   now=now)


def test_a_content_change_keeps_the_previous_file(create_instrument, editor, upload, now):
    instrument = create_instrument(upload=upload())
    version = services.update_instrument(editor, instrument, input_of(instrument, summary="präziser"), note="Text",
                                         upload=None, now=now)
    assert version.filename == "checkliste.pdf" and version.changes == "Kurzbeschreibung"


def test_the_same_file_is_stored_once(create_instrument, upload, app):
    create_instrument(upload=upload("a.pdf"))
    create_instrument(upload=upload("b.pdf"))
    assert db.session.scalar(select(func.count(StoredFile.sha256))) == 1
    assert db.session.scalar(select(func.count(InstrumentVersion.id))) == 2


# --- uploads --------------------------------------------------------------------------------

@pytest.mark.parametrize("name,data,mime", [
    ("a.pdf", pdf_bytes(), "application/pdf"),
    ("a.docx", ooxml_bytes("word/document.xml"), "wordprocessingml"),
    ("a.xlsx", ooxml_bytes("xl/workbook.xml"), "spreadsheetml"),
    ("a.pptx", ooxml_bytes("ppt/presentation.xml"), "presentationml"),
    ("a.odt", odf_bytes(), "opendocument.text"),
    ("a.ods", odf_bytes("application/vnd.oasis.opendocument.spreadsheet"), "opendocument.spreadsheet"),
    ("a.odp", odf_bytes("application/vnd.oasis.opendocument.presentation"), "opendocument.presentation"),
    ("a.txt", "Notizen mit Umlauten: äöü".encode(), "text/plain"),
    ("a.png", PNG_BYTES, "image/png"),
    ("a.jpeg", JPEG_BYTES, "image/jpeg"),
])
def test_allowed_types_are_recognised_by_content(app, name, data, mime):
    stored, filename = services.store_upload(Upload(name, data))
    assert mime in stored.mime_type and filename == name.replace(".jpeg", ".jpg")


@pytest.mark.parametrize("name,data,message", [
    ("programm.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(range(256)), "nicht erlaubt"),
    ("seite.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "HTML"),
    ("seite.txt", b"  <html><body onload=x></body></html>", "HTML"),
    ("leer.pdf", b"", "leer"),
    ("tabelle.xlsx", ooxml_bytes("word/document.xml"), "passt nicht zu ihrer Endung .xlsx"),
    ("archiv.docx", b"PK\x03\x04kaputt", "kein Office-Dokument"),
    ("bild.svg", b"<svg onload='alert(1)'/>", "HTML"),
])
def test_disallowed_or_disguised_files_are_refused_and_nothing_is_stored(app, stored_files, editor, name, data,
                                                                         message):
    with pytest.raises(UnsupportedFile, match=message):
        services.create_instrument(editor, InstrumentInput(
            title="X", kind="analysis", summary="s", description="", dimension="internal", topics=[], sectors=[],
            licence_note="", visibility="public"), upload=Upload(name, data), now=None)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Instrument.id))) == 0
    assert not any(stored_files.rglob("*"))


@pytest.mark.parametrize("raw,expected", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\x\\Bericht.pdf", "Bericht.pdf"),
    ("Ko\x00nt\x1bakt\nliste.pdf", "Kontaktliste.pdf"),
    ("Übersicht für Fachkräfte.pdf", "Übersicht für Fachkräfte.pdf"),
    ("....pdf", "datei.pdf"),
    ("a" * 300 + ".pdf", "a" * 100 + ".pdf"),
])
def test_file_names_are_made_safe(raw, expected):
    assert safe_filename(raw, PDF) == expected


# --- review and states ----------------------------------------------------------------------

def test_a_second_trainer_or_an_admin_publishes_and_the_comment_is_kept(create_instrument, editor, reviewer,
                                                                         create_user, now):
    instrument = create_instrument(state=InstrumentState.IN_REVIEW)
    with pytest.raises(PermissionDenied, match="zweite Person"):
        services.review(editor, instrument, approve=True, comment="", now=now)
    entry = services.review(reviewer, instrument, approve=False, comment="Quelle fehlt", now=now)
    assert instrument.state == InstrumentState.DRAFT and entry.comment == "Quelle fehlt"
    services.submit_for_review(editor, instrument, now=now)
    services.review(create_user("admin"), instrument, approve=True, comment="", now=now)
    assert instrument.state == InstrumentState.PUBLISHED and instrument.published_at == now


def test_returning_needs_a_reason(create_instrument, reviewer, now):
    instrument = create_instrument(state=InstrumentState.IN_REVIEW)
    with pytest.raises(services.DomainError, match="begründen"):
        services.review(reviewer, instrument, approve=False, comment="", now=now)


def test_coordinators_propose_but_do_not_publish(create_user, editor, now):
    coordinator = create_user("coordinator")
    proposal = services.create_instrument(coordinator, InstrumentInput(
        title="Vorschlag", kind="directory", summary="s", description="", dimension="internal", topics=[],
        sectors=[], licence_note="", visibility="members"), upload=None, now=now)
    services.submit_for_review(coordinator, proposal, now=now)
    with pytest.raises(PermissionDenied):
        services.review(coordinator, proposal, approve=True, comment="", now=now)
    services.review(editor, proposal, approve=True, comment="", now=now)
    assert proposal.state == InstrumentState.PUBLISHED
    assert not proposal.can_edit(coordinator)  # published: now the trainers' business


def test_partners_cannot_create_instruments(create_user, now):
    with pytest.raises(PermissionDenied):
        services.create_instrument(create_user("partner"), InstrumentInput(
            title="X", kind="analysis", summary="s", description="", dimension="internal", topics=[], sectors=[],
            licence_note="", visibility="public"), upload=None, now=now)


def test_visibility(create_instrument, create_user):
    from flask_login import AnonymousUserMixin

    anonymous, member = AnonymousUserMixin(), create_user("partner")
    public = create_instrument(visibility="public")
    members = create_instrument(visibility="members")
    draft = create_instrument(state=InstrumentState.DRAFT)
    withdrawn = create_instrument(state=InstrumentState.WITHDRAWN)
    assert (public.can_view(anonymous), members.can_view(anonymous), members.can_view(member)) == (True, False, True)
    assert not draft.can_view(member) and withdrawn.can_view(member)


def test_withdrawn_instruments_leave_search_but_keep_their_page(create_instrument, editor, now):
    instrument = create_instrument(title="Checkliste Helferkonferenz")
    assert _titles("Helferkonferenz") == ["Checkliste Helferkonferenz"]
    services.withdraw(editor, instrument, reason="Neue Fassung folgt", now=now)
    assert _titles("Helferkonferenz") == []
    services.republish(editor, instrument, now=now)
    assert _titles("Helferkonferenz") == ["Checkliste Helferkonferenz"]


def test_deleting_removes_the_instrument_from_search(create_instrument, create_user):
    instrument = create_instrument(title="Netzwerkkarte")
    services.delete_instrument(create_user("admin"), instrument)
    db.session.commit()
    assert _titles("Netzwerkkarte") == []


def test_only_admins_delete(create_instrument, editor):
    with pytest.raises(PermissionDenied):
        services.delete_instrument(editor, create_instrument())


# --- bookmarks ------------------------------------------------------------------------------

def test_bookmarkers_learn_of_new_versions_on_their_page_and_by_mail_if_they_wish(create_instrument, create_user,
                                                                                   editor, reviewer, now):
    instrument = create_instrument(title="Rollenklärungsmatrix")
    quiet, by_mail = create_user("partner"), create_user("coordinator")
    services.bookmark(quiet, instrument, notify_by_mail=False, now=now)
    services.bookmark(by_mail, instrument, notify_by_mail=True, now=now)
    assert not any(entry.has_news for entry in services.bookmarks_of(quiet))
    proposal = services.update_instrument(editor, instrument, input_of(instrument, summary="neu"),
                                          note="Beispiele ergänzt", upload=None, now=now)
    assert not any(entry.has_news for entry in services.bookmarks_of(quiet))  # not before the review
    services.review_proposal(reviewer, proposal, approve=True, comment="", now=now)
    assert [entry.has_news for entry in services.bookmarks_of(quiet)] == [True]
    mails = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient.in_([quiet.email, by_mail.email]))).all()
    assert [mail.recipient for mail in mails] == [by_mail.email]
    assert "Beispiele ergänzt" in mails[0].body
    services.mark_seen(quiet, instrument)
    assert [entry.has_news for entry in services.bookmarks_of(quiet)] == [False]


def test_members_only_instrument_cannot_be_bookmarked_anonymously(create_instrument, now):
    from flask_login import AnonymousUserMixin

    with pytest.raises(PermissionDenied):
        services.bookmark(AnonymousUserMixin(), create_instrument(visibility="members"), notify_by_mail=False, now=now)


# --- search quality -------------------------------------------------------------------------

def _titles(query, **filters):
    result = queries.search_instruments(SearchFilters(query=query, **filters), signed_in=True)
    return [item.title for item in result.items]


@pytest.fixture
def library(create_instrument):
    """A fixed set of documents to measure search against."""
    specs = [
        dict(title="Muster-Kooperationsvereinbarung", kind="agreement", dimension="internal",
             summary="Vorlage mit Parteien, Zielen und Ansprechpartnern", topics=["Kooperation", "Vorlage"],
             sectors=["health", "youth_welfare"]),
        dict(title="Checkliste Helferkonferenz", kind="case_cooperation", dimension="performance",
             summary="Vorbereitung, Durchführung und Nachbereitung", topics=["Helferkonferenz"],
             sectors=["youth_welfare"]),
        dict(title="Ablaufschema bei gewichtigen Anhaltspunkten", kind="risk_assessment", dimension="performance",
             summary="Schritte bei Verdacht auf Gefährdung des Kindeswohls", topics=["Gefährdung"],
             sectors=["education", "health"]),
        dict(title="Leitfaden pseudonymisierte Fallberatung", kind="case_cooperation", dimension="both",
             summary="Wie man eine Fallvignette ohne Namen schreibt; dazu passende Kooperationsvereinbarungen",
             description="Kooperation, Kooperation, Kooperationsvereinbarungen und noch einmal Kooperationsvereinbarung.",
             topics=["Datenschutz"], sectors=["counselling"]),
        dict(title="Netzwerkkarte", kind="analysis", dimension="internal", summary="Akteurslandkarte der Region",
             topics=["Netzwerkanalyse"], visibility="members"),
    ]
    return [create_instrument(**spec) for spec in specs]


def test_stemming_finds_other_word_forms(library):
    assert set(_titles("Kooperationsvereinbarungen")) == {"Muster-Kooperationsvereinbarung",
                                                           "Leitfaden pseudonymisierte Fallberatung"}
    assert _titles("Helferkonferenzen") == ["Checkliste Helferkonferenz"]
    assert _titles("Checklisten") == ["Checkliste Helferkonferenz"]


def test_umlauts_and_their_spellings_find_each_other(library):
    assert _titles("Gefaehrdung") == _titles("Gefährdung") == ["Ablaufschema bei gewichtigen Anhaltspunkten"]


def test_title_matches_rank_first(library):
    assert _titles("Kooperationsvereinbarung")[0] == "Muster-Kooperationsvereinbarung"


def test_a_title_match_comes_first_even_with_a_lower_score(create_instrument):
    """"Plan" is in every document (worth nothing to bm25), "Schutzkonzept" in two: the body that
    repeats both scores higher, but the one with a query word in its title still comes first."""
    for number in range(6):
        create_instrument(title=f"Vorlage {number}", summary="Ein Plan für alle")
    create_instrument(title="Merkblatt", summary="Plan und Schutzkonzept " * 20)
    create_instrument(title="Plan", summary="Ein langer Text über vieles, am Ende auch das Schutzkonzept der Einrichtung")
    assert _titles("Plan Schutzkonzept") == ["Plan", "Merkblatt"]


def test_a_page_lists_only_what_may_still_be_listed(library, monkeypatch):
    """Between the search statement and loading the page, an instrument is withdrawn: it is left out."""
    withdrawn = library[0]
    original = db.session.scalars

    def withdraw_first(statement, *args, **kwargs):
        db.session.execute(update(Instrument).where(Instrument.id == withdrawn.id).values(state=InstrumentState.WITHDRAWN))
        monkeypatch.setattr(db.session, "scalars", original)
        return original(statement, *args, **kwargs)

    monkeypatch.setattr(db.session, "scalars", withdraw_first)
    result = queries.search_instruments(SearchFilters(query="Kooperationsvereinbarung"), signed_in=True)
    assert result.total == 2 and [item.title for item in result.items] == ["Leitfaden pseudonymisierte Fallberatung"]


def test_all_words_must_match_and_prefixes_count(library):
    assert _titles("Checkliste Konferenz") == []
    assert _titles("Netzwerk") == ["Netzwerkkarte"]


def test_filters_and_their_counts(library):
    result = queries.search_instruments(SearchFilters(kind="case_cooperation"), signed_in=True)
    assert {item.title for item in result.items} == {"Checkliste Helferkonferenz",
                                                     "Leitfaden pseudonymisierte Fallberatung"}
    assert result.facets["kind"] == {"agreement": 1, "case_cooperation": 2, "risk_assessment": 1, "analysis": 1}
    assert result.facets["sector"] == {"youth_welfare": 1, "counselling": 1}
    # "both" is found under either dimension, and counted there.
    assert result.facets["dimension"] == {"internal": 1, "performance": 2, "both": 1}
    assert _titles("", dimension="internal") == ["Netzwerkkarte", "Leitfaden pseudonymisierte Fallberatung",
                                                 "Muster-Kooperationsvereinbarung"]
    assert _titles("", sector="health", sort="title") == ["Ablaufschema bei gewichtigen Anhaltspunkten",
                                                          "Muster-Kooperationsvereinbarung"]
    assert _titles("", topic="Datenschutz") == ["Leitfaden pseudonymisierte Fallberatung"]


def test_a_set_filter_counts_its_other_values_and_untagged_instruments_count_nowhere(library):
    result = queries.search_instruments(SearchFilters(sector="health"), signed_in=True)
    assert result.total == 2
    assert result.facets["sector"] == {"health": 2, "youth_welfare": 2, "education": 1, "counselling": 1}
    assert result.facets["topic"] == {"Kooperation": 1, "Vorlage": 1, "Gefährdung": 1}
    assert result.facets["dimension"] == {"internal": 1, "performance": 1}


@pytest.mark.parametrize("sort", ["title", "newest", "relevance"])
def test_pages_follow_the_order_without_gaps_or_repeats(library, sort):
    query = "" if sort != "relevance" else "Kooperation"
    whole = queries.search_instruments(SearchFilters(query=query, sort=sort), signed_in=True, per_page=50)
    pages = [queries.search_instruments(SearchFilters(query=query, sort=sort), signed_in=True, page=number,
                                        per_page=2) for number in (1, 2, 3, 4)]
    assert [item.id for page in pages for item in page.items] == [item.id for item in whole.items]
    assert all(page.total == whole.total for page in pages) and pages[-1].items == []
    assert whole.total == len(whole.items) >= 2


def test_anonymous_search_sees_public_instruments_only(library):
    result = queries.search_instruments(SearchFilters(query="Netzwerkkarte"), signed_in=False)
    assert result.total == 0


def test_sorting_by_title_and_newest(library):
    assert _titles("", sort="title")[0] == "Ablaufschema bei gewichtigen Anhaltspunkten"
    assert _titles("", sort="newest")[0] == "Netzwerkkarte"


def test_search_tables_are_read_the_fast_way(app):
    """A broad search reads every match: SQLite through a memory map, PostgreSQL with the vectors in
    the row rather than in its TOAST table (migration 5d1c0e7a9b42)."""
    connection = db.session.connection()
    if db.engine.dialect.name == "postgresql":
        storage = connection.execute(text(
            "SELECT attname, attstorage FROM pg_attribute WHERE attrelid = 'search_document_fts'::regclass "
            "AND attname IN ('vector', 'title_vector')")).all()
        assert dict(storage) == {"vector": "m", "title_vector": "m"}
    else:
        assert connection.execute(text("PRAGMA mmap_size")).scalar() > 0


def test_highlighting_marks_matching_word_forms_and_escapes_the_rest(app):
    marked = str(search.highlight("<b>Kooperationsvereinbarungen</b> für alle", "Kooperationsvereinbarung"))
    assert marked == "&lt;b&gt;<mark>Kooperationsvereinbarungen</mark>&lt;/b&gt; für alle"


@pytest.mark.parametrize("query", ['"', "*", "AND OR NOT", "a:b", "((", "'; DROP TABLE instrument; --", "\x00",
                                   "ü" * 300, "title_terms : x", "NEAR(a b)", "&|!"])
def test_no_query_breaks_the_search(library, query):
    queries.search_instruments(SearchFilters(query=query), signed_in=True)
