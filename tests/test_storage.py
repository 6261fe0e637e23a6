"""File storage: one contract, run against a directory and against a real S3 server on loopback
(moto's standalone server), and the settings that choose the backend. Downloads and the sweep of
unused files: tests/instrumente/test_files.py."""
import hashlib
import os
import secrets
import time
from datetime import UTC, datetime, timedelta

import pytest

from lms import create_app
from lms.config import ConfigError
from lms.storage import FileMissing, LocalStorage, S3Storage
from tests.conftest import make_config, s3_settings


def _s3(endpoint: str, prefix: str) -> S3Storage:
    import boto3

    settings = s3_settings(endpoint, "contract")
    client = boto3.client("s3", endpoint_url=endpoint, region_name=settings["S3_REGION"],
                          aws_access_key_id="test-key", aws_secret_access_key="test-secret")
    return S3Storage(client, "contract", prefix)


@pytest.fixture(params=["local", "s3"])
def backend(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "files")
    return _s3(request.getfixturevalue("s3_endpoint"), f"test-{secrets.token_hex(4)}")


def _read(backend, digest: str) -> bytes:
    with backend.open(digest) as handle:
        return handle.read()


def test_bytes_are_stored_once_under_their_digest_and_read_back_as_a_stream(backend):
    data = b"%PDF-1.4 " + os.urandom(200_000)
    digest = backend.put(data)
    assert digest == hashlib.sha256(data).hexdigest()
    assert backend.put(data) == digest and [name for name, _ in backend.listing()] == [digest]
    with backend.open(digest) as handle:
        first = handle.read(1000)
        rest = handle.read()
    assert first + rest == data and len(first) == 1000
    assert backend.exists(digest) and not backend.exists("0" * 64)


def test_a_missing_file_is_named_as_missing_and_deleting_it_twice_is_harmless(backend):
    digest = backend.put(b"einmal")
    backend.delete(digest)
    backend.delete(digest)
    assert not backend.exists(digest) and list(backend.listing()) == []
    with pytest.raises(FileMissing):
        backend.open(digest)


def test_only_digests_name_files(backend):
    for name in ("../../etc/passwd", "A" * 64, "0" * 63):
        with pytest.raises(ValueError):
            backend.open(name)


def test_a_second_upload_renews_the_last_change_so_the_sweep_spares_it(backend):
    digest = backend.put(b"alt")
    if isinstance(backend, LocalStorage):
        old = time.time() - 3 * 86400
        os.utime(backend.path(digest), (old, old))
    else:
        time.sleep(1.1)  # S3 keeps the last change to the second
    before = dict(backend.listing())[digest]
    backend.put(b"alt")
    after = dict(backend.listing())[digest]
    assert after > before and after > datetime.now(UTC) - timedelta(minutes=5)


def test_the_probe_writes_reads_and_leaves_nothing(backend):
    backend.probe()
    assert list(backend.listing()) == []


def test_the_local_probe_fails_where_nothing_can_be_written(tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("x")
    with pytest.raises(OSError):
        LocalStorage(blocked).probe()


# --- settings ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("settings", "message"), [
    ({"FILE_STORAGE": "s3://bucket/x", "FILE_STORAGE_DIR": "/srv/files"}, "LMS_FILE_STORAGE_DIR: contradicts"),
    ({"FILE_STORAGE": "s3://bucket/x", "FILE_ACCEL": "nginx"}, "LMS_FILE_ACCEL='nginx': only for files in a directory"),
    ({"FILE_STORAGE": "s3://bucket/x", "S3_SECRET_ACCESS_KEY": "geheim"}, "set both, or neither"),
])
def test_contradictory_storage_settings_stop_the_start(migrated_database, settings, message):
    with pytest.raises(ConfigError, match=message):
        create_app(make_config(migrated_database, **settings))


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("LMS_FILE_STORAGE", "/srv/files", "not an s3://bucket/prefix address"),
    ("LMS_FILE_STORAGE", "s3:///ohne-bucket", "not an s3://bucket/prefix address"),
    ("LMS_FILE_ACCEL", "lighttpd", "must be one of none, nginx, sendfile"),
    ("LMS_FILE_ACCEL_PREFIX", "intern", "not a path of the web server"),
    ("LMS_S3_ENDPOINT_URL", "minio:9000", "not an http:// or https:// address"),
])
def test_malformed_storage_values_are_refused(variable, value, message):
    from lms.config import from_environment

    with pytest.raises(ConfigError, match=message):
        from_environment({variable: value})
