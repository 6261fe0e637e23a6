"""Sign-in through a real OpenID provider: accounts made just in time, linked, refreshed, refused."""
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from joserfc.jwk import RSAKey
from sqlalchemy import func, select

from lms.auth import services
from lms.auth.models import ExternalIdentity, Role, User
from lms.auth.sso import accounts
from lms.auth.sso.person import DirectoryPerson
from lms.extensions import db
from lms.notifications.models import OutboxMessage
from tests.conftest import FIXED_NOW, PASSWORD, in_parallel, login_as
from tests.sso.conftest import NAME, through_provider

COORDINATOR = {"email": "k.berg@lk-musterland.de", "email_verified": True, "name": "Katrin Berg",
               "groups": ["Kinderschutz-Koordination"], "region": "Landkreis Musterland", "sector": "youth_welfare"}


def test_a_first_sign_in_creates_the_account_with_roles_from_groups(app, client, oidc_server):
    oidc_server.accounts(kberg=COORDINATOR)
    answer, back = through_provider(client, "kberg")
    assert answer.status_code == 302 and answer.location == "/"
    user = db.session.scalar(select(User).where(User.email == "k.berg@lk-musterland.de"))
    assert user.name == "Katrin Berg" and user.roles == {Role.COORDINATOR} and user.directory == NAME
    assert user.password_hash == "" and user.sector == "youth_welfare"
    assert db.session.scalar(select(ExternalIdentity.subject).where(ExternalIdentity.user_id == user.id)) == "kberg"
    assert "Sie sind über Landes-Keycloak angemeldet" in client.get("/").get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 1


def _messages(client) -> str:
    return client.get("/anmelden").get_data(as_text=True)


def test_a_verified_address_links_an_existing_account_whose_password_then_ends(app, client, oidc_server,
                                                                               create_user):
    user = create_user("expert", email="k.berg@lk-musterland.de")
    oidc_server.accounts(kberg=COORDINATOR)
    answer, _ = through_provider(client, "kberg")
    assert answer.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.roles == {Role.EXPERT, Role.COORDINATOR}  # the admin's grant stays beside the group's
    assert user.directory == NAME and user.password_hash == ""
    assert db.session.scalar(select(func.count(User.id))) == 1
    fresh = app.test_client()
    refused = fresh.post("/anmelden", data={"email": user.email, "password": PASSWORD})
    assert refused.status_code == 401


def test_an_unverified_address_creates_and_links_nothing(app, client, oidc_server, create_user):
    create_user("coordinator", email="k.berg@lk-musterland.de")
    oidc_server.accounts(kberg={**COORDINATOR, "email_verified": False})
    answer, _ = through_provider(client, "kberg")
    assert answer.status_code == 302 and answer.location == "/anmelden"
    assert "hat Ihre E-Mail-Adresse nicht als bestätigt gemeldet" in _messages(client)
    assert db.session.scalar(select(func.count(ExternalIdentity.id))) == 0
    assert db.session.scalar(select(User.directory)) is None
    assert client.get("/konto").status_code == 302  # not signed in


def test_roles_follow_the_groups_at_every_sign_in_and_go_with_them(app, client, oidc_server):
    oidc_server.accounts(kberg=COORDINATOR)
    through_provider(client, "kberg")
    client.post("/abmelden")
    oidc_server.accounts(kberg={**COORDINATOR, "groups": ["Referentinnen", "Kantine"], "name": "Katrin Berg-Ost"})
    through_provider(client, "kberg")
    user = db.session.scalar(select(User))
    db.session.refresh(user)
    assert user.roles == {Role.TRAINER} and user.name == "Katrin Berg-Ost"
    client.post("/abmelden")
    oidc_server.accounts(kberg={**COORDINATOR, "groups": []})
    answer, _ = through_provider(client, "kberg")
    db.session.refresh(user)
    assert user.roles == set()
    home = client.get(answer.location).get_data(as_text=True)
    assert "haben in lms aber noch keine Rolle" in home
    assert client.get("/verwaltung/konten").status_code == 403


def test_a_deactivated_account_is_refused_on_the_way_back(app, client, oidc_server):
    oidc_server.accounts(kberg=COORDINATOR)
    through_provider(client, "kberg")
    client.post("/abmelden")
    user = db.session.scalar(select(User))
    user.active = False
    db.session.commit()
    answer, _ = through_provider(client, "kberg")
    assert answer.location == "/anmelden"
    assert "Ihr Konto in lms ist deaktiviert" in _messages(client)
    assert client.get("/konto").status_code == 302


def test_a_forged_state_and_a_replayed_answer_sign_nobody_in(app, client, oidc_server):
    oidc_server.accounts(kberg=COORDINATOR)
    client.get(f"/anmelden/mit/{NAME}")  # a sign-in under way in this browser
    forged = client.get(f"/anmelden/mit/{NAME}/zurueck?code=abc&state=erfunden")
    assert forged.location == "/anmelden" and "konnte nicht bestätigt werden" in _messages(client)
    assert db.session.scalar(select(func.count(User.id))) == 0
    answer, back = through_provider(client, "kberg")
    assert answer.location == "/"
    client.post("/abmelden")
    parts = back.split("lms.test", 1)[1]
    replayed = client.get(parts)
    assert replayed.location == "/anmelden" and "konnte nicht bestätigt werden" in _messages(client)
    assert client.get("/konto").status_code == 302
    other = app.test_client()  # the answer copied into another browser
    assert other.get(parts).location == "/anmelden"
    assert other.get("/konto").status_code == 302


def test_the_provider_cancelling_is_told_as_such(app, client):
    start = client.get(f"/anmelden/mit/{NAME}")
    state = parse_qs(urlsplit(start.location).query)["state"][0]
    answer = client.get(f"/anmelden/mit/{NAME}/zurueck?error=access_denied&state={state}")
    assert answer.location == "/anmelden"
    assert "Die Anmeldung über Landes-Keycloak wurde abgebrochen" in _messages(client)


def test_a_provider_that_is_down_leaves_the_password_sign_in_working(app, client, create_user):
    answer = client.get("/anmelden/mit/down")
    assert answer.location == "/anmelden"
    page = _messages(client)
    assert "Die Anmeldung über Ausgefallener Dienst ist gerade nicht erreichbar" in page
    assert "Anmelden mit Landes-Keycloak" in page and 'name="password"' in page
    user = create_user("coordinator")
    assert client.post("/anmelden", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert client.get("/konto").status_code == 200


@pytest.mark.parametrize("scenario, changes", [
    ("bad signature", {"key": "other"}),
    ("wrong audience", {"aud": "someone-else", "azp": "lms-h"}),
    ("audience among others", {"aud": ["someone-else", "another"], "azp": "lms-h"}),
    ("unsigned", {"unsigned": True}),
    ("no subject", {"sub": None}),
    ("expired", {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}),
    ("wrong nonce", {"nonce": "not-the-one"}),
    ("wrong issuer", {"iss": "https://elsewhere.example"}),
])
def test_an_id_token_that_does_not_hold_signs_nobody_in(app, client, hostile_issuer, scenario, changes):
    start = client.get("/anmelden/mit/hostile")
    params = parse_qs(urlsplit(start.location).query)
    assert params["code_challenge_method"] == ["S256"] and params["code_challenge"]
    state, nonce = params["state"][0], params["nonce"][0]
    changes = {"nonce": nonce, **changes}
    if changes.pop("key", None):
        changes["key"] = RSAKey.generate_key(2048, parameters={"kid": hostile_issuer.key.kid})
    hostile_issuer.tokens[scenario] = hostile_issuer.id_token(client_id="lms-h", **changes)
    answer = client.get(f"/anmelden/mit/hostile/zurueck?code={scenario}&state={state}")
    assert answer.location == "/anmelden", scenario
    assert "konnte nicht bestätigt werden" in _messages(client)
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_the_hostile_issuer_signs_in_when_its_token_holds(app, client, hostile_issuer):
    """The control for the test above: the same way, with a token that holds, signs in."""
    start = client.get("/anmelden/mit/hostile")
    params = parse_qs(urlsplit(start.location).query)
    hostile_issuer.tokens["good"] = hostile_issuer.id_token(client_id="lms-h", nonce=params["nonce"][0])
    answer = client.get(f"/anmelden/mit/hostile/zurueck?code=good&state={params['state'][0]}")
    assert answer.location == "/"
    assert db.session.scalar(select(User.email)) == "h.ostil@example.org"


def test_signing_out_offers_the_providers_sign_out(app, client, oidc_server):
    oidc_server.accounts(kberg=COORDINATOR)
    through_provider(client, "kberg")
    page = client.post("/abmelden")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Auch bei Landes-Keycloak abmelden" in text
    link = re.search(r'href="([^"]*/session/end[^"]*)"', text).group(1).replace("&amp;", "&")
    query = parse_qs(urlsplit(link).query)
    assert link.startswith(oidc_server.issuer)
    assert query["client_id"] == ["lms"] and query["post_logout_redirect_uri"] == ["http://lms.test/anmelden"]
    assert client.get("/konto").status_code == 302  # lms's own session ended at once
    ended = requests.get(link, timeout=10)  # the provider accepts the request (it asks to confirm)
    assert ended.status_code == 200 and "logout" in ended.text.lower()


def test_a_directory_account_has_no_password_and_gets_none(app, client, oidc_server, smtp_server):
    oidc_server.accounts(kberg=COORDINATOR)
    through_provider(client, "kberg")
    account = client.get("/konto").get_data(as_text=True)
    assert "über Landes-Keycloak" in account and "Passwort ändern" not in account
    refused = client.post("/konto/passwort", data={"current": "", "password": "Neu-Geheim-123456",
                                                   "confirm": "Neu-Geheim-123456"})
    assert refused.status_code == 422
    user = db.session.scalar(select(User))
    assert user.password_hash == ""
    with pytest.raises(services.DirectoryManaged):
        services.set_password(user, "Neu-Geheim-123456")
    client.post("/abmelden")
    client.post("/passwort-vergessen", data={"email": user.email})
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0  # no reset link


def test_the_admin_sees_how_an_account_signs_in(app, client, oidc_server, create_user):
    oidc_server.accounts(kberg=COORDINATOR)
    through_provider(client, "kberg")
    client.post("/abmelden")
    user = db.session.scalar(select(User))
    admin = create_user("admin")
    login_as(client, admin)
    page = client.get(f"/verwaltung/konten/{user.id}").get_data(as_text=True)
    assert "über Landes-Keycloak" in page and "kein Passwort in lms" in page
    assert "mit E-Mail-Adresse und Passwort" in client.get(f"/verwaltung/konten/{admin.id}").get_data(as_text=True)


def test_the_way_there_keeps_where_the_person_wanted_to_go(app, client, oidc_server):
    oidc_server.accounts(kberg=COORDINATOR)
    answer, _ = through_provider(client, "kberg", start=f"/anmelden/mit/{NAME}?next=/konto")
    assert answer.location == "/konto"
    client.post("/abmelden")
    answer, _ = through_provider(client, "kberg", start=f"/anmelden/mit/{NAME}?next=https://evil.example/")
    assert answer.location == "/"


def test_an_unknown_provider_is_not_found(client):
    assert client.get("/anmelden/mit/niemand").status_code == 404
    assert client.get("/anmelden/mit/niemand/zurueck?code=x&state=y").status_code == 404


def test_two_first_sign_ins_of_one_person_at_once_make_one_account(app, create_user):
    """Two windows come back from the provider at the same moment: one account, one identity; the
    loser's unique-constraint error becomes SignInRace on the page (lost_race), never half an account."""
    person = DirectoryPerson(provider=NAME, subject="kberg", email="k.berg@lk-musterland.de", email_verified=True,
                             name="Katrin Berg", groups=frozenset({"Kinderschutz-Koordination"}))
    create_user("expert", email="k.berg@lk-musterland.de")  # and the same for linking an existing account
    other = DirectoryPerson(provider=NAME, subject="rlang", email="r.lang@bildungswerk.example",
                            email_verified=True, name="Ruth Lang")
    calls = [lambda p=p: accounts.sign_in(p, label="K", roles={"coordinator"}, now=FIXED_NOW)
             for p in (person, person, person, other, other, other)]
    errors = in_parallel(app, calls)
    assert all("IntegrityError" in error for error in errors), errors
    assert db.session.scalar(select(func.count(User.id))) == 2
    assert sorted(db.session.scalars(select(ExternalIdentity.subject))) == ["kberg", "rlang"]


def test_a_provider_vouches_only_for_addresses_of_its_domains(app, client, oidc_server, create_user):
    """Else a partner's tenant could name a user after the Land's admin and take her account."""
    admin = create_user("admin", email="admin@land.example")
    oidc_server.accounts(fake={**COORDINATOR, "email": "Admin@Land.example"})
    answer, _ = through_provider(client, "fake")
    assert answer.location == "/anmelden"
    assert "darf in lms nur Personen mit Adressen seiner Organisation anmelden" in _messages(client)
    assert db.session.scalar(select(func.count(ExternalIdentity.id))) == 0
    db.session.refresh(admin)
    assert admin.directory is None and admin.password_hash


@pytest.mark.parametrize("kind", ["admin", "managed elsewhere"])
def test_an_admins_account_and_one_another_provider_manages_are_not_linked_by_address(
        app, client, oidc_server, create_user, kind):
    user = create_user("admin" if kind == "admin" else "coordinator", email="k.berg@lk-musterland.de")
    if kind == "managed elsewhere":
        user.directory, user.password_hash = "ldap", ""
        db.session.commit()
    oidc_server.accounts(kberg=COORDINATOR)
    answer, _ = through_provider(client, "kberg")
    assert answer.location == "/anmelden"
    expected = ("Es wird nicht automatisch mit einem Anmeldedienst verbunden" if kind == "admin"
                else "Ihr Konto in lms meldet sich über ldap an")
    assert expected in _messages(client)
    assert db.session.scalar(select(func.count(ExternalIdentity.id))) == 0
    db.session.refresh(user)
    assert user.roles == ({Role.ADMIN} if kind == "admin" else {Role.COORDINATOR})
    assert user.directory == (None if kind == "admin" else "ldap")
