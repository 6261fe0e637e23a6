"""The directory: institutions kept by the coordinators of the regions they serve, binding contacts
with a reachable channel and a visibility per field, found by a German-aware search."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.errors import PermissionDenied
from lms.extensions import db
from lms.netzwerk import directory, queries, upkeep
from lms.netzwerk.directory import ContactInput
from lms.netzwerk.models import BindingContact, Institution
from lms.netzwerk.services import FieldRefused
from lms.notifications.models import OutboxMessage
from tests.conftest import login_as


def contact(institution, actor, now, **changes):
    data = dict(topic="Kinderschutzfachkraft nach § 8a", name="Frau Beispiel", phone="0351 000 4001",
                phone_visibility="internal", mailbox="kinderschutz@example.org", mailbox_visibility="public")
    data.update(changes)
    saved = directory.save_contact(actor, institution, None, ContactInput(**data), now=now)
    db.session.commit()
    return saved


def test_a_coordinator_keeps_the_institutions_of_her_region_only(institution, keeper, create_user, create_region,
                                                                 now):
    elsewhere = create_region("Leipzig")
    with pytest.raises(FieldRefused, match="Ihre eigene Region muss dabei sein") as refused:
        institution(regions=[elsewhere.id])
    assert refused.value.form_field == "region_ids"
    db.session.rollback()
    foreign = institution("Kita Leipzig", actor=create_user("admin"), regions=[elsewhere.id])
    assert not foreign.can_edit(keeper) and foreign.can_edit(create_user("coordinator", region=elsewhere))
    with pytest.raises(PermissionDenied):
        contact(foreign, keeper, now)
    db.session.rollback()
    with pytest.raises(PermissionDenied):
        institution(actor=create_user("partner", region=keeper.region))


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"phone": "", "mailbox": ""}, "phone", "Telefonnummer oder ein Funktionspostfach"),
    ({"phone": "0170 000 1234", "phone_personal": True, "phone_visibility": "public"}, "phone_visibility",
     "persönliche Nummer wird nie öffentlich"),
    ({"mailbox": "kein-postfach"}, "mailbox", "E-Mail-Adresse"),
    ({"phone": "ruf an"}, "phone", "Telefonnummer aus Ziffern"),
    ({"topic": " "}, "topic", "Thema"),
])
def test_a_contact_needs_a_reachable_channel_and_a_personal_number_is_never_public(institution, keeper, now,
                                                                                   changes, field, message):
    kita = institution()
    with pytest.raises(FieldRefused, match=message) as refused:
        contact(kita, keeper, now, **changes)
    assert refused.value.form_field == field
    db.session.rollback()
    assert db.session.scalar(select(func.count(BindingContact.id))) == 0


def test_each_field_shows_by_its_visibility(client, institution, keeper, create_user, now):
    kita = institution()
    contact(kita, keeper, now)  # phone internal, mailbox public
    member = create_user("partner", region=keeper.region)
    kita.members.append(member)
    db.session.commit()
    path = f"/netzwerk/einrichtungen/{kita.id}"
    visitor = client.get(path).get_data(as_text=True)
    assert "kinderschutz@example.org" in visitor and "0351 000 4001" not in visitor
    login_as(client, create_user("partner", region=keeper.region))
    assert "0351 000 4001" not in client.get(path).get_data(as_text=True)
    for person in (member, keeper):
        own = client.application.test_client()
        login_as(own, person)
        assert 'href="tel:03510004001"' in own.get(path).get_data(as_text=True)


def test_members_only_institutions_are_404_for_visitors_and_left_out_of_their_directory(client, institution,
                                                                                          create_user):
    hidden = institution("Beratungsstelle Intern", kind="counselling", sector="counselling", visibility="members")
    assert client.get(f"/netzwerk/einrichtungen/{hidden.id}").status_code == 404
    assert "Beratungsstelle Intern" not in client.get("/netzwerk").get_data(as_text=True)
    login_as(client, create_user("partner"))
    assert "Beratungsstelle Intern" in client.get("/netzwerk").get_data(as_text=True)


def test_the_search_finds_inflected_words_and_the_filters_narrow_it(institution, region, create_region,
                                                                   create_user):
    institution("Kita Regenbogen", description="Kinderschutzfachkraft für Kindertagesstätten")
    institution("Grundschule am Park", kind="school", sector="education", description="Schulsozialarbeit")
    other = create_region("Leipzig")
    institution("Klinikum Leipzig", kind="medical", sector="health", description="Kinderschutzgruppe",
                actor=create_user("admin"), regions=[other.id])

    def names(**filters):
        query = queries.directory_query(queries.DirectoryFilter(**filters), signed_in=True)
        return [found.name for found in db.session.scalars(query)]

    assert names(q="Kindertagesstätte") == ["Kita Regenbogen"]
    assert names(q="kinderschutz") == ["Kita Regenbogen", "Klinikum Leipzig"]
    assert names(sector="education") == ["Grundschule am Park"]
    assert names(region_id=other.id) == ["Klinikum Leipzig"]
    assert names(kind="kita", q="Schule") == []


@pytest.mark.parametrize(("role", "status"), [("partner", 403), ("trainer", 403), ("expert", 403),
                                              ("coordinator", 200), ("admin", 200)])
def test_only_keepers_open_the_forms(client, create_user, region, role, status):
    login_as(client, create_user(role, region=region))
    assert client.get("/netzwerk/einrichtungen/neu").status_code == status


def test_the_forms_re_render_with_the_message_and_save_nothing_half(client, keeper, region, institution):
    login_as(client, keeper)
    page = client.post("/netzwerk/einrichtungen/neu", data={"name": "Kita", "sector": "youth_welfare",
                                                            "kind": "kita", "visibility": "public"})
    assert page.status_code == 422 and "mindestens eine Region" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Institution.id))) == 0
    kita = institution()
    page = client.post(f"/netzwerk/einrichtungen/{kita.id}/ansprechpersonen/neu", data={
        "topic": "§ 8a", "name": "Frau B.", "phone": "", "mailbox": "", "phone_visibility": "members",
        "mailbox_visibility": "public"})
    assert page.status_code == 422 and "Funktionspostfach" in page.get_data(as_text=True)
    saved = client.post(f"/netzwerk/einrichtungen/{kita.id}/ansprechpersonen/neu", data={
        "topic": "§ 8a", "name": "Frau B.", "phone": "0351 000 1", "mailbox": "", "phone_visibility": "members",
        "mailbox_visibility": "public"})
    assert saved.status_code == 302 and db.session.scalar(select(func.count(BindingContact.id))) == 1


def test_the_directory_runs_the_same_statements_for_few_and_many_institutions(client, institution, create_user,
                                                                              count_queries):
    login_as(client, create_user("partner"))
    counts = []
    for many in (2, 25):
        for index in range(many):
            institution(f"Einrichtung {many}-{index}")
        with count_queries() as statements:
            assert client.get("/netzwerk").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


# --- keeping entries current --------------------------------------------------------------------

def test_a_stale_institution_and_contact_ask_their_owner_once_even_across_a_restart(institution, keeper, now):
    kita = institution()
    stale = contact(kita, keeper, now - timedelta(days=200))
    contact(kita, keeper, now, topic="Ansprechperson Schule–Jugendhilfe")  # fresh: nothing to ask
    kita.confirmed_at = now - timedelta(days=190)
    db.session.commit()
    kita_id, stale_id, email = kita.id, stale.id, keeper.email
    assert upkeep.ask_owners_to_confirm(now=now) == 2
    db.session.commit()
    db.session.remove()  # a new scheduler process reads only what is stored
    assert upkeep.ask_owners_to_confirm(now=now + timedelta(hours=1)) == 0
    mails = {mail.subject: mail for mail in db.session.scalars(select(OutboxMessage))}
    assert {mail.recipient for mail in mails.values()} == {email}
    assert set(mails) == {"Stimmen die Angaben noch? Kita Regenbogen",
                          "Stimmt die Ansprechperson noch? Kinderschutzfachkraft nach § 8a"}
    about_contact = mails["Stimmt die Ansprechperson noch? Kinderschutzfachkraft nach § 8a"].body
    assert f"/netzwerk/ansprechpersonen/{stale_id}\n" in about_contact and "Frau Beispiel" in about_contact
    assert f"/netzwerk/einrichtungen/{kita_id}/bearbeiten" in mails["Stimmen die Angaben noch? Kita Regenbogen"].body


def test_unconfirmed_after_the_grace_until_a_keeper_confirms_and_only_keepers_may(institution, keeper, create_user,
                                                                                    create_region, now):
    kita = institution()
    stale = contact(kita, keeper, now - timedelta(days=183 + 14))
    after, grace = upkeep.confirm_periods()
    assert stale.is_unconfirmed(now, after=after, grace=grace)
    assert not stale.is_unconfirmed(now - timedelta(days=1), after=after, grace=grace)
    for stranger in (create_user("coordinator", region=create_region("Leipzig")),
                     create_user("partner", region=keeper.region)):
        with pytest.raises(PermissionDenied):
            upkeep.confirm(stranger, stale, now=now)
    stale.reminded_at = now - timedelta(days=14)
    colleague = create_user("coordinator", region=keeper.region)
    upkeep.confirm(colleague, stale, now=now)
    assert (stale.owner_id, stale.confirmed_at, stale.reminded_at) == (colleague.id, now, None)
    assert not stale.is_unconfirmed(now, after=after, grace=grace)


def test_when_the_owner_has_left_the_coordinators_of_the_institutions_regions_are_asked(
        institution, keeper, create_user, create_region, now):
    kita = institution()
    contact(kita, keeper, now - timedelta(days=200))
    colleague = create_user("coordinator", region=keeper.region)
    create_user("coordinator", region=create_region("Leipzig"))  # another region's: not asked
    keeper.active = False
    db.session.commit()
    assert upkeep.ask_owners_to_confirm(now=now) == 1
    assert [mail.recipient for mail in db.session.scalars(select(OutboxMessage))] == [colleague.email]


def test_the_pages_mark_what_is_unconfirmed_and_confirm_it_with_a_post(client, institution, keeper, create_user,
                                                                       create_region, now):
    kita = institution()
    stale = contact(kita, keeper, now - timedelta(days=300))
    page = client.get(f"/netzwerk/einrichtungen/{kita.id}").get_data(as_text=True)
    assert "nicht bestätigt" in page and "zuletzt bestätigt am" in page
    login_as(client, create_user("coordinator", region=create_region("Leipzig")))
    assert client.post(f"/netzwerk/ansprechpersonen/{stale.id}/bestaetigen").status_code == 403
    assert client.post(f"/netzwerk/einrichtungen/{kita.id}/bestaetigen").status_code == 403
    own = client.application.test_client()
    login_as(own, keeper)
    form = own.get(f"/netzwerk/ansprechpersonen/{stale.id}").get_data(as_text=True)
    assert "Unverändert bestätigen" in form and "nicht bestätigt" in form
    assert own.post(f"/netzwerk/ansprechpersonen/{stale.id}/bestaetigen").status_code == 302
    db.session.refresh(stale)
    assert stale.confirmed_at == now
    assert "nicht bestätigt" not in own.get(f"/netzwerk/einrichtungen/{kita.id}").get_data(as_text=True)
