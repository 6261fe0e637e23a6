"""The audit trail of administrative actions: each action writes one entry in the transaction of the
change, a refused one writes none, entries cannot be changed or deleted through the app, the
retention purge removes only old ones, and admins alone read the trail, filtered and paged."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms import audit
from lms.audit import AppendOnly, AuditEntry
from lms.auth import services as auth_services
from lms.errors import Conflict
from lms.extensions import db
from lms.kompetenzen import services as competence_services
from lms.legal import services as legal_services
from tests.conftest import FIXED_NOW, login_as


def entries() -> list[tuple]:
    return [(entry.action, entry.actor_id, entry.subject_user_id)
            for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


@pytest.fixture
def admin(create_user):
    return create_user("admin", name="Anna Admin")


def test_an_account_edit_writes_one_entry_per_change_and_none_for_what_stayed(client, admin, create_user,
                                                                             create_region):
    person, region = create_user("partner", name="Paul Partner", sector="health"), create_region("Leipzig")
    login_as(client, admin)
    response = client.post(f"/verwaltung/konten/{person.id}", data={
        "name": person.name, "roles": ["partner", "expert"], "region": str(region.id), "sector": "health",
        "organisation": "", "active": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert entries() == [("user.roles", admin.id, person.id), ("user.region", admin.id, person.id)]
    roles = db.session.scalars(select(AuditEntry)).first().details
    assert roles == {"old": ["partner"], "new": ["expert", "partner"]}

    client.post(f"/verwaltung/konten/{person.id}", data={
        "name": person.name, "roles": ["partner", "expert"], "region": str(region.id), "sector": "health",
        "organisation": ""})  # "active" unticked
    db.session.expire_all()
    assert entries()[2:] == [("user.deactivate", admin.id, person.id)]


def test_a_refused_account_edit_writes_nothing(client, admin):
    login_as(client, admin)
    response = client.post(f"/verwaltung/konten/{admin.id}", data={
        "name": "Anna Admin", "roles": ["coordinator"], "region": "", "sector": "", "organisation": "", "active": "y"})
    assert response.status_code in (200, 409, 422)
    db.session.expire_all()
    assert entries() == []
    with pytest.raises(Conflict):
        auth_services.update_account(admin, admin, name="A", roles=["coordinator"], region=None, sector=None,
                                     organisation=None, active=True, now=FIXED_NOW)
    assert entries() == []


def test_invitations_regions_targets_framework_and_legal_texts_each_write_one_entry(admin, framework,
                                                                                   create_region):
    invitation = auth_services.invite(admin, email="neu@example.org", name="Nora Neu", roles=["partner"],
                                      region=None, sector=None, now=FIXED_NOW)
    auth_services.revoke_invitation(admin, invitation, now=FIXED_NOW)
    auth_services.create_region(admin, name="Zwickau", kind="district", now=FIXED_NOW)
    competence, region = framework["A1"], create_region("Plauen")
    for level in (2, 2, None):  # a regional override set, saved again unchanged (no entry), removed
        competence_services.set_target(admin, competence, level=level, region_id=region.id, now=FIXED_NOW)
    competence_services.edit_competence(admin, competence, name="Neu benannt", dimension=competence.dimension,
                                        descriptors=[competence.descriptor(level) for level in range(1, 5)], validity_months=None,
                                        note="Klarer benannt", now=FIXED_NOW)
    legal_services.save(admin, "impressum", "# Impressum\n\nJugendamt", now=FIXED_NOW)
    assert [action for action, _, _ in entries()] == [
        "user.invite", "invitation.revoke", "region.create", "targets.change", "targets.change", "framework.change",
        "legal.change"]
    assert {actor for _, actor, _ in entries()} == {admin.id}


def test_exporting_a_participant_list_writes_an_entry_with_format_and_count(client, trainer, create_offering,
                                                                             create_user):
    from lms.module import services as module_services

    offering = create_offering()
    module_services.enrol(create_user(), offering, actor=trainer, now=FIXED_NOW - timedelta(days=30))
    db.session.commit()
    login_as(client, trainer)
    for suffix in ("teilnehmende.xlsx", "teilnehmende.csv"):
        assert client.get(f"/qualifizierung/verwaltung/angebote/{offering.id}/{suffix}").status_code == 200
    db.session.expire_all()
    rows = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert [(row.action, row.actor_id, row.subject_type, row.subject_id, row.details) for row in rows] == [
        ("participants.export", trainer.id, "offering", offering.id, {"format": kind, "people": 1})
        for kind in ("xlsx", "csv")]


def test_entries_cannot_be_changed_or_deleted_through_the_app(admin):
    entry = audit.record(admin, "region.create", now=FIXED_NOW, name="Zwickau")
    db.session.commit()
    entry.details = {"name": "Plauen"}
    with pytest.raises(AppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(AppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(AuditEntry, entry.id).details == {"name": "Zwickau"}


def test_an_unknown_action_is_refused(admin):
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record(admin, "user.rolse", now=FIXED_NOW)


def test_purge_removes_only_entries_past_their_period(admin):
    for days in (800, 731, 729, 1):
        audit.record(admin, "region.create", now=FIXED_NOW - timedelta(days=days), days=days)
    db.session.commit()
    assert audit.purge(now=FIXED_NOW, days=730) == 2
    db.session.commit()
    assert sorted(entry.details["days"] for entry in db.session.scalars(select(AuditEntry))) == [1, 729]


@pytest.mark.parametrize("role", ["coordinator", "partner", "trainer", "expert"])
def test_only_admins_read_the_trail(client, create_user, role):
    login_as(client, create_user(role))
    assert client.get("/verwaltung/protokoll").status_code == 403


def test_visitors_are_sent_to_sign_in(client):
    response = client.get("/verwaltung/protokoll")
    assert response.status_code == 302 and "/anmelden" in response.headers["Location"]


def _fill(admin, people, count):
    for number in range(count):
        person = people[number % len(people)]
        audit.record(admin, "user.roles" if number % 2 else "user.region", now=FIXED_NOW - timedelta(hours=number),
                     subject=person, about=person, old=None, new=number)
    db.session.commit()


def test_the_trail_filters_by_action_person_and_days(client, admin, create_user):
    paula, petra = create_user("partner", name="Paula Partnerin"), create_user("partner", name="Petra Prüfer")
    _fill(admin, [paula, petra], 6)
    audit.record(admin, "legal.change", now=FIXED_NOW - timedelta(days=3), page="impressum")
    db.session.commit()
    login_as(client, admin)
    page = client.get("/verwaltung/protokoll").get_data(as_text=True)
    assert page.count('<tr class="kern-table__row">') == 1 + 7 and "Paula Partnerin" in page
    page = client.get("/verwaltung/protokoll?aktion=user.roles").get_data(as_text=True)
    assert page.count("Rollen geändert") == 3 + 1  # three rows and the filter's option
    page = client.get("/verwaltung/protokoll?person=petra").get_data(as_text=True)
    assert page.count('<tr class="kern-table__row">') == 1 + 3 and "Paula Partnerin" not in page
    page = client.get(f"/verwaltung/protokoll?konto={paula.id}").get_data(as_text=True)
    assert page.count('<tr class="kern-table__row">') == 1 + 3 and "Petra Prüfer" not in page
    day = (FIXED_NOW - timedelta(days=3)).date().isoformat()
    page = client.get(f"/verwaltung/protokoll?von={day}&bis={day}").get_data(as_text=True)
    assert page.count('<tr class="kern-table__row">') == 1 + 1 and "impressum" in page
    page = client.get("/verwaltung/protokoll?von=kein-datum&aktion=erfunden").get_data(as_text=True)
    assert page.count('<tr class="kern-table__row">') == 1 + 7  # a wrong filter value filters nothing


def test_the_trail_pages_with_a_fixed_number_of_statements(client, admin, create_user, count_queries):
    people = [create_user("partner") for _ in range(4)]
    login_as(client, admin)
    counts = []
    for total in (5, 60):
        _fill(admin, people, total - db.session.scalar(select(func.count()).select_from(AuditEntry)))
        with count_queries() as statements:
            page = client.get("/verwaltung/protokoll").get_data(as_text=True)
        counts.append(len(statements))
        assert page.count('<tr class="kern-table__row">') == 1 + min(total, 50)
    assert counts[0] == counts[1], counts
    assert "Nächste Seite" in page
    assert client.get("/verwaltung/protokoll?page=2").get_data(as_text=True).count('<tr class="kern-table__row">') == 11
