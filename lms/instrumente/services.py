"""Instrument rules: proposing, editing with versions, review and publication, files, bookmarks.

Every change of content or file writes a new InstrumentVersion (number, change note, author, what
changed); the instrument row holds the current state. The search index follows the current state.

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
"""
import difflib
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from lms.auth.models import SECTOR_LABELS, Role, User, UserRole
from lms.auth.permissions import ensure_role
from lms.errors import Conflict, DomainError, PermissionDenied
from lms.extensions import db
from lms.i18n import _l
from lms.instrumente import search
from lms.instrumente.filetypes import check_name_matches, detect, safe_filename
from lms.instrumente.models import (
    DIMENSION_CHOICES, KIND_LABELS, REVIEWER_ROLES, VISIBILITY_LABELS, Bookmark, Instrument, InstrumentReview,
    InstrumentSector, InstrumentState, InstrumentTopic, InstrumentVersion, Kind, ProposalState, StoredFile, Visibility,
)
from lms.instrumente.storage import storage
from lms.links import external_url
from lms.notifications.services import queue_mail

MAX_TOPICS = 12


@dataclass
class Upload:
    filename: str
    data: bytes


@dataclass
class InstrumentInput:
    title: str
    kind: str
    summary: str
    description: str
    dimension: str
    topics: list[str]
    sectors: list[str]
    licence_note: str
    visibility: str
    link_url: str = ""
    code: str | None = None


def parse_topics(raw: str) -> list[str]:
    """Comma-separated topics, trimmed, without duplicates (case-insensitive)."""
    seen, topics = set(), []
    for topic in (part.strip() for part in raw.split(",")):
        if topic and topic.lower() not in seen:
            seen.add(topic.lower())
            topics.append(topic[:60])
    return topics


def store_upload(upload: Upload) -> tuple[StoredFile, str]:
    """Check the file by its content and store it once; return the stored file and a safe name."""
    file_type = detect(upload.data)
    check_name_matches(upload.filename, file_type)
    digest = storage().put(upload.data)
    stored = db.session.get(StoredFile, digest)
    if stored is None:
        stored = StoredFile(sha256=digest, size=len(upload.data), mime_type=file_type.mime_type)
        db.session.add(stored)
        db.session.flush()
    return stored, safe_filename(upload.filename, file_type)


def _check_input(data: InstrumentInput, instrument: Instrument | None) -> None:
    Kind(data.kind)
    Visibility(data.visibility)
    if data.dimension not in DIMENSION_CHOICES:
        raise DomainError(_l("Bitte wählen Sie eine Dimension."))
    if set(data.sectors) - set(SECTOR_LABELS):
        raise DomainError(_l("Bitte wählen Sie nur bekannte Sektoren."))
    if len(data.topics) > MAX_TOPICS:
        raise DomainError(_l("Höchstens %(count)d Themen.", count=MAX_TOPICS))
    code = (data.code or "").strip() or None
    if code and db.session.scalar(select(Instrument.id).where(
            Instrument.code == code, Instrument.id != (instrument.id if instrument else None))):
        raise Conflict(_l("Das Kürzel %(code)s ist bereits vergeben.", code=code))


# The fields of an instrument as (attribute, label): the order of "what changed".
FIELDS = (
    ("title", _l("Titel")), ("summary", _l("Kurzbeschreibung")), ("description", _l("Beschreibung")),
    ("kind", _l("Art")), ("dimension", _l("Dimension")), ("licence_note", _l("Lizenz")),
    ("visibility", _l("Sichtbarkeit")), ("link_url", _l("Link")), ("code", _l("Kürzel")),
)
VERSION_FIELDS = ("title", "summary", "description")  # kept in the version's own columns


def _values(data: InstrumentInput) -> dict:
    """The instrument's columns as *data* sets them, normalised as they are stored."""
    return {
        "title": data.title.strip(), "summary": data.summary.strip(), "description": data.description or "",
        "kind": data.kind, "dimension": data.dimension, "licence_note": data.licence_note.strip(),
        "visibility": data.visibility, "link_url": data.link_url.strip(), "code": (data.code or "").strip() or None,
    }


def _sectors(codes) -> list[str]:
    return [code for code in SECTOR_LABELS if code in set(codes)]


def _differences(instrument: Instrument, data: InstrumentInput) -> list[str]:
    """The German names of the fields in which *data* differs from *instrument*."""
    values = _values(data)
    changed = [str(label) for name, label in FIELDS if getattr(instrument, name) != values[name]]
    if sorted(instrument.topics) != sorted(data.topics):
        changed.append(str(_l("Themen")))
    if instrument.sectors != _sectors(data.sectors):
        changed.append(str(_l("Sektoren")))
    return changed


def _apply(instrument: Instrument, data: InstrumentInput) -> list[str]:
    """Copy *data* onto *instrument*; return the German names of the fields that changed."""
    changed = _differences(instrument, data)
    for name, value in _values(data).items():
        if getattr(instrument, name) != value:
            setattr(instrument, name, value)
    if sorted(instrument.topics) != sorted(data.topics):
        instrument.topic_rows = [InstrumentTopic(topic=topic) for topic in data.topics]
    if instrument.sectors != _sectors(data.sectors):
        instrument.sector_rows = [InstrumentSector(sector=sector) for sector in dict.fromkeys(data.sectors)]
    return changed


def _new_version(instrument: Instrument, *, author: User, note: str, changes: list[str], now: datetime,
                 stored: StoredFile | None, filename: str | None) -> InstrumentVersion:
    previous = current_version(instrument)
    if stored is None and previous is not None:
        stored, filename = previous.file, previous.filename
    instrument.version_count += 1
    version = InstrumentVersion(
        instrument=instrument, number=instrument.version_count, change_note=note.strip()[:500],
        changes=", ".join(changes)[:300], author_id=author.id, created_at=now, title=instrument.title,
        summary=instrument.summary, description=instrument.description,
        file_sha256=stored.sha256 if stored else None, filename=filename,
    )
    db.session.add(version)
    return version


def current_version(instrument: Instrument) -> InstrumentVersion | None:
    """The version everybody sees: the newest that is not a proposal."""
    if instrument.id is None:
        return None
    return db.session.scalar(
        select(InstrumentVersion).where(InstrumentVersion.instrument_id == instrument.id,
                                        InstrumentVersion.proposal_state.is_(None))
        .order_by(InstrumentVersion.number.desc()).limit(1)
    )


def open_proposal(instrument: Instrument) -> InstrumentVersion | None:
    """The proposed new version of *instrument* that waits for review or for its author, if any."""
    if instrument.id is None:
        return None
    return db.session.scalar(select(InstrumentVersion).where(
        InstrumentVersion.instrument_id == instrument.id, InstrumentVersion.proposal_state.is_not(None)))


def proposal_input(version: InstrumentVersion) -> InstrumentInput:
    """A proposal's whole content, as the form and `_apply` take it."""
    fields_ = dict(version.proposed_fields or {})
    return InstrumentInput(title=version.title, summary=version.summary, description=version.description,
                           kind=fields_["kind"], dimension=fields_["dimension"], topics=list(fields_["topics"]),
                           sectors=list(fields_["sectors"]), licence_note=fields_["licence_note"],
                           visibility=fields_["visibility"], link_url=fields_["link_url"], code=fields_["code"])


def create_instrument(actor: User, data: InstrumentInput, *, upload: Upload | None, now: datetime) -> Instrument:
    """Trainers and admins create drafts; coordinators propose them."""
    ensure_role(actor, Role.ADMIN, Role.TRAINER, Role.COORDINATOR)
    _check_input(data, None)
    stored, filename = store_upload(upload) if upload else (None, None)
    instrument = Instrument(state=InstrumentState.DRAFT, created_by_id=actor.id, created_at=now, updated_at=now,
                            version_count=0)
    _apply(instrument, data)
    db.session.add(instrument)
    db.session.flush()
    _new_version(instrument, author=actor, note=str(_l("Erste Fassung")), changes=[], now=now, stored=stored,
                 filename=filename)
    db.session.flush()
    return instrument


def update_instrument(actor: User, instrument: Instrument, data: InstrumentInput, *, note: str,
                      upload: Upload | None, now: datetime) -> InstrumentVersion | None:
    """Save changes as a new version; None if nothing changed.

    A draft or an instrument in its first review changes at once, as it always did. A published
    instrument keeps its current version: the change becomes its proposed new version, which waits
    for review (see the module docstring). Editing again while a proposal is open reworks that same
    proposal in place and puts it (back) in review; only its author may do so, anyone else gets a
    Conflict. A withdrawn instrument must be published again before it changes.
    """
    if not instrument.can_edit(actor):
        raise PermissionDenied()
    if instrument.state == InstrumentState.WITHDRAWN:
        raise Conflict(_l("Ein zurückgezogenes Instrument muss erst wieder veröffentlicht werden."))
    _check_input(data, instrument)
    if instrument.state == InstrumentState.PUBLISHED:
        return _propose(actor, instrument, data, note=note, upload=upload, now=now)
    stored, filename = store_upload(upload) if upload else (None, None)
    changes = _apply(instrument, data)
    previous = current_version(instrument)
    if stored is not None and (previous is None or previous.file_sha256 != stored.sha256
                               or previous.filename != filename):
        changes.append(str(_l("Datei")))
    if not changes:
        return None
    _require_note(note)
    instrument.updated_at = now
    version = _new_version(instrument, author=actor, note=note, changes=changes, now=now, stored=stored,
                           filename=filename)
    db.session.flush()
    search.index(instrument)
    return version


def _require_note(note: str) -> None:
    if not note.strip():
        raise DomainError(_l("Bitte beschreiben Sie kurz, was sich geändert hat."))


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
    if proposal is None:  # a parallel second proposal fails on the unique indexes (409)
        proposal = InstrumentVersion(instrument=instrument, number=instrument.version_count + 1, author_id=actor.id,
                                     revision=1)
        db.session.add(proposal)
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
    db.session.flush()
    if starts_waiting:
        _ask_reviewers(instrument, author=actor, proposal=proposal, now=now)
    return proposal


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


def _move(model, id_: int, *conditions, message, **values) -> None:
    """Change one row only if it still meets *conditions*, in one statement: of two people acting on
    the same state at once, exactly one gets through; the other gets a Conflict with *message*."""
    moved = db.session.execute(
        update(model).where(model.id == id_, *conditions).values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not moved:
        raise Conflict(message)


DECIDED_MEANWHILE = _l("Jemand hat das inzwischen entschieden oder geändert. Ihre Entscheidung wurde nicht "
                       "gespeichert. Bitte prüfen Sie den aktuellen Stand.")
CHANGED_MEANWHILE = _l("Die neue Fassung wurde inzwischen entschieden oder verworfen. Ihre Änderung wurde nicht "
                       "gespeichert. Bitte prüfen Sie den aktuellen Stand.")


def review(actor: User, instrument: Instrument, *, approve: bool, comment: str, now: datetime,
           seen_version: int | None = None, notify: bool = True) -> InstrumentReview:
    """Someone other than the submitter publishes the draft or sends it back; the comment is kept.

    *seen_version* is the version count the reviewer looked at: if the draft changed since, or
    another reviewer decided first, nothing is saved and Conflict says so. The submitter is mailed
    (unless *notify* is off).
    """
    if not instrument.can_review(actor):
        if instrument.state == InstrumentState.IN_REVIEW and actor.has_role(*REVIEWER_ROLES):
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


def withdraw(actor: User, instrument: Instrument, *, reason: str, now: datetime) -> None:
    """Take a published instrument out of lists and search; its page stays, with a notice.

    Withdrawing does not wait for an open proposal, nor does it drop it: the proposal stays with its
    author, paused (nobody can approve it, and it counts for no reviewer), until the instrument is
    published again; its author or an admin may discard it meanwhile.
    """
    if not instrument.is_editor(actor):
        raise PermissionDenied()
    if instrument.state != InstrumentState.PUBLISHED:
        raise Conflict(_l("Nur veröffentlichte Instrumente können zurückgezogen werden."))
    if not reason.strip():
        raise DomainError(_l("Bitte geben Sie einen Grund an."))
    instrument.state = InstrumentState.WITHDRAWN
    instrument.withdrawn_at, instrument.withdraw_reason = now, reason.strip()[:500]
    instrument.updated_at = now
    db.session.flush()
    search.index(instrument)


def republish(actor: User, instrument: Instrument, *, now: datetime) -> None:
    """Publish a withdrawn instrument again, as it was; a paused proposal waits for review again."""
    if not instrument.is_editor(actor):
        raise PermissionDenied()
    if instrument.state != InstrumentState.WITHDRAWN:
        raise Conflict(_l("Nur zurückgezogene Instrumente können wieder veröffentlicht werden."))
    instrument.state = InstrumentState.PUBLISHED
    instrument.withdrawn_at = instrument.withdraw_reason = None
    instrument.updated_at = now
    db.session.flush()
    search.index(instrument)


def delete_instrument(actor: User, instrument: Instrument) -> None:
    """Admins delete an instrument for good (its files stay while other versions use them)."""
    ensure_role(actor, Role.ADMIN)
    db.session.execute(delete(Bookmark).where(Bookmark.instrument_id == instrument.id))
    instrument.state = InstrumentState.DRAFT
    search.index(instrument)
    db.session.delete(instrument)
    db.session.flush()


# --- bookmarks ------------------------------------------------------------------------------

def bookmark(user: User, instrument: Instrument, *, notify_by_mail: bool, now: datetime) -> Bookmark:
    """Put *instrument* on *user*'s Merkliste; bookmarking twice, also in parallel, keeps one entry."""
    if not instrument.can_view(user) or not user.is_authenticated:
        raise PermissionDenied()
    entry = db.session.get(Bookmark, (user.id, instrument.id))
    if entry is None:
        db.session.add(Bookmark(user_id=user.id, instrument_id=instrument.id, created_at=now,
                                seen_version=instrument.version_count))
        try:
            db.session.flush()
        except IntegrityError:  # a parallel request (a double click) was first
            db.session.rollback()
        entry = db.session.get(Bookmark, (user.id, instrument.id))
    entry.notify_by_mail = notify_by_mail
    db.session.flush()
    return entry


def remove_bookmark(user: User, instrument: Instrument) -> None:
    db.session.execute(delete(Bookmark).where(Bookmark.user_id == user.id, Bookmark.instrument_id == instrument.id))
    db.session.flush()


def bookmark_of(user: User, instrument: Instrument) -> Bookmark | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.get(Bookmark, (user.id, instrument.id))


def mark_seen(user: User, instrument: Instrument) -> None:
    """The user has seen the current version: the "new version" notice goes away."""
    entry = bookmark_of(user, instrument)
    if entry is not None and entry.seen_version != instrument.version_count:
        entry.seen_version = instrument.version_count
        db.session.flush()


def bookmarks_of(user: User) -> list[Bookmark]:
    return list(db.session.scalars(
        select(Bookmark).join(Bookmark.instrument).where(Bookmark.user_id == user.id).order_by(Instrument.title)
    ).unique())


def _tell_bookmarkers(instrument: Instrument, version: InstrumentVersion, *, now: datetime) -> None:
    wanting_mail = db.session.scalars(
        select(Bookmark).where(Bookmark.instrument_id == instrument.id, Bookmark.notify_by_mail.is_(True))
    ).all()
    users = {user.id: user for user in db.session.scalars(
        select(User).where(User.id.in_([entry.user_id for entry in wanting_mail]), User.active.is_(True))
    )} if wanting_mail else {}
    for entry in wanting_mail:
        user = users.get(entry.user_id)
        if user is not None and instrument.can_view(user):
            queue_mail(recipient=user.email, template="instrumente/new_version", locale=user.locale, now=now,
                       user=user, instrument=instrument, version=version,
                       link=external_url("instrumente.detail", instrument_id=instrument.id))


def _reviewers(*, besides: set[int]) -> list[User]:
    """The active people who may review (trainers and admins), without *besides*."""
    return list(db.session.scalars(
        select(User).where(User.active.is_(True), User.id.not_in(besides or {0}),
                           User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(REVIEWER_ROLES))))
        .order_by(User.id)
    ))


def _ask_reviewers(instrument: Instrument, *, author: User, proposal: InstrumentVersion | None,
                   now: datetime) -> None:
    """Mail everyone who may review that *instrument* (or its *proposal*) now waits for them."""
    link = (external_url("instrumente.proposal", instrument_id=instrument.id) if proposal is not None
            else external_url("instrumente.detail", instrument_id=instrument.id))
    for user in _reviewers(besides={author.id}):
        queue_mail(recipient=user.email, template="instrumente/review_requested", locale=user.locale, now=now,
                   user=user, instrument=instrument, proposal=proposal, author=author, link=link)


def _tell_authors(instrument: Instrument, entry: InstrumentReview, *, author_ids: set[int],
                  proposal: InstrumentVersion | None, now: datetime) -> None:
    """Mail the (active) authors how their submission or proposal was decided, with the comment."""
    if not author_ids:
        return
    link = (external_url("instrumente.proposal", instrument_id=instrument.id)
            if proposal is not None and not entry.approved
            else external_url("instrumente.detail", instrument_id=instrument.id))
    for user in db.session.scalars(select(User).where(User.id.in_(author_ids), User.active.is_(True))
                                   .order_by(User.id)):
        queue_mail(recipient=user.email, template="instrumente/review_decided", locale=user.locale, now=now,
                   user=user, instrument=instrument, proposal=proposal, review=entry, link=link)


def read_file(version: InstrumentVersion) -> bytes:
    return storage().read(version.file_sha256)
