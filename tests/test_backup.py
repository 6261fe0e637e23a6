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


@pytest.fixture
def databases(tmp_path, worker_id):
    """Two empty databases of the kind the suite runs on: SQLite files, or on PostgreSQL two new
    databases beside the test database (dropped afterwards)."""
    server = os.environ.get("LMS_TEST_DATABASE_URL")
    if not server:
        yield None, None
        return
    import psycopg

    url = make_url(server)
    names = [f"{url.database}_backup_{worker_id}_{side}" for side in ("from", "into")]
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        for name in names:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
    yield tuple(url.set(database=name).render_as_string(hide_password=False) for name in names)
    with psycopg.connect(admin, autocommit=True) as connection:
        for name in names:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restores_accounts_sealed_cases_files_and_keys(tmp_path, databases):
    source_url, target_url = databases
    source = _environment(tmp_path / "old", source_url)
    _lms(source, "db", "upgrade")
    _lms(source, "demo")
    before = _read_back(source)
    assert before["users"] and before["cases"] and before["files"] and before["intact"]

    saved = tmp_path / "backup"
    written = _lms(source, "backup", str(saved), "--keys")
    assert f"{len(before['files'])} files, keys" in written.stdout
    manifest = json.loads((saved / "manifest.json").read_text())
    assert manifest["files"] == len(before["files"]) and manifest["missing_files"] == 0 and manifest["revision"]
    assert (saved / "keys.json").stat().st_mode & 0o777 == 0o600 and saved.stat().st_mode & 0o777 == 0o700
    assert before["secret"] not in (saved / "manifest.json").read_text()

    target = _environment(tmp_path / "new", target_url)
    restored = _lms(target, "restore", str(saved))
    assert "schema upgraded" in restored.stdout
    assert _read_back(target) == before

    again = _lms(target, "restore", str(saved), ok=False)
    assert again.returncode == 1 and "already holds accounts" in again.stderr
    assert "schema upgraded" in _lms(target, "restore", str(saved), "--force").stdout
    assert _read_back(target) == before


def test_without_keys_the_backup_holds_none_and_restoring_it_elsewhere_cannot_open_cases(tmp_path, databases):
    source_url, target_url = databases
    source = _environment(tmp_path / "old", source_url)
    _lms(source, "db", "upgrade")
    _lms(source, "demo")
    saved = tmp_path / "backup"
    _lms(source, "backup", str(saved))
    assert not (saved / "keys.json").exists()
    secret = (tmp_path / "old" / "secret_key").read_text().strip()
    case_keys = (tmp_path / "old" / "case_key").read_text().strip()
    for path in saved.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes() and case_keys.encode() not in path.read_bytes()
    target = _environment(tmp_path / "new", target_url)
    _lms(target, "restore", str(saved))
    done = subprocess.run([sys.executable, "-c", READ_BACK], env=target, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "KeyUnavailable: master key" in done.stderr  # the case content stays sealed


def test_a_damaged_or_foreign_backup_is_refused_before_anything_is_written(tmp_path, databases):
    source_url, target_url = databases
    source = _environment(tmp_path / "old", source_url)
    _lms(source, "db", "upgrade")
    _lms(source, "demo")
    saved = tmp_path / "backup"
    _lms(source, "backup", str(saved))
    assert "is not empty" in _lms(source, "backup", str(saved), ok=False).stderr

    target = _environment(tmp_path / "new", target_url)
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
