"""An instrument's files: an upload is checked by its content and stored once (by its SHA-256), and read
back for a version.
"""
from dataclasses import dataclass

from lms.extensions import db
from lms.instrumente.filetypes import check_name_matches, detect, safe_filename
from lms.instrumente.models import InstrumentVersion, StoredFile
from lms.instrumente.storage import storage


@dataclass
class Upload:
    filename: str
    data: bytes


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


def read_file(version: InstrumentVersion) -> bytes:
    """The bytes of *version*'s file, for its download (each version keeps the file it had)."""
    return storage().read(version.file_sha256)
