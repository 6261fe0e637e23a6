"""`lms backup` and `lms restore` as an operator runs them: a demo installation saved and put back into
a new instance folder and an empty database (SQLite, and in CI also PostgreSQL with pg_dump), checked
from outside by what the restored app reads: the accounts, the sealed case content, every file by
its digest, the secret key."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

LMS = [str(Path(sys.executable).parent / "lms")]

READ_BACK = """
import hashlib, json
from lms import create_app
from lms.auth.models import User
from lms.beratung.models import CaseContent
from lms.extensions import db
from lms.instrumente.models import StoredFile
from lms.storage import storage

app = create_app()
with app.app_context():
    files = db.session.scalars(db.select(StoredFile.sha256)).all()
    print(json.dumps({
        "users": sorted(db.session.scalars(db.select(User.email))),
        "cases": sorted(json.dumps(content._read(), sort_keys=True) for content in db.session.scalars(db.select(CaseContent))),
        "files": sorted(files),
        "intact": all(hashlib.sha256(storage().open(d).read()).hexdigest() == d for d in files),
        "secret": app.config["SECRET_KEY"],
    }))
"""


def _lms(env: dict, *arguments: str, ok: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([*LMS, *arguments], env=env, capture_output=True, text=True, timeout=300)
    if ok:
        assert done.returncode == 0, done.stderr
    return done


def _read_back(env: dict) -> dict:
    done = subprocess.run([sys.executable, "-c", READ_BACK], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _environment(instance: Path, database_url: str | None) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("LMS_")}
    env["LMS_INSTANCE_PATH"] = str(instance)
    if database_url:
        env["LMS_DATABASE_URL"] = database_url
    return env


def _new_database(name: str) -> str | None:
    """An empty database of the kind the suite runs on: None for SQLite (the instance folder's own
    file), or on PostgreSQL a new database beside the test database."""
    server = os.environ.get("LMS_TEST_DATABASE_URL")
    if not server:
        return None
    import psycopg

    url = make_url(server)
    with psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{url.database}_{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{url.database}_{name}"')
    return url.set(database=f"{url.database}_{name}").render_as_string(hide_password=False)


def _drop_database(database_url: str | None) -> None:
    if database_url is None:
        return
    import psycopg

    url = make_url(database_url)
    with psycopg.connect(url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False),
                         autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


@pytest.fixture(scope="module")
def source(tmp_path_factory, worker_id):
    """One demo installation for the module's tests to back up (each test writes its own backup and
    never changes the installation): building it runs the migrations and the demo, a third of the
    module's time when each test did it."""
    database_url = _new_database(f"backup_{worker_id}_from")
    env = _environment(tmp_path_factory.mktemp("backup") / "old", database_url)
    _lms(env, "db", "upgrade")
    _lms(env, "demo")
    yield env
    _drop_database(database_url)


@pytest.fixture
def target(tmp_path, worker_id):
    """An empty instance folder and database to restore into."""
    database_url = _new_database(f"backup_{worker_id}_into")
    yield _environment(tmp_path / "new", database_url)
    _drop_database(database_url)


def test_a_backup_restores_accounts_sealed_cases_files_and_keys(tmp_path, source, target):
    before = _read_back(source)
    assert before["users"] and before["cases"] and before["files"] and before["intact"]

    saved = tmp_path / "backup"
    written = _lms(source, "backup", str(saved), "--keys")
    assert f"{len(before['files'])} files, keys" in written.stdout
    manifest = json.loads((saved / "manifest.json").read_text())
    assert manifest["files"] == len(before["files"]) and manifest["missing_files"] == 0 and manifest["revision"]
    assert (saved / "keys.json").stat().st_mode & 0o777 == 0o600 and saved.stat().st_mode & 0o777 == 0o700
    assert before["secret"] not in (saved / "manifest.json").read_text()

    restored = _lms(target, "restore", str(saved))
    assert "schema upgraded" in restored.stdout
    assert _read_back(target) == before

    again = _lms(target, "restore", str(saved), ok=False)
    assert again.returncode == 1 and "already holds accounts" in again.stderr
    assert "schema upgraded" in _lms(target, "restore", str(saved), "--force").stdout
    assert _read_back(target) == before


def test_without_keys_the_backup_holds_none_and_restoring_it_elsewhere_cannot_open_cases(tmp_path, source, target):
    saved = tmp_path / "backup"
    _lms(source, "backup", str(saved))
    assert not (saved / "keys.json").exists()
    secret = (Path(source["LMS_INSTANCE_PATH"]) / "secret_key").read_text().strip()
    case_keys = (Path(source["LMS_INSTANCE_PATH"]) / "case_key").read_text().strip()
    for path in saved.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes() and case_keys.encode() not in path.read_bytes()
    _lms(target, "restore", str(saved))
    done = subprocess.run([sys.executable, "-c", READ_BACK], env=target, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "KeyUnavailable: master key" in done.stderr  # the case content stays sealed


def test_a_damaged_or_foreign_backup_is_refused_before_anything_is_written(tmp_path, source, target):
    saved = tmp_path / "backup"
    _lms(source, "backup", str(saved))
    assert "is not empty" in _lms(source, "backup", str(saved), ok=False).stderr

    assert "holds no lms backup" in _lms(target, "restore", str(tmp_path), ok=False).stderr
    manifest = json.loads((saved / "manifest.json").read_text())
    other = "postgresql" if manifest["database"] == "sqlite" else "sqlite"
    (saved / "manifest.json").write_text(json.dumps({**manifest, "database": other}))
    assert f"backup is of a {other} database" in _lms(target, "restore", str(saved), ok=False).stderr
    (saved / "manifest.json").write_text(json.dumps(manifest))

    damaged = next(path for path in (saved / "files").rglob("*") if path.is_file())
    damaged.write_bytes(damaged.read_bytes() + b"x")
    refused = _lms(target, "restore", str(saved), ok=False)
    assert "is damaged" in refused.stderr and damaged.name[:12] in refused.stderr
