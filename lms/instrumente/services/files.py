"""Uploaded files: an upload is checked by its content and stored once (by its SHA-256), whichever
package refers to it (instrument versions, agreements, agenda items); files nothing refers to any more
are swept away.

Uploads and the sweep meet on the `stored_file` row. An upload first marks the row as used (an UPDATE,
which waits for a sweep deleting that row) or inserts it (which waits for a sweep holding that digest),
and only then writes or refreshes the bytes; the sweep deletes the bytes while it holds the row and
commits afterwards. So the bytes an upload relies on are never removed under it, on SQLite (one writer
at a time) as on PostgreSQL (row and key locks).
"""
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.exc import IntegrityError

from lms.db import utcnow
from lms.extensions import db
from lms.instrumente.filetypes import check_name_matches, detect, safe_filename
from lms.instrumente.models import StoredFile
from lms.storage import storage

# How long a file nothing refers to is kept: an upload in progress has its row long before that.
SWEEP_GRACE = timedelta(days=1)


@dataclass
class Upload:
    filename: str
    data: bytes


def store_upload(upload: Upload) -> tuple[StoredFile, str]:
    """Check the file by its content and store it once; return the stored file and a safe name."""
    file_type = detect(upload.data)
    check_name_matches(upload.filename, file_type)
    digest, now = hashlib.sha256(upload.data).hexdigest(), utcnow()
    marked = db.session.execute(update(StoredFile).where(StoredFile.sha256 == digest).values(used_at=now)
                                .execution_options(synchronize_session=False))
    if not marked.rowcount:
        db.session.add(StoredFile(sha256=digest, size=len(upload.data), mime_type=file_type.mime_type,
                                  created_at=now, used_at=now))
        db.session.flush()
    storage().put(upload.data)
    stored = db.session.get(StoredFile, digest, populate_existing=True)
    return stored, safe_filename(upload.filename, file_type)


def _unreferenced():
    """Rows no table refers to: every foreign key to stored_file counts, whichever package owns it."""
    references = [key.parent for table in db.metadata.tables.values() for key in table.foreign_keys
                  if key.column.table is StoredFile.__table__]
    return and_(*(~exists().where(column == StoredFile.sha256) for column in references))


def sweep_unused_files(*, now: datetime) -> int:
    """Remove the files nothing has referred to for a day (a deleted instrument, agreement or agenda
    item; an upload that failed after its bytes were written). Each removal commits on its own."""
    cutoff, removed = now - SWEEP_GRACE, 0
    backend = storage()
    unused = db.session.scalars(select(StoredFile.sha256).where(StoredFile.used_at < cutoff, _unreferenced())).all()
    for digest in unused:
        gone = db.session.execute(delete(StoredFile).where(
            StoredFile.sha256 == digest, StoredFile.used_at < cutoff, _unreferenced(),
        ).execution_options(synchronize_session=False))
        if gone.rowcount:
            backend.delete(digest)
            removed += 1
        db.session.commit()
    known = set(db.session.scalars(select(StoredFile.sha256)))
    for digest, modified in list(backend.listing()):
        if digest in known or modified >= cutoff:
            continue
        try:
            with db.session.begin_nested():  # hold the digest, so that an upload of it waits
                db.session.add(StoredFile(sha256=digest, size=0, mime_type="", created_at=now, used_at=now))
        except IntegrityError:
            continue  # an upload has just stored it
        backend.delete(digest)
        db.session.execute(delete(StoredFile).where(StoredFile.sha256 == digest))
        db.session.commit()
        removed += 1
    return removed
