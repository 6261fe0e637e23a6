"""Every new version of a published instrument is reviewed by someone other than its author before it
replaces the current one; reviewers learn what waits for them, authors how it was decided."""
import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from lms.auth.models import User
from lms.errors import Conflict, DomainError, PermissionDenied
from lms.extensions import db
from lms.instrumente import queries, services
from lms.instrumente.models import Instrument, InstrumentReview, InstrumentState, InstrumentVersion, ProposalState
from lms.instrumente.search import SearchFilters
from lms.instrumente.services import InstrumentInput
from lms.notifications.models import OutboxMessage
from tests.conftest import in_parallel, login_as
from tests.instrumente.conftest import input_of, pdf_bytes, stored_bytes


def _titles(query) -> list[str]:
    return [item.title for item in queries.search_instruments(SearchFilters(query=query), signed_in=False).items]


def _clear_outbox() -> None:
    db.session.execute(delete(OutboxMessage))
    db.session.commit()


def _mails() -> list[OutboxMessage]:
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


@pytest.fixture
def published(create_instrument, upload):
    return create_instrument(title="Checkliste Helferkonferenz", summary="Vor, während und nach der Konferenz",
                             topics=["Helferkonferenz"], upload=upload("liste.pdf", pdf_bytes("Fassung 1")))


@pytest.fixture
def propose(editor, upload, now):
    """The editor (author of the published instrument) proposes a new version with a new file."""
    def _propose(instrument, *, author=None, note="Abschnitt Einwilligung ergänzt", file_text="Fassung 2", **changes):
        changes.setdefault("summary", "Vor, während und nach der Konferenz, mit Einwilligung")
        version = services.update_instrument(
            author or editor, instrument, input_of(instrument, **changes), note=note,
            upload=upload("liste-v2.pdf", pdf_bytes(file_text)) if file_text else None, now=now)
        db.session.commit()
        return version

    return _propose


# --- the current version stays until approval -------------------------------------------------

def test_a_new_version_of_a_published_instrument_waits_and_the_current_one_stays(published, propose):
    proposal = propose(published, title="Checkliste Helferkonferenz 2027")
    assert (proposal.number, proposal.proposal_state, proposal.author_id) == (2, ProposalState.PENDING,
                                                                              published.created_by_id)
    assert proposal.changes == "Titel, Kurzbeschreibung, Datei"
    db.session.expire_all()
    instrument = db.session.get(Instrument, published.id)
    assert (instrument.title, instrument.version_count, instrument.state) == (
        "Checkliste Helferkonferenz", 1, InstrumentState.PUBLISHED)
    current = services.current_version(instrument)
    assert current.number == 1 and stored_bytes(current) == pdf_bytes("Fassung 1")
    assert _titles("Helferkonferenz") == ["Checkliste Helferkonferenz"]  # the index holds the current version
    assert _titles("Einwilligung") == [] and _titles("2027") == []


def test_the_public_and_members_see_and_download_only_the_current_version(client, app, published, propose,
                                                                          create_user, editor, reviewer):
    propose(published)
    page = client.get(f"/instrumente/{published.id}").get_data(as_text=True)
    assert "Neue Fassung" not in page and "mit Einwilligung" not in page and "Version 1" in page
    assert client.get(f"/instrumente/{published.id}/versionen/2/datei").status_code == 404
    assert client.get(f"/instrumente/{published.id}/versionen/1/datei").data == pdf_bytes("Fassung 1")
    for role in ("partner", "coordinator", "expert"):
        member = app.test_client()
        login_as(member, create_user(role))
        assert member.get(f"/instrumente/{published.id}/versionen/2/datei").status_code == 404
        assert "Neue Fassung" not in member.get(f"/instrumente/{published.id}").get_data(as_text=True)
    for person in (editor, reviewer):
        insider = app.test_client()
        login_as(insider, person)
        response = insider.get(f"/instrumente/{published.id}/versionen/2/datei")
        assert response.data == pdf_bytes("Fassung 2")
        assert response.headers["Cache-Control"] == "private, no-store"
        assert "Neue Fassung in Prüfung" in insider.get(f"/instrumente/{published.id}").get_data(as_text=True)


def test_another_trainer_approves_and_the_new_version_replaces_the_current_one(published, propose, reviewer, now):
    proposal = propose(published, title="Checkliste Helferkonferenz 2027", kind="moderation",
                       topics=["Einwilligung", "Helferkonferenz"], sectors=["health"], visibility="members")
    entry = services.review_proposal(reviewer, proposal, approve=True, comment="Gut ergänzt", now=now,
                                     seen_revision=proposal.revision)
    db.session.commit()
    db.session.expire_all()
    instrument = db.session.get(Instrument, published.id)
    assert (instrument.title, instrument.kind, instrument.topics, instrument.sectors, instrument.visibility) == (
        "Checkliste Helferkonferenz 2027", "moderation", ["Einwilligung", "Helferkonferenz"], ["health"], "members")
    assert instrument.summary.endswith("mit Einwilligung") and instrument.version_count == 2
    current = services.current_version(instrument)
    assert current.id == proposal.id and current.proposal_state is None
    assert stored_bytes(current) == pdf_bytes("Fassung 2") and services.open_proposal(instrument) is None
    assert (entry.version_id, entry.approved, entry.comment) == (proposal.id, True, "Gut ergänzt")
    signed_in = queries.search_instruments(SearchFilters(query="Einwilligung"), signed_in=True)
    assert [item.title for item in signed_in.items] == ["Checkliste Helferkonferenz 2027"]


def test_returning_keeps_the_current_version_and_the_author_reworks_the_same_proposal(published, propose, reviewer,
                                                                                       editor, now):
    proposal = propose(published)
    with pytest.raises(DomainError, match="begründen"):
        services.review_proposal(reviewer, proposal, approve=False, comment=" ", now=now)
    db.session.rollback()
    services.review_proposal(reviewer, proposal, approve=False, comment="Quelle der Einwilligung fehlt", now=now)
    db.session.commit()
    assert proposal.proposal_state == ProposalState.RETURNED
    assert published.summary == "Vor, während und nach der Konferenz" and published.version_count == 1
    assert not proposal.can_review(reviewer)
    _clear_outbox()

    reworked = propose(published, note="Quelle ergänzt", summary="Mit Einwilligung (Quelle: § 4 KKG)")
    assert reworked.id == proposal.id and (reworked.number, reworked.revision) == (2, 2)
    assert (reworked.proposal_state, reworked.change_note) == (ProposalState.PENDING, "Quelle ergänzt")
    assert db.session.scalar(select(func.count(InstrumentVersion.id))) == 2
    assert reviewer.email in {mail.recipient for mail in _mails()}  # it waits again
    services.review_proposal(reviewer, reworked, approve=True, comment="", now=now)
    assert published.summary == "Mit Einwilligung (Quelle: § 4 KKG)"
    decisions = db.session.scalars(select(InstrumentReview.approved).where(InstrumentReview.version_id == proposal.id)
                                   .order_by(InstrumentReview.id)).all()
    assert decisions == [False, True]


def test_reworking_a_pending_proposal_updates_it_in_place_and_stops_a_review_of_the_old_state(published, propose,
                                                                                             reviewer, now):
    proposal = propose(published)
    seen = proposal.revision
    _clear_outbox()
    propose(published, summary="Noch einmal anders", note="Noch einmal")
    assert _mails() == []  # it was waiting already: nobody is asked twice
    with pytest.raises(Conflict, match="inzwischen"):
        services.review_proposal(reviewer, proposal, approve=True, comment="", now=now, seen_revision=seen)
    db.session.rollback()
    assert published.version_count == 1 and proposal.proposal_state == ProposalState.PENDING


def test_saving_the_published_state_again_changes_nothing(published, editor, now):
    assert services.update_instrument(editor, published, input_of(published), note="", upload=None, now=now) is None
    assert services.open_proposal(published) is None


def test_a_proposal_needs_a_change_note(published, propose):
    with pytest.raises(DomainError, match="was sich geändert hat"):
        propose(published, note=" ")


def test_drafts_change_at_once_as_before(create_instrument, editor, now):
    draft = create_instrument(state=InstrumentState.DRAFT)
    version = services.update_instrument(editor, draft, input_of(draft, title="Besserer Titel"), note="Titel",
                                         upload=None, now=now)
    assert version.proposal_state is None and (draft.title, draft.version_count) == ("Besserer Titel", 2)


# --- who reviews ----------------------------------------------------------------------------

def test_the_author_cannot_review_their_own_version(published, propose, editor, create_user, now):
    proposal = propose(published)
    assert not proposal.can_review(editor)
    with pytest.raises(PermissionDenied, match="eigene neue Fassung"):
        services.review_proposal(editor, proposal, approve=True, comment="", now=now)
    db.session.rollback()
    with pytest.raises(Conflict, match="bereits eine neue Fassung"):  # one open proposal, reworked by its author
        services.update_instrument(create_user("admin"), published, input_of(published, title="Anders"), note="x",
                                   upload=None, now=now)


def test_an_admin_cannot_publish_their_own_submission_either(create_user, now):
    admin, other_admin = create_user("admin"), create_user("admin")
    draft = services.create_instrument(admin, InstrumentInput(
        title="Eigenes", kind="analysis", summary="s", description="", dimension="internal", topics=[], sectors=[],
        licence_note="", visibility="public"), upload=None, now=now)
    services.submit_for_review(admin, draft, now=now)
    assert not draft.can_review(admin) and draft.can_review(other_admin)
    with pytest.raises(PermissionDenied, match="eigene Einreichung"):
        services.review(admin, draft, approve=True, comment="", now=now)


@pytest.mark.parametrize("role", ["partner", "coordinator", "expert"])
def test_other_roles_cannot_review_a_proposal(published, propose, create_user, role, now):
    proposal = propose(published)
    with pytest.raises(PermissionDenied):
        services.review_proposal(create_user(role), proposal, approve=True, comment="", now=now)
    assert not proposal.can_review(AnonymousUserMixin())


def test_a_second_open_proposal_is_refused_by_the_database(published, propose, now):
    proposal = propose(published)
    db.session.add(InstrumentVersion(instrument_id=published.id, number=3, change_note="x", changes="",
                                     created_at=now, title="t", summary="s", description="",
                                     proposal_state=ProposalState.PENDING))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert services.open_proposal(published).id == proposal.id


def test_another_trainer_editing_during_a_proposal_is_told_to_review_instead(published, propose, reviewer, now):
    propose(published)
    with pytest.raises(Conflict, match="Renate Referentin"):
        services.update_instrument(reviewer, published, input_of(published, title="Meins"), note="x", upload=None,
                                   now=now)


# --- withdrawal and discarding ----------------------------------------------------------------

def test_withdrawal_pauses_a_proposal_until_the_instrument_is_published_again(published, propose, editor, reviewer,
                                                                              now):
    proposal = propose(published)
    services.withdraw(editor, published, reason="Rechtslage geändert", now=now)
    db.session.commit()
    assert not proposal.can_review(reviewer) and queries.waiting_for_review_count(reviewer) == 0
    with pytest.raises(Conflict, match="zurückgezogen"):
        services.review_proposal(reviewer, proposal, approve=True, comment="", now=now)
    db.session.rollback()
    services.republish(editor, published, now=now)
    assert proposal.can_review(reviewer) and queries.waiting_for_review_count(reviewer) == 1
    services.review_proposal(reviewer, proposal, approve=True, comment="", now=now)
    assert published.version_count == 2


def test_its_author_or_an_admin_discards_a_proposal_and_the_current_version_stays(published, propose, editor,
                                                                                  reviewer, create_user):
    proposal = propose(published)
    with pytest.raises(PermissionDenied):
        services.discard_proposal(reviewer, proposal)
    services.discard_proposal(editor, proposal)
    db.session.commit()
    assert services.open_proposal(published) is None and services.current_version(published).number == 1
    again = propose(published)
    assert again.number == 2
    services.discard_proposal(create_user("admin"), again)
    db.session.commit()
    assert db.session.scalar(select(func.count(InstrumentVersion.id))) == 1


# --- mails ----------------------------------------------------------------------------------

def test_reviewers_are_mailed_on_submission_and_on_a_new_version_but_not_the_author_or_inactive_people(
        create_instrument, create_user, editor, reviewer, propose, now):
    admin, inactive = create_user("admin"), create_user("trainer", active=False)
    create_user("partner"), create_user("coordinator")
    draft = create_instrument(title="Netzwerkkarte", state=InstrumentState.DRAFT)
    _clear_outbox()
    services.submit_for_review(editor, draft, now=now)
    db.session.commit()
    mails = _mails()
    assert sorted(mail.recipient for mail in mails) == sorted([reviewer.email, admin.email])
    assert mails[0].subject == "Zur Prüfung: Netzwerkkarte" and f"/instrumente/{draft.id}" in mails[0].body
    assert inactive.email not in {mail.recipient for mail in mails}

    services.review(reviewer, draft, approve=True, comment="", now=now)
    db.session.commit()
    _clear_outbox()
    propose(draft)
    mails = _mails()
    assert sorted(mail.recipient for mail in mails) == sorted([reviewer.email, admin.email])
    assert mails[0].subject == "Neue Fassung zur Prüfung: Netzwerkkarte"
    assert "Version 2" in mails[0].body and "Abschnitt Einwilligung ergänzt" in mails[0].body
    assert f"/instrumente/{draft.id}/neue-fassung" in mails[0].body


@pytest.mark.parametrize("approve,subject,sentence", [
    (True, "Freigegeben: Checkliste Helferkonferenz", "Sie ist jetzt die aktuelle Version."),
    (False, "Zur Überarbeitung zurückgegeben: Checkliste Helferkonferenz", "Die bisherige Version bleibt aktuell."),
])
def test_the_author_is_mailed_the_decision_with_the_comment(published, propose, editor, reviewer, now, approve,
                                                            subject, sentence):
    proposal = propose(published)
    _clear_outbox()
    services.review_proposal(reviewer, proposal, approve=approve, comment="Bitte Quelle nennen", now=now)
    db.session.commit()
    mails = [mail for mail in _mails() if mail.recipient == editor.email]
    assert [mail.subject for mail in mails] == [subject]
    assert sentence in mails[0].body and "Kommentar der Prüfung: Bitte Quelle nennen" in mails[0].body
    assert "Tobias Trainer" in mails[0].body


def test_an_inactive_author_gets_no_mail_and_bookmarks_hear_only_after_approval(published, propose, editor,
                                                                                reviewer, create_user, now):
    holder = create_user("partner")
    services.bookmark(holder, published, notify_by_mail=True, now=now)
    proposal = propose(published)
    assert holder.email not in {mail.recipient for mail in _mails()}
    db.session.get(User, editor.id).active = False
    _clear_outbox()
    services.review_proposal(reviewer, proposal, approve=True, comment="", now=now)
    db.session.commit()
    assert [mail.recipient for mail in _mails()] == [holder.email]


def test_the_first_decision_is_mailed_to_the_submitter(create_instrument, editor, reviewer, now):
    draft = create_instrument(state=InstrumentState.IN_REVIEW)
    _clear_outbox()
    services.review(reviewer, draft, approve=False, comment="Lizenz fehlt", now=now)
    db.session.commit()
    mails = _mails()
    assert [mail.recipient for mail in mails] == [editor.email] and "Lizenz fehlt" in mails[0].body


# --- the start page -------------------------------------------------------------------------

def test_the_start_page_shows_reviewers_what_waits_for_them_and_nobody_else(app, create_instrument, propose,
                                                                           create_user, editor, reviewer):
    create_instrument(title="Entwurf in Prüfung", state=InstrumentState.IN_REVIEW)
    propose(create_instrument(title="Veröffentlicht"))
    admin = create_user("admin")
    for person, expected in ((reviewer, "Wartet auf Ihre Prüfung (2)"), (admin, "Wartet auf Ihre Prüfung (2)")):
        client = app.test_client()
        login_as(client, person)
        page = client.get("/").get_data(as_text=True)
        assert expected in page and "/instrumente/in-arbeit?ansicht=pruefen" in page
        listing = client.get("/instrumente/in-arbeit?ansicht=pruefen").get_data(as_text=True)
        assert "Entwurf in Prüfung" in listing and "Neue Fassung in Prüfung" in listing
    for person in (editor, create_user("partner"), create_user("coordinator")):  # the author waits for nobody
        client = app.test_client()
        login_as(client, person)
        assert "Wartet auf Ihre Prüfung" not in client.get("/").get_data(as_text=True)


def test_the_waiting_count_is_one_statement_whatever_waits(create_instrument, propose, reviewer, count_queries):
    assert reviewer.is_active and reviewer.has_role("trainer")  # the user loaded before counting, as in a request
    with count_queries() as none_waiting:
        assert queries.waiting_for_review_count(reviewer) == 0
    for number in range(3):
        create_instrument(title=f"Entwurf {number}", state=InstrumentState.IN_REVIEW)
        propose(create_instrument(title=f"Instrument {number}"))
    assert reviewer.is_active and reviewer.has_role("trainer")
    with count_queries() as six_waiting:
        assert queries.waiting_for_review_count(reviewer) == 6
    assert len(none_waiting) == len(six_waiting) == 1


# --- races ----------------------------------------------------------------------------------

def test_two_reviewers_deciding_at_once_make_exactly_one_decision(app, published, propose, reviewer, create_user):
    proposal = propose(published)
    other = create_user("admin")
    proposal_id, revision, people = proposal.id, proposal.revision, [reviewer.id, other.id]

    def decide(person_id, approve):
        def call():
            services.review_proposal(db.session.get(User, person_id), db.session.get(InstrumentVersion, proposal_id),
                                     approve=approve, comment="Nicht so", now=app.config["PINNED_NOW"],
                                     seen_revision=revision)
        return call

    errors = in_parallel(app, [decide(people[0], True), decide(people[1], False)])
    assert len(errors) == 1 and "inzwischen entschieden" in errors[0]
    db.session.expire_all()
    assert db.session.scalar(select(func.count(InstrumentReview.id)).where(
        InstrumentReview.version_id == proposal_id)) == 1
    version = db.session.get(InstrumentVersion, proposal_id)
    instrument = db.session.get(Instrument, published.id)
    approved = db.session.scalar(select(InstrumentReview.approved).where(InstrumentReview.version_id == proposal_id))
    assert (version.proposal_state, instrument.version_count) == ((None, 2) if approved
                                                                  else (ProposalState.RETURNED, 1))


def test_two_reviewers_publishing_a_draft_at_once_make_one_decision(app, create_instrument, reviewer, create_user):
    draft = create_instrument(state=InstrumentState.IN_REVIEW)
    draft_id, people = draft.id, [reviewer.id, create_user("admin").id]

    def approve(person_id):
        return lambda: services.review(db.session.get(User, person_id), db.session.get(Instrument, draft_id),
                                       approve=True, comment="", now=app.config["PINNED_NOW"])

    errors = in_parallel(app, [approve(person) for person in people])
    assert len(errors) == 1 and "inzwischen entschieden" in errors[0]
    assert db.session.scalar(select(func.count(InstrumentReview.id)).where(
        InstrumentReview.instrument_id == draft_id, InstrumentReview.approved.is_(True))) == 1



def test_a_reviewer_whose_page_predates_another_decision_is_told_so(app, create_instrument, reviewer, create_user,
                                                                     now):
    """The other order of the race above, made certain: the second reviewer's session read the draft
    before the first one's decision was committed, and checks it after."""
    draft = create_instrument(state=InstrumentState.IN_REVIEW)
    admin, ids = create_user("admin"), (draft.id, reviewer.id)
    assert in_parallel(app, [lambda: services.review(db.session.get(User, ids[1]), db.session.get(Instrument, ids[0]),
                                                     approve=True, comment="", now=now)]) == []
    db.session.expire(draft, ["state"])
    with pytest.raises(Conflict, match="inzwischen entschieden"):
        services.review(admin, draft, approve=True, comment="", now=now)


def test_a_rework_whose_proposal_was_approved_meanwhile_is_told_so(app, published, propose, editor, reviewer, now):
    """The author's session still counts the instrument's versions as before the approval: the proposal
    it would write takes the approved version's number, and the author is told, with nothing saved."""
    proposal = propose(published)
    counted = published.version_count  # read before the approval, as the author's page did
    ids = proposal.id, reviewer.id, proposal.revision
    assert in_parallel(app, [lambda: services.review_proposal(
        db.session.get(User, ids[1]), db.session.get(InstrumentVersion, ids[0]), approve=True, comment="", now=now,
        seen_revision=ids[2])]) == []
    with pytest.raises(Conflict, match="inzwischen eine neue Fassung"):
        services.update_instrument(editor, published, input_of(published, summary="Nachgebessert"), note="x",
                                   upload=None, now=now)
    db.session.rollback()
    assert counted == 1 and published.version_count == 2 and services.open_proposal(published) is None
    assert db.session.scalar(select(func.count(InstrumentVersion.id)).where(
        InstrumentVersion.instrument_id == published.id)) == 2


# --- pages ----------------------------------------------------------------------------------

@pytest.mark.parametrize("who,status", [("anonymous", 302), ("partner", 403), ("coordinator", 403), ("expert", 403),
                                        ("author", 200), ("reviewer", 200), ("admin", 200)])
def test_the_proposal_page_is_for_its_author_and_the_reviewers(app, published, propose, create_user, editor, reviewer,
                                                               who, status):
    propose(published, title="Checkliste Helferkonferenz 2027")
    client = app.test_client()
    if who != "anonymous":
        login_as(client, {"author": editor, "reviewer": reviewer}.get(who) or create_user(who))
    response = client.get(f"/instrumente/{published.id}/neue-fassung")
    assert response.status_code == status
    decision = client.post(f"/instrumente/{published.id}/neue-fassung/freigabe",
                           data={"decision": "approve", "seen": "1"})
    assert decision.status_code == {"author": 403}.get(who, 302 if status != 403 else 403)  # reviewers: approved
    if status == 200:
        page = response.get_data(as_text=True)
        assert "Neue Fassung in Prüfung" in page and "Checkliste Helferkonferenz 2027" in page
        assert "Änderungen gegenüber Version 1" in page and "liste-v2.pdf" in page


def test_the_author_is_told_why_they_cannot_approve(client, published, propose, editor):
    propose(published)
    login_as(client, editor)
    page = client.get(f"/instrumente/{published.id}/neue-fassung").get_data(as_text=True)
    assert "Freigeben und veröffentlichen" not in page and "wartet auf die Prüfung durch eine zweite Person" in page
    response = client.post(f"/instrumente/{published.id}/neue-fassung/freigabe",
                           data={"decision": "approve", "seen": "1"})
    assert response.status_code == 403 and "eigene neue Fassung nicht freigeben" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Instrument, published.id).version_count == 1


def test_a_reviewer_approves_through_the_pages_and_everybody_gets_the_new_version(app, client, published, propose,
                                                                                  reviewer):
    propose(published, title="Checkliste Helferkonferenz 2027")
    login_as(client, reviewer)
    response = client.post(f"/instrumente/{published.id}/neue-fassung/freigabe",
                           data={"decision": "approve", "seen": "1", "comment": "Passt"}, follow_redirects=True)
    assert "Version 2 ist jetzt die aktuelle" in response.get_data(as_text=True)
    public = app.test_client()
    assert "Checkliste Helferkonferenz 2027" in public.get(f"/instrumente/{published.id}").get_data(as_text=True)
    assert public.get(f"/instrumente/{published.id}/versionen/2/datei").data == pdf_bytes("Fassung 2")
    late = client.post(f"/instrumente/{published.id}/neue-fassung/freigabe",
                       data={"decision": "return", "seen": "1", "comment": "Doch nicht"}, follow_redirects=True)
    assert "inzwischen entschieden" in late.get_data(as_text=True)


def test_returning_without_a_comment_shows_the_form_again_and_saves_nothing(client, published, propose, reviewer):
    propose(published)
    login_as(client, reviewer)
    response = client.post(f"/instrumente/{published.id}/neue-fassung/freigabe",
                           data={"decision": "return", "seen": "1", "comment": ""})
    assert response.status_code == 422 and "Bitte begründen Sie die Rückgabe." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(InstrumentReview.id)).where(
        InstrumentReview.version_id.is_not(None))) == 0


def test_a_stale_review_page_is_refused_with_a_message(client, published, propose, reviewer):
    propose(published)
    propose(published, summary="Überarbeitet", note="Noch einmal")  # revision 2
    login_as(client, reviewer)
    response = client.post(f"/instrumente/{published.id}/neue-fassung/freigabe",
                           data={"decision": "approve", "seen": "1"}, follow_redirects=True)
    assert "inzwischen entschieden oder geändert" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Instrument, published.id).version_count == 1


def test_editing_through_the_pages_makes_a_proposal_and_another_trainer_is_sent_to_it(app, client, published,
                                                                                      editor, reviewer):
    login_as(client, editor)
    form = client.get(f"/instrumente/{published.id}/bearbeiten").get_data(as_text=True)
    assert "erst nach der Prüfung durch eine zweite Person" in form
    response = client.post(f"/instrumente/{published.id}/bearbeiten", data={
        "title": published.title, "kind": published.kind, "summary": "Neu gefasst", "dimension": published.dimension,
        "topics": "Helferkonferenz", "visibility": "public", "change_note": "Kürzer"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Version 2" in page and "wartet auf die Prüfung durch eine zweite Person" in page and "Neu gefasst" in page
    assert "Bearbeiten / neue Version" not in client.get(f"/instrumente/{published.id}").get_data(as_text=True)
    rework = client.get(f"/instrumente/{published.id}/bearbeiten").get_data(as_text=True)
    assert "Neu gefasst" in rework and "Kürzer" in rework  # the form shows the proposal, not the current version
    other = app.test_client()
    login_as(other, reviewer)
    redirected = other.get(f"/instrumente/{published.id}/bearbeiten", follow_redirects=True).get_data(as_text=True)
    assert "bereits eine neue Fassung von Renate Referentin" in redirected
    assert "Freigeben und veröffentlichen" in redirected


def test_discarding_through_the_pages(client, published, propose, editor):
    propose(published)
    login_as(client, editor)
    asked = client.post(f"/instrumente/{published.id}/neue-fassung/verwerfen")
    assert asked.status_code == 200 and "Wirklich die neue Fassung verwerfen?" in asked.get_data(as_text=True)
    assert services.open_proposal(published) is not None
    response = client.post(f"/instrumente/{published.id}/neue-fassung/verwerfen", data={"bestaetigt": "1"},
                           follow_redirects=True)
    assert "Die neue Fassung wurde verworfen." in response.get_data(as_text=True)
    assert services.open_proposal(published) is None


def test_a_rework_and_a_decision_at_once_leave_one_consistent_history(app, published, propose, editor, reviewer):
    """Whichever comes first, no version is both current and in review, and numbers stay in step."""
    proposal = propose(published)
    ids = published.id, proposal.id, editor.id, reviewer.id, proposal.revision

    def rework():
        instrument = db.session.get(Instrument, ids[0])
        services.update_instrument(db.session.get(User, ids[2]), instrument,
                                   input_of(instrument, summary="Nachgebessert"), note="Nachgebessert", upload=None,
                                   now=app.config["PINNED_NOW"])

    def approve():
        services.review_proposal(db.session.get(User, ids[3]), db.session.get(InstrumentVersion, ids[1]),
                                 approve=True, comment="", now=app.config["PINNED_NOW"], seen_revision=ids[4])

    errors = in_parallel(app, [rework, approve])
    assert len(errors) <= 1 and all("inzwischen" in error for error in errors)
    db.session.expire_all()
    instrument = db.session.get(Instrument, ids[0])
    versions = db.session.scalars(select(InstrumentVersion).where(InstrumentVersion.instrument_id == ids[0])).all()
    assert all(version.proposal_state is None for version in versions if version.number <= instrument.version_count)
    assert all(version.number == instrument.version_count + 1 for version in versions if version.is_proposal)
    assert len([version for version in versions if version.is_proposal]) <= 1


def test_coordinators_asking_for_the_review_list_see_only_their_own_drafts(app, create_instrument, create_user):
    create_instrument(title="Fremder Entwurf in Prüfung", state=InstrumentState.IN_REVIEW)
    client = app.test_client()
    login_as(client, create_user("coordinator"))
    page = client.get("/instrumente/in-arbeit?ansicht=pruefen").get_data(as_text=True)
    assert "Fremder Entwurf" not in page and "Derzeit sind keine Entwürfe oder Prüfungen offen." in page
