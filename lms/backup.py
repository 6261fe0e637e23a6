"""A backup is a folder: the database (an SQLite copy or a `pg_dump` archive), every stored file, a
manifest, and, only if asked, the keys in a file of their own.

The database is saved first and the files after it: files are content-addressed and never change,
and one the saved database refers to is not swept while anything refers to it, so every file of the
saved database is in the backup. The keys (the secret key, which signs sessions and derives the
calendar addresses, and the master keys of case content) are not written unless `--keys` is given:
case content is sealed so that a copy of the database alone does not reveal it, and a backup holding
both would undo that. Keep the key file apart from the backup (docs/operations.md "Backup").
"""
import hashlib
import json
import os
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url

from lms import sealing
from lms.config import private_temporary
from lms.db import utcnow
from lms.extensions import db
from lms.instrumente.models import StoredFile
from lms.storage import LocalStorage, storage

FORMAT = 1
MANIFEST, KEYS = "manifest.json", "keys.json"


class BackupError(Exception):
    """A backup that cannot be written or restored here; the message says why, in one line."""


@dataclass
class Summary:
    files: int
    missing: int


def _libpq(url) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore; the password goes in the environment, never on
    the command line (where every user of the machine could read it)."""
    arguments = ["--dbname", url.database or ""]
    if url.host:
        arguments += ["--host", url.host]
    if url.port:
        arguments += ["--port", str(url.port)]
    if url.username:
        arguments += ["--username", url.username]
    environment = dict(os.environ, PGPASSWORD=url.password or "") if url.password else dict(os.environ)
    return arguments, environment


def _run(command: list[str], environment: dict[str, str]) -> None:
    try:
        subprocess.run(command, env=environment, check=True, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client)") from None
    except subprocess.CalledProcessError as error:
        raise BackupError(f"{command[0]} failed: {error.stderr.strip().splitlines()[-1:]}") from None


def _revision() -> str | None:
    if not inspect(db.engine).has_table("alembic_version"):
        return None
    return db.session.execute(db.text("SELECT version_num FROM alembic_version")).scalar()


def create(target: Path, *, keys: bool) -> Summary:
    """Write a backup of this installation into the new folder *target*."""
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty")
    target.mkdir(parents=True, exist_ok=True)
    target.chmod(0o700)  # the backup holds everything the installation knows about people
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database)
        with sqlite3.connect(target / "database.sqlite") as copy:
            source.backup(copy)  # a consistent copy while the app keeps running
        source.close()
    else:
        arguments, environment = _libpq(url)
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target / "database.dump"),
              *arguments], environment)
    copies, backend = LocalStorage(target / "files"), storage()
    digests = db.session.scalars(select(StoredFile.sha256).order_by(StoredFile.sha256)).all()
    missing = 0
    for digest in digests:
        if not backend.exists(digest):
            missing += 1
            continue
        with backend.open(digest) as handle:
            copies.put(handle.read())
    if keys:
        text = json.dumps({"secret_key": current_app.config["SECRET_KEY"],
                           "case_keys": [sealing.encode_key(key) for key in sealing.keyring().keys]})
        os.replace(private_temporary(target / KEYS, text), target / KEYS)
    manifest = {"format": FORMAT, "created_at": utcnow().isoformat(), "database": url.get_backend_name(),
                "revision": _revision(), "files": len(digests) - missing, "missing_files": missing, "keys": keys}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return Summary(files=len(digests) - missing, missing=missing)


def _has_data() -> bool:
    from lms.auth.models import User

    return inspect(db.engine).has_table(User.__tablename__) and bool(db.session.scalar(select(func.count(User.id))))


def restore(source: Path, *, force: bool) -> Summary:
    """Put the backup in *source* back into this installation's (empty) database and storage, and its
    keys, if it has them, into the instance folder. The caller upgrades the schema afterwards."""
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError):
        raise BackupError(f"{source} holds no lms backup ({MANIFEST} missing or unreadable)") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')!r} is not {FORMAT}")
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if manifest["database"] != url.get_backend_name():
        raise BackupError(f"the backup is of a {manifest['database']} database, this installation uses "
                          f"{url.get_backend_name()}")
    if _has_data() and not force:
        raise BackupError("the database already holds accounts: restore into an empty one, or pass --force "
                          "to replace it")
    saved = LocalStorage(source / "files")
    files = sorted(digest for digest, _modified in saved.listing())
    for digest in files:  # all checked before anything is written
        with saved.open(digest) as handle:
            if hashlib.sha256(handle.read()).hexdigest() != digest:
                raise BackupError(f"file {digest[:12]}… in the backup is damaged (its bytes do not match its name)")
    if (source / KEYS).exists():
        _restore_keys(json.loads((source / KEYS).read_text()))
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(source / "database.sqlite") as copy, sqlite3.connect(url.database) as live:
            copy.backup(live)
    else:
        arguments, environment = _libpq(url)
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
              *arguments, str(source / "database.dump")], environment)
    backend = storage()
    for digest in files:
        with saved.open(digest) as handle:
            backend.put(handle.read())
    return Summary(files=len(files), missing=manifest.get("missing_files", 0))


def _restore_keys(keys: dict) -> None:
    """Write the saved keys into the instance folder, unless the environment sets them (then it must
    set the saved ones: a different secret key would end every sign-in and calendar subscription)."""
    instance, config = Path(current_app.instance_path), current_app.config
    if os.environ.get("LMS_SECRET_KEY"):
        if config["SECRET_KEY"] != keys["secret_key"]:
            raise BackupError("LMS_SECRET_KEY differs from the saved secret key: set it to the saved one")
    else:
        os.replace(private_temporary(instance / "secret_key", keys["secret_key"]), instance / "secret_key")
        config["SECRET_KEY"] = keys["secret_key"]
    saved = sealing.decode_keys(",".join(keys["case_keys"]))
    if config.get("CASE_KEY"):
        if set(saved) - set(sealing.decode_keys(config["CASE_KEY"])):
            raise BackupError("LMS_CASE_KEY lacks master keys of the backup: add them (lms/sealing.py)")
    else:
        sealing.write_key_file(sealing.key_file(instance), saved)
