"""An institution's own people: its keepers add and remove them (a person's sector can follow the
institution), they see the network-internal fields, and they propose changes that a keeper accepts
or declines; nobody else proposes."""
import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.errors import Conflict, PermissionDenied
from lms.extensions import db
from lms.netzwerk import directory, proposals
from lms.netzwerk.models import Institution, InstitutionProposal, ProposalState
from lms.netzwerk.proposals import ProposalInput
from lms.netzwerk.services import FieldRefused
from lms.notifications.models import OutboxMessage
from tests.conftest import in_parallel, login_as


@pytest.fixture
def kita(institution):
    return institution("Kita Regenbogen")


@pytest.fixture
def member(kita, keeper, create_user, region):
    person = create_user("partner", region=region, sector="health", email="erzieherin@example.org")
    directory.add_member(keeper, kita, person.email, follow=False)
    db.session.commit()
    return person


def test_keepers_add_existing_accounts_once_and_the_sector_may_follow(kita, keeper, create_user, region):
    person = create_user("partner", region=region, sector="health")
    for email, message in (("niemand@example.org", "kein aktives Konto"),
                           (create_user("partner", active=False).email, "kein aktives Konto")):
        with pytest.raises(FieldRefused, match=message):
            directory.add_member(keeper, kita, email, follow=True)
    directory.add_member(keeper, kita, person.email.upper(), follow=True)
    db.session.commit()
    assert kita.is_member(person) and (person.sector, person.organisation) == ("youth_welfare", "Kita Regenbogen")
    with pytest.raises(FieldRefused, match="gehört schon zu dieser Einrichtung"):
        directory.add_member(keeper, kita, person.email, follow=False)
    with pytest.raises(PermissionDenied):
        directory.add_member(create_user("partner", region=region), kita, person.email, follow=False)
    colleague = create_user("coordinator", region=region, sector="health")
    with pytest.raises(FieldRefused, match="nur bei Netzwerkpartner") as refused:  # staff accounts keep their own
        directory.add_member(keeper, kita, colleague.email, follow=True)
    assert refused.value.form_field == "follow" and colleague.sector == "health"
    directory.remove_member(keeper, kita, person)
    db.session.commit()
    assert not kita.is_member(person)


def test_a_member_proposes_a_change_and_a_keeper_takes_it_over(kita, keeper, member, now):
    with pytest.raises(FieldRefused, match="ändert nichts"):
        proposals.propose(member, kita, ProposalInput(name=kita.name, description=kita.description), now=now)
    with pytest.raises(FieldRefused, match="https://"):
        proposals.propose(member, kita, ProposalInput(name=kita.name, website="kita.example.org"), now=now)
    proposal = proposals.propose(member, kita, ProposalInput(
        name="Kita Regenbogen gGmbH", address="Neue Straße 1, Dresden", description=kita.description,
        note="Wir sind umgezogen."), now=now)
    db.session.commit()
    assert [name for name, _before, _after in proposal.changes()] == ["name", "address"]
    assert kita.name == "Kita Regenbogen"  # nothing changes before a keeper accepts
    proposals.accept(keeper, proposal, now=now)
    db.session.commit()
    db.session.refresh(kita)
    assert (kita.name, kita.address, kita.owner_id, kita.confirmed_at) == (
        "Kita Regenbogen gGmbH", "Neue Straße 1, Dresden", keeper.id, now)
    assert proposal.state == ProposalState.ACCEPTED and proposal.decided_by_id == keeper.id
    mail = db.session.scalar(select(OutboxMessage))
    assert mail.recipient == member.email and mail.subject == "Ihr Vorschlag ist übernommen: Kita Regenbogen gGmbH"
    with pytest.raises(Conflict, match="inzwischen entschieden"):
        proposals.decline(keeper, proposal, reason="Doch nicht", now=now)


def test_a_declined_proposal_tells_its_author_why_and_changes_nothing(kita, keeper, member, now):
    proposal = proposals.propose(member, kita, ProposalInput(name="Kita Sonnenschein"), now=now)
    with pytest.raises(FieldRefused, match="warum"):
        proposals.decline(keeper, proposal, reason=" ", now=now)
    proposals.decline(keeper, proposal, reason="Der Träger heißt weiter so.", now=now)
    db.session.commit()
    assert kita.name == "Kita Regenbogen" and proposal.state == ProposalState.DECLINED
    assert "Der Träger heißt weiter so." in db.session.scalar(select(OutboxMessage.body))


def test_only_the_institutions_own_people_propose_and_only_its_keepers_decide(kita, keeper, member, institution,
                                                                             create_user, create_region, region, now):
    other = institution("Klinikum Dresden", kind="medical", sector="health")
    for person, place in ((member, other), (create_user("partner", region=region), kita), (keeper, kita)):
        with pytest.raises(PermissionDenied):
            proposals.propose(person, place, ProposalInput(name="Neu"), now=now)
    proposal = proposals.propose(member, kita, ProposalInput(name="Kita Neu"), now=now)
    for stranger in (member, create_user("coordinator", region=create_region("Leipzig"))):
        with pytest.raises(PermissionDenied):
            proposals.accept(stranger, proposal, now=now)


def test_of_two_keepers_deciding_at_once_one_gets_through(app, kita, keeper, member, create_user, now):
    proposal_id = proposals.propose(member, kita, ProposalInput(name="Kita Neu"), now=now).id
    colleague_id = create_user("coordinator", region=keeper.region).id
    keeper_id, kita_id = keeper.id, kita.id
    db.session.commit()
    db.session.remove()

    def accept(user_id):
        return lambda: proposals.accept(db.session.get(User, user_id), db.session.get(InstitutionProposal, proposal_id),
                                        now=now)

    def decline(user_id):
        return lambda: proposals.decline(db.session.get(User, user_id),
                                         db.session.get(InstitutionProposal, proposal_id), reason="Nein", now=now)

    errors = in_parallel(app, [accept(keeper_id), decline(colleague_id)])
    assert len(errors) == 1 and "Conflict" in errors[0]
    state = db.session.get(InstitutionProposal, proposal_id).state
    name = db.session.scalar(select(Institution.name).where(Institution.id == kita_id))
    assert (state, name) in {(ProposalState.ACCEPTED, "Kita Neu"), (ProposalState.DECLINED, "Kita Regenbogen")}
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1


def test_the_pages_offer_proposing_to_members_and_deciding_to_keepers(client, kita, keeper, member, create_user,
                                                                      region):
    path = f"/netzwerk/einrichtungen/{kita.id}"
    login_as(client, member)
    assert "Änderung vorschlagen" in client.get(path).get_data(as_text=True)
    assert "Personen der Einrichtung" not in client.get(path).get_data(as_text=True)
    page = client.post(f"{path}/vorschlag", data={"name": "", "note": "umbenannt"})
    assert page.status_code == 422 and "Namen der Einrichtung" in page.get_data(as_text=True)
    assert client.post(f"{path}/vorschlag", data={"name": "Kita Regenbogen gGmbH"}).status_code == 302
    stranger = client.application.test_client()
    login_as(stranger, create_user("partner", region=region))
    assert stranger.get(f"{path}/vorschlag").status_code == 403
    assert stranger.post(f"{path}/personen", data={"email": member.email}).status_code == 403
    own = client.application.test_client()
    login_as(own, keeper)
    page = own.get(path).get_data(as_text=True)
    assert "Vorschläge der Einrichtung" in page and "Kita Regenbogen gGmbH" in page and member.email in page
    proposal_id = db.session.scalar(select(InstitutionProposal.id))
    refused = own.post(f"/netzwerk/vorschlaege/{proposal_id}/ablehnen", data={f"vorschlag{proposal_id}-reason": ""})
    assert refused.status_code == 422 and "Begründung" in refused.get_data(as_text=True)
    assert own.post(f"/netzwerk/vorschlaege/{proposal_id}/uebernehmen").status_code == 302
    assert db.session.get(Institution, kita.id).name == "Kita Regenbogen gGmbH"
    missing = own.post(f"{path}/personen", data={"email": "niemand@example.org"})
    assert missing.status_code == 422 and "kein aktives Konto" in missing.get_data(as_text=True)


def test_the_start_page_tells_the_keepers_of_the_region_that_proposals_wait(client, kita, keeper, member,
                                                                              create_user, create_region, now):
    proposals.propose(member, kita, ProposalInput(name="Kita Neu"), now=now)
    db.session.commit()
    login_as(client, keeper)
    page = client.get("/").get_data(as_text=True)
    assert "Änderungsvorschläge für Einrichtungen (1)" in page and f"/netzwerk/einrichtungen/{kita.id}#vorschlaege" in page
    elsewhere = client.application.test_client()
    login_as(elsewhere, create_user("coordinator", region=create_region("Leipzig")))
    assert "Änderungsvorschläge" not in elsewhere.get("/").get_data(as_text=True)


def test_taking_a_proposal_over_keeps_what_a_keeper_changed_meanwhile(kita, keeper, member, now):
    proposal = proposals.propose(member, kita, ProposalInput(
        name=kita.name, opening_hours="Mo–Fr 7–17 Uhr", description=kita.description), now=now)
    assert proposal.proposed() == {"opening_hours": "Mo–Fr 7–17 Uhr"}
    kita.address = "Neue Straße 1"  # corrected by a keeper after the proposal came in
    db.session.commit()
    proposals.accept(keeper, proposal, now=now)
    db.session.commit()
    assert (kita.opening_hours, kita.address) == ("Mo–Fr 7–17 Uhr", "Neue Straße 1")


def test_a_decline_after_another_keeper_decided_says_so_and_leads_back(client, kita, keeper, member, now):
    proposal = proposals.propose(member, kita, ProposalInput(name="Kita Neu"), now=now)
    proposals.accept(keeper, proposal, now=now)
    db.session.commit()
    login_as(client, keeper)
    answer = client.post(f"/netzwerk/vorschlaege/{proposal.id}/ablehnen",
                         data={f"vorschlag{proposal.id}-reason": "Nein"}, follow_redirects=True)
    assert answer.status_code == 200 and "inzwischen entschieden" in answer.get_data(as_text=True)
