"""Four eyes: giving a draft to review, and someone other than its submitter (or a proposal's author)
deciding it. Decisions are conditional updates, so of two reviewers deciding at once one wins.
"""
from datetime import datetime

from lms.auth.models import User
from lms.errors import Conflict, DomainError, PermissionDenied
from lms.extensions import db
from lms.i18n import _l
from lms.instrumente import search
from lms.instrumente.models import (
    REVIEWER_ROLES,
    Instrument,
    InstrumentReview,
    InstrumentState,
    InstrumentVersion,
    ProposalState,
)
from lms.instrumente.services.content import _apply, _check_input, proposal_input
from lms.instrumente.services.errors import DECIDED_MEANWHILE, _move
from lms.instrumente.services.mail import _ask_reviewers, _tell_authors, _tell_bookmarkers


def submit_for_review(actor: User, instrument: Instrument, *, now: datetime, notify: bool = True) -> None:
    """Give a draft to review; the reviewers are mailed (unless *notify* is off, as for demo data)."""
    if not instrument.can_edit(actor):
        raise PermissionDenied()
    if instrument.state != InstrumentState.DRAFT:
        raise Conflict(_l("Nur Entwürfe können zur Prüfung gegeben werden."))
    _move(Instrument, instrument.id, Instrument.state == InstrumentState.DRAFT, state=InstrumentState.IN_REVIEW,
          message=_l("Das Instrument wurde inzwischen bereits zur Prüfung gegeben."))
    db.session.expire(instrument, ["state"])
    instrument.submitted_by_id = actor.id
    instrument.updated_at = now
    db.session.flush()
    if notify:
        _ask_reviewers(instrument, author=actor, proposal=None, now=now)


def review(actor: User, instrument: Instrument, *, approve: bool, comment: str, now: datetime,
           seen_version: int | None = None, notify: bool = True) -> InstrumentReview:
    """Someone other than the submitter publishes the draft or sends it back; the comment is kept.

    *seen_version* is the version count the reviewer looked at: if the draft changed since, or
    another reviewer decided first, nothing is saved and Conflict says so. The submitter is mailed
    (unless *notify* is off).
    """
    if not instrument.can_review(actor):
        if instrument.state != InstrumentState.IN_REVIEW and actor.has_role(*REVIEWER_ROLES):
            raise Conflict(DECIDED_MEANWHILE)  # a page from before another reviewer's decision
        if actor.has_role(*REVIEWER_ROLES):
            raise PermissionDenied(_l("Eine zweite Person prüft: Sie können Ihre eigene Einreichung nicht freigeben."))
        raise PermissionDenied()
    if not approve and not comment.strip():
        raise DomainError(_l("Bitte begründen Sie die Rückgabe."))
    conditions = [Instrument.state == InstrumentState.IN_REVIEW]
    if seen_version is not None:
        conditions.append(Instrument.version_count == seen_version)
    _move(Instrument, instrument.id, *conditions, message=DECIDED_MEANWHILE,
          state=InstrumentState.PUBLISHED if approve else InstrumentState.DRAFT)
    db.session.expire(instrument, ["state"])
    entry = InstrumentReview(instrument_id=instrument.id, reviewer_id=actor.id, approved=approve,
                             comment=comment.strip()[:1000], at=now)
    db.session.add(entry)
    if approve:
        instrument.published_at = instrument.published_at or now
        instrument.withdrawn_at = instrument.withdraw_reason = None
    instrument.updated_at = now
    db.session.flush()
    search.index(instrument)
    if notify:
        authors = {instrument.submitted_by_id, instrument.created_by_id} - {None, actor.id}
        _tell_authors(instrument, entry, author_ids=authors, proposal=None, now=now)
    return entry


def review_proposal(actor: User, proposal: InstrumentVersion, *, approve: bool, comment: str, now: datetime,
                    seen_revision: int | None = None) -> InstrumentReview:
    """Decide a proposed new version: approving makes it current, re-indexes the instrument and only
    now tells the bookmark holders; returning keeps the current version and gives the proposal back
    to its author with the (required) comment. The author is mailed either way.

    *seen_revision* is the state of the proposal the reviewer looked at: if its author reworked it
    since, or another reviewer decided first, nothing is saved and Conflict says so.
    """
    instrument = proposal.instrument
    if not proposal.can_review(actor):
        if proposal.proposal_state != ProposalState.PENDING:
            raise Conflict(DECIDED_MEANWHILE)
        if proposal.author_id == actor.id:
            raise PermissionDenied(
                _l("Eine zweite Person prüft: Sie können Ihre eigene neue Fassung nicht freigeben."))
        if instrument.state != InstrumentState.PUBLISHED:
            raise Conflict(_l("Das Instrument ist zurückgezogen: Die neue Fassung kann erst geprüft werden, wenn es "
                              "wieder veröffentlicht ist."))
        raise PermissionDenied()
    if not approve and not comment.strip():
        raise DomainError(_l("Bitte begründen Sie die Rückgabe."))
    if approve:  # its code may have been given to another instrument since it was proposed
        _check_input(proposal_input(proposal), instrument)
    # Hold the instrument row first (a write that changes nothing): a withdrawal that came first stops
    # the approval, one that comes later waits for it.
    _move(Instrument, instrument.id, Instrument.state == InstrumentState.PUBLISHED, message=DECIDED_MEANWHILE,
          state=Instrument.state)
    conditions = [InstrumentVersion.proposal_state == ProposalState.PENDING]
    if seen_revision is not None:
        conditions.append(InstrumentVersion.revision == seen_revision)
    _move(InstrumentVersion, proposal.id, *conditions, message=DECIDED_MEANWHILE,
          proposal_state=None if approve else ProposalState.RETURNED)
    db.session.refresh(proposal)
    entry = InstrumentReview(instrument_id=instrument.id, version_id=proposal.id, reviewer_id=actor.id,
                             approved=approve, comment=comment.strip()[:1000], at=now)
    db.session.add(entry)
    if approve:
        _apply(instrument, proposal_input(proposal))
        instrument.version_count = proposal.number
        instrument.updated_at = now
        db.session.flush()
        search.index(instrument)
        _tell_bookmarkers(instrument, proposal, now=now)
    db.session.flush()
    _tell_authors(instrument, entry, author_ids={proposal.author_id} - {None}, proposal=proposal, now=now)
    return entry
