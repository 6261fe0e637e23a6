"""Uploaded files in use: downloads that stream, hand over to nginx or Apache, and fail with a 503
(also from a bucket on a real S3 server); the sweep of files nothing refers to, also while an upload
of the same bytes runs."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms import create_app
from lms import storage as file_storage
from lms.extensions import db
from lms.instrumente import services
from lms.instrumente.models import StoredFile
from lms.instrumente.services import Upload
from lms.instrumente.services.files import SWEEP_GRACE, sweep_unused_files
from lms.storage import S3Storage, storage
from tests.conftest import in_parallel, make_config, s3_settings
from tests.instrumente.conftest import pdf_bytes


def _read(digest: str) -> bytes:
    with storage().open(digest) as handle:
        return handle.read()


# --- downloads ---------------------------------------------------------------------------------

@pytest.fixture
def published_file(create_instrument, upload):
    """A public instrument whose file has an umlaut in its name; the URL of its download."""
    instrument = create_instrument(upload=upload("Einschätzungsbogen.pdf", pdf_bytes("Gefährdung")))
    version = instrument.versions[0]
    return f"/instrumente/{instrument.id}/versionen/{version.number}/datei", version


def test_a_local_download_streams_with_ranges_etag_and_the_umlaut_name(client, published_file):
    url, version = published_file
    data = pdf_bytes("Gefährdung")
    response = client.get(url)
    assert response.status_code == 200 and response.is_streamed and response.data == data
    assert response.headers["Content-Length"] == str(len(data))
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=Einschatzungsbogen.pdf; filename*=UTF-8''Einsch%C3%A4tzungsbogen.pdf")
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert response.headers["ETag"] == f'"{version.file_sha256}"'
    assert client.get(url, headers={"If-None-Match": f'"{version.file_sha256}"'}).status_code == 304
    part = client.get(url, headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.data == data[:10]


@pytest.mark.parametrize("app_config", [{"FILE_ACCEL": "nginx", "FILE_ACCEL_PREFIX": "/_intern/dateien/"}])
def test_behind_nginx_the_app_decides_and_nginx_sends_the_bytes(client, published_file):
    url, version = published_file
    digest = version.file_sha256
    response = client.get(url)
    assert response.status_code == 200 and response.data == b""
    assert response.headers["X-Accel-Redirect"] == f"/_intern/dateien/{digest[:2]}/{digest[2:4]}/{digest}"
    assert "X-Sendfile" not in response.headers
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=Einschatzungsbogen.pdf")


@pytest.mark.parametrize("app_config", [{"FILE_ACCEL": "sendfile"}])
def test_behind_apache_x_sendfile_names_the_file(client, published_file):
    url, version = published_file
    response = client.get(url)
    assert response.status_code == 200 and response.data == b""
    assert response.headers["X-Sendfile"] == str(storage().path(version.file_sha256).resolve())


@pytest.mark.parametrize("app_config", [{"FILE_ACCEL": "nginx"}])
def test_nobody_gets_a_hand_over_for_a_file_they_may_not_see(client, create_instrument, upload):
    instrument = create_instrument(visibility="members", upload=upload())
    response = client.get(f"/instrumente/{instrument.id}/versionen/1/datei")
    assert response.status_code in (302, 404) and "X-Accel-Redirect" not in response.headers


def test_a_file_the_storage_lacks_is_a_503_with_a_german_message_and_readyz_says_so(client, published_file, caplog):
    url, version = published_file
    storage().delete(version.file_sha256)
    response = client.get(url)
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert "Die Datei ist gerade nicht erreichbar" in response.get_data(as_text=True)
    assert "file storage could not give a file: FileMissing" in caplog.text
    assert client.get("/readyz?check=storage").get_json()["checks"]["storage"] == {"status": "files missing"}


# --- the app on a bucket -----------------------------------------------------------------------

@pytest.fixture
def app_config(request) -> dict:
    """These tests' app stores on the test S3 server when the test asks for `s3_endpoint`."""
    if "s3_endpoint" in request.fixturenames:
        return s3_settings(request.getfixturevalue("s3_endpoint"), "lms-app")
    return getattr(request, "param", {})


def test_on_a_bucket_uploads_land_there_and_downloads_stream_from_it(s3_endpoint, client, published_file):
    url, version = published_file
    assert isinstance(storage(), S3Storage)
    response = client.get(url)
    assert response.status_code == 200 and response.is_streamed and response.data == pdf_bytes("Gefährdung")
    assert response.headers["Content-Length"] == str(version.file.size)
    assert client.get("/readyz?check=storage").get_json()["checks"]["storage"] == {"status": "ok"}
    storage().delete(version.file_sha256)
    assert client.get(url).status_code == 503
    assert client.get("/readyz?check=storage").status_code == 503


def test_an_unreachable_bucket_is_a_503_not_a_500(migrated_database, tmp_path):
    unreachable = {"FILE_STORAGE": "s3://nirgends/lms", "S3_ENDPOINT_URL": "http://127.0.0.1:9",
                   "S3_ACCESS_KEY_ID": "k", "S3_SECRET_ACCESS_KEY": "s", "S3_REGION": "eu-central-1"}
    app = create_app(make_config(migrated_database, **unreachable))
    with app.app_context():
        with pytest.raises(file_storage.StorageUnavailable):
            storage().open("0" * 64)
        response = app.test_client().get("/readyz?check=storage")
        assert response.status_code == 503 and response.get_json()["checks"]["storage"] == {"status": "failing"}
        db.session.remove()


def test_uploading_through_the_service_reaches_the_bucket(s3_endpoint, app):
    stored, name = services.store_upload(Upload("Plan.pdf", pdf_bytes("Bucket")))
    db.session.commit()
    assert name == "Plan.pdf" and _read(stored.sha256) == pdf_bytes("Bucket")




# --- the sweep of unused files -----------------------------------------------------------------

def _digests() -> set[str]:
    return set(db.session.scalars(select(StoredFile.sha256)))


def test_the_files_of_a_deleted_instrument_go_a_day_later_and_files_in_use_stay(
        create_instrument, upload, create_user, now):
    gone = create_instrument(upload=upload("alt.pdf", pdf_bytes("Weg damit")))
    kept = create_instrument(upload=upload("neu.pdf", pdf_bytes("Bleibt")))
    gone_digest, kept_digest = gone.versions[0].file_sha256, kept.versions[0].file_sha256
    services.delete_instrument(create_user("admin"), gone)
    db.session.commit()

    assert sweep_unused_files(now=now + SWEEP_GRACE - timedelta(minutes=1)) == 0
    assert storage().exists(gone_digest)
    assert sweep_unused_files(now=now + SWEEP_GRACE + timedelta(minutes=1)) == 1
    assert _digests() == {kept_digest} and not storage().exists(gone_digest)
    assert _read(kept_digest) == pdf_bytes("Bleibt")


def test_a_file_another_package_refers_to_stays(app, create_instrument, upload, create_user, now):
    """Every foreign key to stored_file counts, also those of packages above the library."""
    from lms.netzwerk.models import AgreementFile

    instrument = create_instrument(upload=upload("geteilt.pdf", pdf_bytes("Geteilt")))
    digest = instrument.versions[0].file_sha256
    references = {key.parent.table.name for table in db.metadata.tables.values() for key in table.foreign_keys
                  if key.column.table is StoredFile.__table__}
    assert {"instrument_version", AgreementFile.__tablename__, "agenda_item"} <= references
    services.delete_instrument(create_user("admin"), instrument)
    db.session.commit()
    db.session.execute(StoredFile.__table__.update().values(used_at=now - 2 * SWEEP_GRACE))
    db.session.commit()
    assert sweep_unused_files(now=now) == 1 and digest not in _digests()


def test_bytes_left_by_a_failed_upload_go_a_day_later(app, now):
    digest = storage().put(b"abgebrochen")  # written, but the upload's transaction never committed
    modified = dict(storage().listing())[digest]
    assert sweep_unused_files(now=modified + SWEEP_GRACE - timedelta(minutes=1)) == 0 and storage().exists(digest)
    assert sweep_unused_files(now=modified + SWEEP_GRACE + timedelta(minutes=1)) == 1
    assert not storage().exists(digest) and _digests() == set()


def test_an_upload_of_bytes_the_sweep_is_removing_keeps_them(app, create_instrument, upload, create_user, now):
    """The sweep and an upload of the same bytes race: whichever wins, the bytes the committed upload
    refers to are there afterwards."""
    data = pdf_bytes("Wieder da")
    admin = create_user("admin")
    for _ in range(6):
        instrument = create_instrument(upload=upload("x.pdf", data))
        digest = instrument.versions[0].file_sha256
        services.delete_instrument(admin, instrument)
        db.session.execute(StoredFile.__table__.update().values(used_at=now - 2 * SWEEP_GRACE))
        db.session.commit()
        assert in_parallel(app, [lambda: services.store_upload(Upload("x.pdf", data)),
                                 lambda: sweep_unused_files(now=now)]) == []
        db.session.expire_all()
        assert digest in _digests() and _read(digest) == data
        db.session.execute(StoredFile.__table__.delete())
        db.session.commit()
