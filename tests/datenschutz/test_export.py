"""A person's data on request: one archive with every category stored about her, machine-readable and
readable, nothing of other people's case text, the export in the audit trail; for admins and for the
person herself."""
import io
import json
import zipfile

import pytest
from sqlalchemy import select

from lms.audit import AuditEntry
from lms.beratung.models import CaseAccess
from lms.extensions import db
from tests.conftest import login_as
from tests.datenschutz.conftest import OTHER_CASE, OWN_CASE

CATEGORIES = {
    "auth": ["account", "roles", "sign_in_providers", "sign_ins", "invitations"],
    "module": ["enrolments", "enrolment_history", "attendance", "admissions", "completions", "certificates"],
    "kompetenzen": ["evidence"],
    "instrumente": ["bookmarks"],
    "beratung": ["consultations_booked", "consultations_given", "expert_profile", "availability", "absences",
                 "slot_watches"],
    "netzwerk": ["institutions", "body_seats", "meeting_replies", "meeting_attendance", "minutes_remarks", "tasks"],
    "kalender": ["calendar_feeds"],
    "notifications": ["mails"],
    "audit": ["entries"],
}


def _open(response) -> tuple[dict, str, bytes]:
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == ["person.json", "uebersicht.html"]
    raw = b"".join(archive.read(name) for name in archive.namelist())
    return json.loads(archive.read("person.json")), archive.read("uebersicht.html").decode(), raw


def test_the_archive_holds_every_category_and_only_her_own_case_text(client, people):
    person = people["person"]
    login_as(client, person)
    data, summary, raw = _open(client.get("/konto/meine-daten"))
    assert (data["format"], data["version"]) == ("lms-person-export", 1)
    for section, keys in CATEGORIES.items():
        assert sorted(data[section]) == sorted(keys), section
    for section, key in [("module", "enrolments"), ("module", "enrolment_history"), ("module", "completions"),
                         ("module", "certificates"), ("kompetenzen", "evidence"), ("instrumente", "bookmarks"),
                         ("beratung", "consultations_booked"), ("kalender", "calendar_feeds"),
                         ("notifications", "mails"), ("audit", "entries"), ("auth", "sign_ins")]:
        assert data[section][key], f"{section}.{key} is empty"
    assert data["auth"]["account"]["email"] == person.email and data["auth"]["account"]["organisation"] == \
        "Jugendamt Dresden"
    own = [entry for entry in data["beratung"]["consultations_booked"] if entry["id"] == people["own"]]
    assert own[0]["case"]["vignette"] == OWN_CASE
    assert OTHER_CASE.encode() not in raw and b"Kiwi-Elf" not in raw
    assert "Okapi-Sieben" in summary and person.name in summary
    assert all(heading in summary for heading in ("Gebuchte Beratungen", "Bescheinigungen", "Merkliste"))
    assert all(set(feed) == {"scope", "created_at", "revoked_at"} for feed in data["kalender"]["calendar_feeds"])
    assert any(entry["action"] == "user.sector" for entry in data["audit"]["entries"])


def test_an_expert_s_archive_lists_the_consultations_she_gave_without_the_bookers_case_text(client, people):
    login_as(client, people["expert"])
    data, summary, raw = _open(client.get("/konto/meine-daten"))
    given = {entry["id"] for entry in data["beratung"]["consultations_given"]}
    assert {people["own"], people["other"]} <= given
    assert data["beratung"]["expert_profile"]["published"] is True and data["beratung"]["availability"]
    assert b"Okapi-Sieben" not in raw and b"Kiwi-Elf" not in raw


def reads_of(consultation_id) -> list:
    return db.session.scalars(select(CaseAccess.user_id).where(CaseAccess.consultation_id == consultation_id,
                                                               CaseAccess.action == "read")).all()


def test_an_admin_s_archive_holds_her_bookings_without_case_text_and_is_in_the_audit_trail(client, people):
    admin, person = people["admin"], people["person"]
    login_as(client, admin)
    data, _summary, raw = _open(client.get(f"/verwaltung/konten/{person.id}/datenschutz/personendaten.zip"))
    own = [entry for entry in data["beratung"]["consultations_booked"] if entry["id"] == people["own"]]
    assert own and own[0]["case"] is None and b"Okapi-Sieben" not in raw
    db.session.expire_all()
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "person.export")).one()
    assert (entry.actor_id, entry.subject_user_id) == (admin.id, person.id)
    assert reads_of(people["own"]) == []  # nobody read the case for it


def test_her_own_archive_reads_her_case_text_through_the_access_log(client, people):
    person = people["person"]
    login_as(client, person)
    _open(client.get("/konto/meine-daten"))
    db.session.expire_all()
    assert reads_of(people["own"]) == [person.id]


@pytest.mark.parametrize("role", ["coordinator", "partner", "trainer", "expert"])
def test_only_admins_export_another_person_s_data(client, create_user, people, role):
    login_as(client, create_user(role))
    person = people["person"]
    assert client.get(f"/verwaltung/konten/{person.id}/datenschutz/personendaten.zip").status_code == 403
    assert client.get(f"/verwaltung/konten/{person.id}/datenschutz").status_code == 403


def test_an_unknown_account_is_404_and_a_visitor_signs_in_first(client, people):
    assert client.get("/konto/meine-daten").status_code == 302
    login_as(client, people["admin"])
    assert client.get("/verwaltung/konten/999999/datenschutz").status_code == 404
    assert client.get("/verwaltung/konten/999999/datenschutz/personendaten.zip").status_code == 404


def test_the_command_writes_the_same_archive_and_leaves_an_entry(app, people, tmp_path):
    from lms.cli import main

    out = tmp_path / "auskunft.zip"
    result = app.test_cli_runner().invoke(main, ["person", "export", people["person"].email, "--out", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        data = json.loads(archive.read("person.json"))
    assert data["auth"]["account"]["email"] == people["person"].email and data["module"]["certificates"]
    db.session.expire_all()
    assert db.session.scalars(select(AuditEntry.actor_id).where(AuditEntry.action == "person.export")).all() == [None]
    unknown = app.test_cli_runner().invoke(main, ["person", "export", "niemand@example.org"])
    assert unknown.exit_code != 0 and "Kein Konto" in unknown.output
