"""Where uploaded files live: content-addressed by SHA-256, in a directory or an S3-compatible bucket.

Both backends keep one contract (tests/test_storage.py runs it against each):
- `put(data)` stores bytes once under their digest and marks the object as just used, so the
  orphan sweep (lms/instrumente/tasks.py) cannot take an old copy that an upload is reusing;
- `open(digest)` returns a binary stream, never the whole file, or raises `FileMissing`;
- `exists`, `delete`, `listing` (digest and last change of every object) and `probe` (for /readyz).

`LMS_FILE_STORAGE=s3://bucket/prefix` chooses the bucket (boto3, so MinIO, Ceph RGW and the clouds);
otherwise files go to `LMS_FILE_STORAGE_DIR` (default instance/files), which several hosts must share.
`download()` sends a file: from a bucket as a stream through the app, from a directory through
`send_file` (with ranges), or, with `LMS_FILE_ACCEL`, by nginx (`X-Accel-Redirect`) or Apache/lighttpd
(`X-Sendfile`) after the app has decided who may have it.
"""
import hashlib
import os
import secrets
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from werkzeug.utils import send_file

from lms.config import ConfigError


class StorageUnavailable(RuntimeError):
    """The storage cannot give a file now (bucket unreachable, folder not mounted): a 503, not a 500."""


class FileMissing(StorageUnavailable):
    """The database names a file the storage does not hold (e.g. a host without the shared folder)."""


def _checked(sha256: str) -> str:
    if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256 hex digest")
    return sha256


def _relative(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


class LocalStorage:
    """A directory tree aa/bb/<digest>; writes are atomic (temporary file, then rename)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        return self.root / _relative(_checked(sha256))

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        path = self.path(digest)
        if path.exists():
            os.utime(path)
            return digest
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
        return digest

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self.path(sha256).open("rb")
        except FileNotFoundError:
            raise FileMissing(sha256) from None
        except OSError as error:
            raise StorageUnavailable(type(error).__name__) from error

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    def listing(self) -> Iterator[tuple[str, datetime]]:
        for path in self.root.glob("??/??/*"):
            if len(path.name) == 64 and not path.name.startswith("."):
                yield path.name, datetime.fromtimestamp(path.stat().st_mtime, UTC)

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


class S3Storage:
    """Objects <prefix>/aa/bb/<digest> in a bucket. A second put of the same bytes writes them again,
    which is what renews the object's last change for the orphan sweep."""

    def __init__(self, client, bucket: str, prefix: str = ""):
        self.client, self.bucket, self.prefix = client, bucket, prefix.strip("/")

    def _key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        self.client.put_object(Bucket=self.bucket, Key=self._key(_relative(digest)), Body=data)
        return digest

    def open(self, sha256: str):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(_relative(_checked(sha256))))["Body"]
        except self.client.exceptions.NoSuchKey:
            raise FileMissing(sha256) from None
        except (BotoCoreError, ClientError) as error:
            raise StorageUnavailable(type(error).__name__) from error

    def exists(self, sha256: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(_relative(_checked(sha256))))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def delete(self, sha256: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(_relative(_checked(sha256))))

    def listing(self) -> Iterator[tuple[str, datetime]]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self._key(""))
        for page in pages:
            for item in page.get("Contents", ()):
                name = item["Key"].rsplit("/", 1)[-1]
                if len(name) == 64:
                    yield name, item["LastModified"].astimezone(UTC)

    def probe(self) -> None:
        key = self._key(f".probe-{secrets.token_hex(8)}")
        self.client.put_object(Bucket=self.bucket, Key=key, Body=b"lms")
        try:
            if self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read() != b"lms":
                raise OSError("the storage returned other bytes than written")
        finally:
            self.client.delete_object(Bucket=self.bucket, Key=key)


def _s3_client(config):
    import boto3
    from botocore.config import Config as BotoConfig

    return boto3.client(
        "s3", endpoint_url=config.get("S3_ENDPOINT_URL"), region_name=config.get("S3_REGION"),
        aws_access_key_id=config.get("S3_ACCESS_KEY_ID"), aws_secret_access_key=config.get("S3_SECRET_ACCESS_KEY"),
        config=BotoConfig(
            connect_timeout=5, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"},
            # MinIO and Ceph behind an endpoint of their own name buckets in the path.
            s3={"addressing_style": "path" if config.get("S3_ENDPOINT_URL") else "auto"},
        ),
    )


def init_app(app: Flask) -> None:
    """Choose the backend once per app; contradictory settings stop start-up like a malformed one."""
    config = app.config
    location = config.get("FILE_STORAGE")
    accel = config.get("FILE_ACCEL") or "none"
    if location:
        parts, problems = urlsplit(location), []
        if config.get("FILE_STORAGE_DIR"):
            problems.append("LMS_FILE_STORAGE_DIR: contradicts LMS_FILE_STORAGE (a bucket or a directory, not both)")
        if accel != "none":
            problems.append(f"LMS_FILE_ACCEL={accel!r}: only for files in a directory, not in a bucket")
        if bool(config.get("S3_ACCESS_KEY_ID")) != bool(config.get("S3_SECRET_ACCESS_KEY")):
            problems.append("LMS_S3_ACCESS_KEY_ID, LMS_S3_SECRET_ACCESS_KEY: set both, or neither for boto3's own chain")
        if problems:
            raise ConfigError(problems)
        from botocore.exceptions import BotoCoreError

        try:
            client = _s3_client(config)
        except BotoCoreError as error:  # e.g. no region anywhere; its text names no secret
            raise ConfigError([f"LMS_FILE_STORAGE: boto3 cannot make a client: {error}"]) from None
        app.extensions["lms.storage"] = S3Storage(client, parts.netloc, parts.path)


def storage() -> LocalStorage | S3Storage:
    """The app's bucket (one client, shared by threads), else its directory as configured now."""
    bucket = current_app.extensions.get("lms.storage")
    if bucket is not None:
        return bucket
    return LocalStorage(Path(current_app.config.get("FILE_STORAGE_DIR")
                             or os.path.join(current_app.instance_path, "files")))


def download(sha256: str, *, size: int, mime_type: str, filename: str, cache_control: str) -> Response:
    """A stored file as an attachment under its safe name, streamed (never read into memory whole)."""
    backend, accel = storage(), current_app.config.get("FILE_ACCEL", "none")
    if isinstance(backend, LocalStorage):
        source = backend.path(sha256)
        if not backend.exists(sha256):
            raise FileMissing(sha256)
    else:
        source = backend.open(sha256)
    response = send_file(
        source, request.environ, mimetype=mime_type, as_attachment=True, download_name=filename, conditional=True,
        etag=sha256, max_age=0, use_x_sendfile=accel != "none", response_class=current_app.response_class)
    if not isinstance(source, Path):
        response.content_length = size
    if accel == "nginx":
        del response.headers["X-Sendfile"]
        response.headers["X-Accel-Redirect"] = current_app.config["FILE_ACCEL_PREFIX"].rstrip("/") + "/" + _relative(sha256)
    response.headers["Cache-Control"] = cache_control
    return response
