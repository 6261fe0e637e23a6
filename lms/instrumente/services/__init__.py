"""Instrument rules: proposing, editing with versions, review and publication, files, bookmarks.

Every change of content or file writes a new InstrumentVersion (number, change note, author, what
changed); the instrument row holds the current state. The search index (`lms.instrumente.search`)
follows the current state.

Four eyes, always: a draft is published once someone other than its submitter approves it, and a
change to a published instrument becomes a *proposed new version* ("Neue Fassung in Prüfung") that
someone other than its author approves before it replaces the current one. Meanwhile everybody
keeps the current version (page, search, file); the proposal and its file are for the editors.
Approving makes it current and only then tells the bookmark holders; returning it keeps the current
version and gives the proposal back to its author with the comment. There is one open proposal per
instrument (a partial unique index holds it); only its author reworks it, in place (same number,
its revision goes up, so a reviewer who looked at the earlier state is stopped), and its author or
an admin may discard it. Reviewers are mailed when something starts waiting for them, authors when
it is decided. Decisions are conditional updates: of two reviewers deciding at once, one wins and
the other gets a Conflict.

One module per aggregate: `errors` (the Conflict texts and the conditional update that raises
them), `files` (uploads, stored files), `content` (the input, its checks, what changed, new
versions), `instruments` (create, update, withdraw, republish, delete), `proposals` (proposed new
versions: writing, reworking, discarding, comparing), `review` (submitting and deciding),
`bookmarks` (the Merkliste) and `mail`. The reads that change nothing (current version, open
proposal, bookmarks) live in `lms.instrumente.queries`. This package re-exports the names its
callers use, so `services.review(...)` keeps working.
"""
from lms.errors import DomainError
from lms.instrumente.queries import bookmark_of, bookmarks_of, current_version, open_proposal
from lms.instrumente.services.bookmarks import bookmark, mark_seen, remove_bookmark
from lms.instrumente.services.content import (
    FIELDS,
    MAX_TOPICS,
    VERSION_FIELDS,
    InstrumentInput,
    parse_topics,
    proposal_input,
)
from lms.instrumente.services.errors import CHANGED_MEANWHILE, DECIDED_MEANWHILE
from lms.instrumente.services.files import Upload, store_upload
from lms.instrumente.services.instruments import (
    create_instrument,
    delete_instrument,
    republish,
    update_instrument,
    withdraw,
)
from lms.instrumente.services.proposals import FieldChange, compare, discard_proposal
from lms.instrumente.services.review import review, review_proposal, submit_for_review

__all__ = [
    # names the callers (and tests) have always found here
    "DomainError",
    # errors
    "CHANGED_MEANWHILE", "DECIDED_MEANWHILE",
    # files
    "Upload", "store_upload",
    # content
    "FIELDS", "MAX_TOPICS", "VERSION_FIELDS", "InstrumentInput", "parse_topics", "proposal_input",
    # instruments
    "create_instrument", "delete_instrument", "republish", "update_instrument", "withdraw",
    # proposals, review
    "FieldChange", "compare", "discard_proposal", "review", "review_proposal", "submit_for_review",
    # bookmarks
    "bookmark", "mark_seen", "remove_bookmark",
    # reads (lms.instrumente.queries)
    "bookmark_of", "bookmarks_of", "current_version", "open_proposal",
]
