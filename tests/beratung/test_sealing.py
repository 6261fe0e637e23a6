"""Case content encrypted per consultation (crypto-shredding): never plaintext on disk, readable through
the audited service until it is erased, and after the erasure gone from the database files (SQLite's
file and WAL, a PostgreSQL dump); a copy taken before the erasure dies with a rotated master key."""
import json
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from lms import sealing
from lms.beratung import services
from lms.beratung.models import CaseContent, CaseKey, Consultation, case_context
from lms.beratung.services import CaseInput
from lms.cli import main
from lms.extensions import db
from tests.beratung.conftest import at, day_ahead
from tests.conftest import FIXED_NOW

MARKER = "Quokka-Zeichen im Malbuch"  # pseudonymous, and unmistakable in a byte search
CASE = CaseInput(age_band="3-5", concern="neglect", setting="kita", urgency="soon",
                 vignette=f"Das Kind zeigt das {MARKER} seit einigen Wochen.")
REASON = "Termin passt nicht, Quokka-Absage"


def _book_and_complete(book, expert_profile, expert):
    consultation = book(expert_profile, at(day_ahead(3), "09:00"), case=CASE)
    services.confirm(expert, consultation, now=FIXED_NOW)
    services.record_outcome(expert, consultation, outcome=f"Outcome mit {MARKER}", result="support",
                            now=consultation.ends_at + timedelta(minutes=5))
    db.session.commit()
    return consultation


def _database_bytes() -> bytes:
    """What an attacker with the disk gets: on SQLite the database file and its WAL, on PostgreSQL a
    full dump (pg_dump of every table)."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return b"".join(Path(url.database + suffix).read_bytes() for suffix in ("", "-wal")
                        if Path(url.database + suffix).exists())
    plain = make_url(url.render_as_string(hide_password=False)).set(drivername="postgresql")
    return subprocess.run(["pg_dump", "--data-only", plain.render_as_string(hide_password=False)],
                          check=True, capture_output=True).stdout


def _in_dump(blob: bytes, dump: bytes) -> bool:
    """A bytea value as it appears in the database file (raw) or in pg_dump's COPY text (hex)."""
    return blob in dump or blob.hex().encode() in dump


def test_case_text_is_never_stored_in_plaintext_and_reads_through_the_audited_service(
        book, expert_profile, expert, partner):
    consultation = _book_and_complete(book, expert_profile, expert)
    dump = _database_bytes()
    assert MARKER.encode() not in dump and b"Quokka" not in dump
    key = db.session.get(CaseKey, consultation.id)
    assert _in_dump(key.wrapped, dump)  # the search would find the bytes it looks for
    case = services.read_case(partner, consultation, now=FIXED_NOW)
    assert MARKER in case.content.vignette and case.content.concern == "neglect"
    assert MARKER in services.read_case(expert, consultation, now=FIXED_NOW).outcome


def test_after_erasure_neither_text_nor_key_is_left_in_the_database_files(book, expert_profile, expert, partner):
    consultation = _book_and_complete(book, expert_profile, expert)
    sealed = db.session.get(CaseContent, consultation.id).sealed
    wrapped = db.session.get(CaseKey, consultation.id).wrapped
    before = _database_bytes()
    assert _in_dump(sealed, before) and _in_dump(wrapped, before)

    erased_at = consultation.ends_at + timedelta(days=91)
    assert services.erase_expired_case_content(now=erased_at) == 1
    db.session.commit()

    after = _database_bytes()
    assert not _in_dump(sealed, after) and not _in_dump(wrapped, after)
    assert MARKER.encode() not in after
    assert db.session.get(CaseKey, consultation.id) is None
    assert services.read_case(partner, consultation, now=erased_at).content is None


def test_a_declined_booking_s_reason_is_sealed_and_erased_with_the_case(book, expert_profile, expert, partner):
    consultation = book(expert_profile, at(day_ahead(3), "10:15"), case=CASE)
    services.decline(expert, consultation, reason=REASON, now=FIXED_NOW)
    db.session.commit()
    db.session.expire_all()
    row = db.session.get(Consultation, consultation.id)
    assert row.decision_reason == REASON and REASON.encode() not in (row.reason_sealed or b"")
    assert b"Quokka-Absage" not in _database_bytes()

    services.erase_expired_case_content(now=row.ends_at + timedelta(days=91))
    db.session.commit()
    db.session.expire_all()
    row = db.session.get(Consultation, consultation.id)
    assert (row.decision_reason, row.reason_sealed, row.case_erased_at is not None) == ("", None, True)


def test_a_sealed_blob_copied_to_another_consultation_does_not_open(book, expert_profile, expert):
    first = book(expert_profile, at(day_ahead(3), "09:00"), case=CASE)
    second = book(expert_profile, at(day_ahead(4), "09:00"), case=CASE)
    db.session.commit()
    stolen = db.session.get(CaseContent, first.id).sealed
    key = sealing.keyring().unwrap(db.session.get(CaseKey, second.id).wrapped_by,
                                   db.session.get(CaseKey, second.id).wrapped, context=case_context(second.id, "key"))
    assert json.loads(sealing.unseal(key, db.session.get(CaseContent, second.id).sealed,
                                     context=case_context(second.id, "case")))["vignette"] == CASE.vignette
    with pytest.raises(InvalidTag):  # another key, and bound to another consultation
        sealing.unseal(key, stolen, context=case_context(second.id, "case"))


@pytest.fixture
def instance_keys(app):
    """Master keys from instance/case_key (the default when LMS_CASE_KEY is unset)."""
    app.config["CASE_KEY"] = None
    app.extensions.pop(sealing.EXTENSION, None)
    yield sealing.key_file(app.instance_path)
    app.extensions.pop(sealing.EXTENSION, None)


def test_the_instance_key_is_generated_once_with_mode_0600(instance_keys):
    first = sealing.keyring()
    assert instance_keys.stat().st_mode & 0o777 == 0o600
    assert sealing.keyring() == first and len(first.keys) == 1 and len(first.keys[0]) == 32


def test_rotation_rewraps_every_key_and_a_backup_from_before_stays_shut(
        app, instance_keys, book, expert_profile, expert, partner, tmp_path):
    consultation = _book_and_complete(book, expert_profile, expert)
    old_id = sealing.keyring().current_id
    backup = [(row.consultation_id, row.wrapped_by, row.wrapped) for row in db.session.scalars(select(CaseKey))]
    old_ring = sealing.keyring()

    result = app.test_cli_runner().invoke(main, ["case-key", "rotate"])
    assert result.exit_code == 0, result.output
    assert "1 data keys rewrapped" in result.output and f"master key {old_id} destroyed." in result.output
    db.session.expire_all()
    ring = sealing.keyring()
    assert ring.current_id != old_id and len(ring.keys) == 1
    assert db.session.scalars(select(CaseKey.wrapped_by)).all() == [ring.current_id]
    assert MARKER in services.read_case(partner, consultation, now=FIXED_NOW).content.vignette

    # The backup's wrapped key opened with the old master key; with the old key destroyed it cannot.
    consultation_id, wrapped_by, wrapped = backup[0]
    assert old_ring.unwrap(wrapped_by, wrapped, context=case_context(consultation_id, "key"))
    with pytest.raises(sealing.KeyUnavailable):
        ring.unwrap(wrapped_by, wrapped, context=case_context(consultation_id, "key"))


def test_rotation_with_keys_from_the_environment_names_the_key_to_remove(app, book, expert_profile, expert, partner):
    consultation = _book_and_complete(book, expert_profile, expert)
    old = app.config["CASE_KEY"]
    new = sealing.encode_key(sealing.new_key())
    app.config["CASE_KEY"] = f"{new},{old}"
    try:
        result = app.test_cli_runner().invoke(main, ["case-key", "rotate"])
        assert result.exit_code == 0, result.output
        old_id = sealing.key_id(sealing.decode_keys(old)[0])
        assert f"master key {old_id} is unused: remove it from LMS_CASE_KEY." in result.output
        app.config["CASE_KEY"] = new  # the old key removed: the case still opens
        db.session.expire_all()
        assert MARKER in services.read_case(partner, consultation, now=FIXED_NOW).content.vignette
    finally:
        app.config["CASE_KEY"] = old


def test_a_case_whose_master_key_is_missing_fails_loudly_rather_than_showing_nothing(
        app, book, expert_profile, expert, partner):
    consultation = _book_and_complete(book, expert_profile, expert)
    app.config["CASE_KEY"] = sealing.encode_key(sealing.new_key())
    db.session.expire_all()
    with pytest.raises(sealing.KeyUnavailable):
        _ = services.read_case(partner, db.session.get(Consultation, consultation.id), now=FIXED_NOW).content.vignette


def test_the_migration_seals_existing_case_text_and_the_downgrade_opens_it(app, book, expert_profile, expert):
    import flask_migrate

    consultation_id = _book_and_complete(book, expert_profile, expert).id
    db.session.remove()
    flask_migrate.downgrade(revision="96aa1235cc2f")
    row = db.session.execute(text("SELECT vignette, outcome, concern FROM case_content")).one()
    assert MARKER in row.vignette and MARKER in row.outcome and row.concern == "neglect"
    db.session.execute(text("UPDATE consultation SET decision_reason = :reason"), {"reason": REASON})
    db.session.commit()
    db.session.remove()
    flask_migrate.upgrade()
    assert "vignette" not in [column["name"] for column in db.inspect(db.engine).get_columns("case_content")]
    content = db.session.get(CaseContent, consultation_id)
    assert MARKER in content.vignette and MARKER in content.outcome and content.result == "support"
    assert db.session.get(Consultation, consultation_id).decision_reason == REASON
    assert MARKER.encode() not in _database_bytes()
