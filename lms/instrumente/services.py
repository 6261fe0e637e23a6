"""Instrument rules: proposing, editing with versions, review and publication, files, bookmarks.

Every change of content or file writes a new InstrumentVersion (number, change note, author, what
changed); the instrument row holds the current state. The search index follows every change.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from lms.auth.models import SECTOR_LABELS, Role, User
from lms.auth.permissions import ensure_role
from lms.errors import Conflict, DomainError, PermissionDenied
from lms.extensions import db
from lms.i18n import _l
from lms.instrumente import search
from lms.instrumente.filetypes import check_name_matches, detect, safe_filename
from lms.instrumente.models import (
    DIMENSION_CHOICES, Bookmark, Instrument, InstrumentReview, InstrumentSector, InstrumentState, InstrumentTopic,
    InstrumentVersion, Kind, StoredFile, Visibility,
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


def _apply(instrument: Instrument, data: InstrumentInput) -> list[str]:
    """Copy *data* onto *instrument*; return the German names of the fields that changed."""
    changed = []
    fields = (
        ("title", data.title.strip(), _l("Titel")), ("summary", data.summary.strip(), _l("Kurzbeschreibung")),
        ("description", data.description or "", _l("Beschreibung")), ("kind", data.kind, _l("Art")),
        ("dimension", data.dimension, _l("Dimension")), ("licence_note", data.licence_note.strip(), _l("Lizenz")),
        ("visibility", data.visibility, _l("Sichtbarkeit")), ("link_url", data.link_url.strip(), _l("Link")),
        ("code", (data.code or "").strip() or None, _l("Kürzel")),
    )
    for name, value, label in fields:
        if getattr(instrument, name) != value:
            setattr(instrument, name, value)
            changed.append(str(label))
    if sorted(instrument.topics) != sorted(data.topics):
        instrument.topic_rows = [InstrumentTopic(topic=topic) for topic in data.topics]
        changed.append(str(_l("Themen")))
    if instrument.sectors != [code for code in SECTOR_LABELS if code in data.sectors]:
        instrument.sector_rows = [InstrumentSector(sector=sector) for sector in dict.fromkeys(data.sectors)]
        changed.append(str(_l("Sektoren")))
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
    if instrument.id is None:
        return None
    return db.session.scalar(
        select(InstrumentVersion).where(InstrumentVersion.instrument_id == instrument.id)
        .order_by(InstrumentVersion.number.desc()).limit(1)
    )


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
    """Save changes as a new version (None if nothing changed); bookmarks of a listed instrument learn of it."""
    if not instrument.can_edit(actor):
        raise PermissionDenied()
    if instrument.state == InstrumentState.WITHDRAWN:
        raise Conflict(_l("Ein zurückgezogenes Instrument muss erst wieder veröffentlicht werden."))
    _check_input(data, instrument)
    stored, filename = store_upload(upload) if upload else (None, None)
    changes = _apply(instrument, data)
    previous = current_version(instrument)
    if stored is not None and (previous is None or previous.file_sha256 != stored.sha256
                               or previous.filename != filename):
        changes.append(str(_l("Datei")))
    if not changes:
        return None
    if not note.strip():
        raise DomainError(_l("Bitte beschreiben Sie kurz, was sich geändert hat."))
    instrument.updated_at = now
    version = _new_version(instrument, author=actor, note=note, changes=changes, now=now, stored=stored,
                           filename=filename)
    db.session.flush()
    search.index(instrument)
    if instrument.state == InstrumentState.PUBLISHED:
        _tell_bookmarkers(instrument, version, now=now)
    return version


def submit_for_review(actor: User, instrument: Instrument, *, now: datetime) -> None:
    if not instrument.can_edit(actor):
        raise PermissionDenied()
    if instrument.state != InstrumentState.DRAFT:
        raise Conflict(_l("Nur Entwürfe können zur Prüfung gegeben werden."))
    instrument.state = InstrumentState.IN_REVIEW
    instrument.submitted_by_id = actor.id
    instrument.updated_at = now
    db.session.flush()


def review(actor: User, instrument: Instrument, *, approve: bool, comment: str, now: datetime) -> InstrumentReview:
    """A second trainer or an admin publishes the instrument or sends it back; the comment is kept."""
    if not instrument.can_review(actor):
        if instrument.state == InstrumentState.IN_REVIEW and actor.has_role(Role.TRAINER):
            raise PermissionDenied(_l("Eine zweite Person prüft: Sie können Ihre eigene Einreichung nicht freigeben."))
        raise PermissionDenied()
    if not approve and not comment.strip():
        raise DomainError(_l("Bitte begründen Sie die Rückgabe."))
    entry = InstrumentReview(instrument_id=instrument.id, reviewer_id=actor.id, approved=approve,
                             comment=comment.strip()[:1000], at=now)
    db.session.add(entry)
    instrument.state = InstrumentState.PUBLISHED if approve else InstrumentState.DRAFT
    if approve:
        instrument.published_at = instrument.published_at or now
        instrument.withdrawn_at = instrument.withdraw_reason = None
    instrument.updated_at = now
    db.session.flush()
    search.index(instrument)
    return entry


def withdraw(actor: User, instrument: Instrument, *, reason: str, now: datetime) -> None:
    """Take a published instrument out of lists and search; its page stays, with a notice."""
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


def read_file(version: InstrumentVersion) -> bytes:
    return storage().read(version.file_sha256)
