"""Proposed new versions of a published instrument: writing and reworking one, discarding it, and what it
changes against the current version (for its reviewers). Deciding one is in `review`.
"""
import difflib
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from lms.auth.models import SECTOR_LABELS, User
from lms.errors import Conflict, DomainError, PermissionDenied
from lms.extensions import db
from lms.i18n import _l
from lms.instrumente.models import (
    DIMENSION_CHOICES,
    KIND_LABELS,
    VISIBILITY_LABELS,
    Instrument,
    InstrumentVersion,
    ProposalState,
)
from lms.instrumente.queries import current_version, open_proposal
from lms.instrumente.services.content import (
    FIELDS,
    VERSION_FIELDS,
    InstrumentInput,
    _differences,
    _require_note,
    _sectors,
    _values,
    proposal_input,
)
from lms.instrumente.services.errors import CHANGED_MEANWHILE, PROPOSED_MEANWHILE, _move
from lms.instrumente.services.files import Upload, store_upload
from lms.instrumente.services.mail import _ask_reviewers


def _propose(actor: User, instrument: Instrument, data: InstrumentInput, *, note: str, upload: Upload | None,
             now: datetime) -> InstrumentVersion | None:
    """Write *data* as the proposed new version of the published *instrument*; its row stays as it is."""
    proposal = open_proposal(instrument)
    if proposal is not None and not proposal.can_rework(actor):
        raise Conflict(_l("Von diesem Instrument liegt bereits eine neue Fassung von %(name)s vor. Bitte prüfen "
                          "Sie diese oder warten Sie, bis sie entschieden ist.",
                          name=proposal.author.name if proposal.author else "–"))
    current = current_version(instrument)
    stored, filename = store_upload(upload) if upload else (None, None)
    if stored is None:  # no new upload: the proposal keeps its file, else the current one
        kept = proposal or current
        stored, filename = (kept.file, kept.filename) if kept is not None else (None, None)
    changes = _differences(instrument, data)
    if (stored.sha256 if stored else None, filename) != ((current.file_sha256, current.filename) if current
                                                         else (None, None)):
        changes.append(str(_l("Datei")))
    if not changes:
        if proposal is None:
            return None
        raise DomainError(_l("Diese Fassung gleicht der veröffentlichten. Verwerfen Sie die neue Fassung, "
                             "wenn Sie sie nicht mehr brauchen."))
    _require_note(note)
    starts_waiting = proposal is None or proposal.proposal_state != ProposalState.PENDING
    if proposal is None:  # written below in a SAVEPOINT, where the unique indexes may refuse it
        proposal = InstrumentVersion(instrument_id=instrument.id, number=instrument.version_count + 1,
                                     author_id=actor.id, revision=1)
    else:  # claim the rework first: a decision or a discard that came first stops it
        _move(InstrumentVersion, proposal.id, InstrumentVersion.revision == proposal.revision,
              InstrumentVersion.proposal_state.is_not(None), message=CHANGED_MEANWHILE,
              revision=proposal.revision + 1)
        db.session.expire(proposal, ["revision"])
    values = _values(data)
    proposal.proposal_state = ProposalState.PENDING
    proposal.created_at = now
    proposal.change_note, proposal.changes = note.strip()[:500], ", ".join(changes)[:300]
    proposal.title, proposal.summary, proposal.description = (values[name] for name in VERSION_FIELDS)
    proposal.file_sha256, proposal.filename = (stored.sha256 if stored else None), filename
    proposal.proposed_fields = {
        **{name: value for name, value in values.items() if name not in VERSION_FIELDS},
        "topics": list(data.topics), "sectors": _sectors(data.sectors),
    }
    if proposal.id is None:
        _write_new(proposal)
    db.session.flush()
    if starts_waiting:
        _ask_reviewers(instrument, author=actor, proposal=proposal, now=now)
    return proposal


def _write_new(proposal: InstrumentVersion) -> None:
    """Write a new proposal at once, in a SAVEPOINT: if a parallel proposal, or the approval of the one
    its author was reworking, took its number (or the instrument's one open proposal) first, only
    this row is undone and the author is told so as a Conflict."""
    try:
        with db.session.begin_nested():
            db.session.add(proposal)
            db.session.flush()
    except IntegrityError:
        raise Conflict(PROPOSED_MEANWHILE) from None
    db.session.expire(proposal.instrument, ["versions"])


def discard_proposal(actor: User, proposal: InstrumentVersion) -> None:
    """Its author (or an admin) drops an open proposal: it was never public and leaves no version
    behind; its reviews stay in the instrument's log. The current version is untouched."""
    if not proposal.can_discard(actor):
        raise PermissionDenied()
    removed = db.session.execute(
        delete(InstrumentVersion).where(InstrumentVersion.id == proposal.id,
                                        InstrumentVersion.proposal_state.is_not(None))
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not removed:
        raise Conflict(CHANGED_MEANWHILE)
    db.session.expire(proposal.instrument, ["versions"])
    db.session.expunge(proposal)


@dataclass
class FieldChange:
    """One field of a proposal beside the current value; long texts also as changed lines."""

    label: str
    before: str
    after: str
    lines: list[tuple[str, str]] = field(default_factory=list)  # ("-" | "+" | " ", line)


def compare(instrument: Instrument, proposal: InstrumentVersion) -> list[FieldChange]:
    """What the proposal changes against the current version, field by field, for its reviewers."""
    data, current = proposal_input(proposal), current_version(instrument)

    def shown(name: str, value) -> str:
        if name == "kind":
            return str(KIND_LABELS.get(value, value))
        if name == "dimension":
            return str(DIMENSION_CHOICES.get(value, value))
        if name == "visibility":
            return str(VISIBILITY_LABELS.get(value, value))
        return value or ""

    result = []
    for name, label in FIELDS:
        before, after = getattr(instrument, name), _values(data)[name]
        if before != after:
            change = FieldChange(str(label), shown(name, before), shown(name, after))
            if name == "description":
                change.lines = _line_diff(before or "", after or "")
            result.append(change)
    if sorted(instrument.topics) != sorted(data.topics):
        result.append(FieldChange(str(_l("Themen")), ", ".join(instrument.topics), ", ".join(sorted(data.topics))))
    if instrument.sectors != _sectors(data.sectors):
        result.append(FieldChange(str(_l("Sektoren")), ", ".join(str(x) for x in instrument.sector_labels),
                                  ", ".join(str(SECTOR_LABELS[code]) for code in _sectors(data.sectors))))
    before_file = (current.file_sha256, current.filename) if current else (None, None)
    if (proposal.file_sha256, proposal.filename) != before_file:
        result.append(FieldChange(str(_l("Datei")), before_file[1] or "–", proposal.filename or "–"))
    return result


def _line_diff(before: str, after: str) -> list[tuple[str, str]]:
    """The changed lines of a text with a line of context around them."""
    lines = []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=1):
        if line.startswith(("---", "+++", "@@")):
            continue
        lines.append((line[:1], line[1:]))
    return lines
