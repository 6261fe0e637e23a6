"""Erasure of an account by the written rules: what is hers goes, what the network must keep stays
with a pseudonym, certificates stay verifiable, the account never signs in again and its feeds die."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.audit import AuditEntry
from lms.auth.models import LoginSession, User, UserRole
from lms.beratung.models import CaseContent, CaseKey, Consultation
from lms.datenschutz import erasure
from lms.datenschutz.rules import RULES
from lms.errors import Conflict, PermissionDenied
from lms.extensions import db
from lms.instrumente.models import Bookmark
from lms.kalender import services as calendar_services
from lms.kalender.models import FeedToken
from lms.kompetenzen.models import Evidence
from lms.module.models import Certificate, Completion, Enrolment
from lms.notifications.models import OutboxMessage
from lms.privacy import Erasure
from tests.conftest import FIXED_NOW, login_as


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_erasure_deletes_what_is_hers_and_keeps_the_record_pseudonymised(client, app, people):
    person, admin = people["person"], people["admin"]
    feed = calendar_services.token_value(calendar_services.ensure_token(person, now=FIXED_NOW))
    certificates = db.session.scalars(select(Certificate).where(Certificate.user_id == person.id)).all()
    completions = count(Completion, Completion.user_id == person.id)
    assert certificates and completions and count(Enrolment, Enrolment.user_id == person.id)
    db.session.commit()
    person_id, email, name = person.id, person.email, person.name

    login_as(client, admin)
    response = client.post(f"/verwaltung/konten/{person_id}/datenschutz", data={"email": email.upper()})
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, person_id)
    assert user.name == f"Gelöschtes Konto {person_id:05d}" and user.email.endswith("@konto.invalid")
    assert (user.active, user.erased_at, user.region_id, user.organisation) == (False, FIXED_NOW, None, None)
    for model, column in ((Enrolment, Enrolment.user_id), (Evidence, Evidence.user_id),
                          (Bookmark, Bookmark.user_id), (FeedToken, FeedToken.user_id),
                          (LoginSession, LoginSession.user_id), (UserRole, UserRole.user_id)):
        assert count(model, column == person_id) == 0, model.__name__
    assert count(OutboxMessage, OutboxMessage.recipient == email) == 0
    own = db.session.get(Consultation, people["own"])
    assert own.booker_id == person_id and own.case_erased_at == FIXED_NOW  # metadata stays, case text goes
    assert db.session.get(CaseContent, own.id) is None and db.session.get(CaseKey, own.id) is None
    assert db.session.get(CaseContent, people["other"]) is not None  # another person's booking keeps its case
    assert count(Completion, Completion.user_id == person_id) == completions  # statistics, now pseudonymous
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "account.erase")).one()
    assert (entry.actor_id, entry.subject_user_id) == (admin.id, person_id)

    visitor = app.test_client()
    for certificate in certificates:  # the frozen record: still verifiable with the name printed on it
        page = visitor.post("/nachweis", data={"number": certificate.number, "name": name})
        assert "echt und gültig" in page.get_data(as_text=True)
    assert visitor.get(f"/kalender/{feed}.ics").status_code in (404, 410)
    response = visitor.post("/anmelden", data={"email": email, "password": "Demo-Passwort-1"})
    assert "Passwort ist nicht korrekt" in response.get_data(as_text=True)  # as for any wrong password
    visitor.post("/passwort-vergessen", data={"email": email})
    assert count(OutboxMessage, OutboxMessage.recipient == email) == 0


def test_the_erase_form_wants_the_account_s_address_and_saves_nothing_otherwise(client, people):
    person = people["person"]
    login_as(client, people["admin"])
    response = client.post(f"/verwaltung/konten/{person.id}/datenschutz", data={"email": "falsch@example.org"})
    assert response.status_code == 422
    assert "stimmt nicht mit der des Kontos überein" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, person.id).erased_at is None and count(AuditEntry, AuditEntry.action ==
                                                                       "account.erase") == 0


def test_an_erased_account_is_gone_from_the_admin_pages_and_cannot_be_changed(client, people):
    person, admin = people["person"], people["admin"]
    erasure.erase_account(admin, person, now=FIXED_NOW)
    db.session.commit()
    login_as(client, admin)
    assert client.get(f"/verwaltung/konten/{person.id}/datenschutz").status_code == 404
    with pytest.raises(Conflict):
        erasure.erase_account(admin, person, now=FIXED_NOW)
    from lms.auth.services import update_account

    with pytest.raises(Conflict):
        update_account(admin, person, name="Zurück", roles=["coordinator"], region=None, sector=None,
                       organisation=None, active=True, now=FIXED_NOW)


def test_the_last_admin_cannot_be_erased_and_others_may_not_erase(create_user):
    admin, other = create_user("admin"), create_user("coordinator")
    with pytest.raises(Conflict, match="letzte aktive Administrationskonto"):
        erasure.erase_account(admin, admin, now=FIXED_NOW)
    with pytest.raises(PermissionDenied):
        erasure.erase_account(other, admin, now=FIXED_NOW)


def test_self_erasure_only_where_the_installation_allows_it(client, app, create_user):
    person = create_user("partner")
    login_as(client, person)
    assert client.get("/konto/loeschen").status_code == 404
    assert "Konto löschen" not in client.get("/konto").get_data(as_text=True)
    app.config["ACCOUNT_SELF_ERASURE"] = True
    assert "Konto löschen" in client.get("/konto").get_data(as_text=True)
    response = client.post("/konto/loeschen", data={"email": person.email})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, person.id).erased_at is not None
    assert client.get("/konto").status_code == 302  # signed out


def test_parallel_erasures_of_one_account_erase_it_once(app, create_user):
    from tests.conftest import in_parallel

    admin, person = create_user("admin"), create_user("partner")
    db.session.commit()
    admin_id, person_id = admin.id, person.id
    errors = in_parallel(app, [lambda: erasure.erase_account(db.session.get(User, admin_id),
                                                             db.session.get(User, person_id), now=FIXED_NOW)
                               for _ in range(3)])
    assert len(errors) == 2 and all("bereits gelöscht" in error for error in errors), errors
    assert count(AuditEntry, AuditEntry.action == "account.erase") == 1


def test_deactivated_accounts_are_erased_after_their_period(app, create_user):
    from lms.auth.services import update_account

    admin = create_user("admin")
    long_ago, lately = create_user("partner"), create_user("partner")
    for person, days in ((long_ago, 366), (lately, 364)):
        update_account(admin, person, name=person.name, roles=["partner"], region=None, sector=None,
                       organisation=None, active=False, now=FIXED_NOW - timedelta(days=days))
    db.session.commit()
    assert erasure.erase_deactivated_accounts(now=FIXED_NOW) == 1
    db.session.commit()
    assert db.session.get(User, long_ago.id).erased_at == FIXED_NOW and db.session.get(User, lately.id).erased_at is None
    app.config["RETENTION_DEACTIVATED_ACCOUNT_DAYS"] = 0
    assert erasure.erase_deactivated_accounts(now=FIXED_NOW + timedelta(days=400)) == 0


def test_every_table_has_exactly_one_rule(app):
    tables = sorted(table.name for table in db.metadata.sorted_tables)
    ruled = sorted(rule.table for rule in RULES)
    assert ruled == tables
    pointing_to_people = {table.name for table in db.metadata.sorted_tables
                          if any(key.column.table.name == "user" for key in table.foreign_keys)}
    assert all(rule.erasure != Erasure.NONE for rule in RULES if rule.table in pointing_to_people)
    assert all(app.config.get(rule.retention_key) is not None for rule in RULES if rule.retention_key)


def test_the_command_erases_only_when_confirmed(app, create_user):
    from lms.cli import main

    create_user("admin")
    person = create_user("partner")
    db.session.commit()
    refused = app.test_cli_runner().invoke(main, ["person", "erase", person.email])
    assert refused.exit_code != 0 and "--yes" in refused.output
    done = app.test_cli_runner().invoke(main, ["person", "erase", person.email, "--yes"])
    assert done.exit_code == 0, done.output
    db.session.expire_all()
    assert db.session.get(User, person.id).erased_at is not None


def test_the_documentation_names_every_table_s_rule():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "privacy.md").read_text()
    assert [rule.table for rule in RULES if f"| `{rule.table}` |" not in text] == []
