"""Where uploaded files live: content-addressed by SHA-256 behind a small interface.

`LocalStorage` keeps them in a directory outside the static folder (LMS_FILE_STORAGE_DIR, default
instance/files). Several hosts point that directory at shared storage; object storage would be
another class with the same three methods, returned by `storage()`.
"""
import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app


class LocalStorage:
    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        """Store *data* once; return its SHA-256. Writing is atomic (temporary file, then rename)."""
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temporary, path)
        return digest

    def read(self, sha256: str) -> bytes:
        return self._path(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).exists()

    def probe(self) -> None:
        """Write, read back and remove a small file beside the uploads; raises when that fails."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self.root, prefix=".probe-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(b"lms")
            if Path(temporary).read_bytes() != b"lms":
                raise OSError("the storage returned other bytes than written")
        finally:
            os.unlink(temporary)


def storage() -> LocalStorage:
    root = current_app.config.get("FILE_STORAGE_DIR") or os.path.join(current_app.instance_path, "files")
    return LocalStorage(Path(root))
