"""The instrument itself: creating it, changing it (a draft at once, a published one by a proposal),
withdrawing and republishing it, and deleting it for good.
"""
from datetime import datetime

from sqlalchemy import delete

from lms.auth.models import Role, User
from lms.auth.permissions import ensure_role
from lms.errors import Conflict, DomainError, PermissionDenied
from lms.extensions import db
from lms.i18n import _l
from lms.instrumente import search
from lms.instrumente.models import EDITOR_ROLES, Bookmark, Instrument, InstrumentState, InstrumentVersion
from lms.instrumente.queries import current_version
from lms.instrumente.services.content import InstrumentInput, _apply, _check_input, _new_version, _require_note
from lms.instrumente.services.files import Upload, store_upload
from lms.instrumente.services.proposals import _propose


def create_instrument(actor: User, data: InstrumentInput, *, upload: Upload | None, now: datetime) -> Instrument:
    """Trainers and admins create drafts; coordinators propose them."""
    ensure_role(actor, *EDITOR_ROLES)
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
