"""Sign-in against a real LDAP directory (slapd): search, then bind, groups to roles, refusals."""
import pytest
from sqlalchemy import func, select

from lms.auth.models import ExternalIdentity, Role, User
from lms.extensions import db
from tests.conftest import PASSWORD, free_port
from tests.sso.conftest import DIRECTORY_PASSWORD, ldap_settings


@pytest.fixture
def app_config(request, ldap_directory):
    """The directory over StartTLS; a test's `app_config` parameter changes settings (from the directory)."""
    changes = getattr(request, "param", lambda _directory: {})(ldap_directory)
    return ldap_settings(ldap_directory, **changes)


def _with(changes):
    return pytest.mark.parametrize("app_config", [changes], indirect=True)


def _sign_in(client, login, password=DIRECTORY_PASSWORD):
    return client.post("/anmelden", data={"email": login, "password": password})


@pytest.mark.parametrize(("region", "in_directory"), [
    ("Landkreis Musterland", "Landkreis Musterland"),
    ("Landkreis Görlitz", "LANDKREIS GÖRLITZ"),  # the region is found in any case, umlauts included
])
def test_a_person_of_the_directory_signs_in_with_her_user_name_and_gets_her_roles(app, client, directory,
                                                                                   create_region, region,
                                                                                   in_directory):
    create_region(region)
    directory.add_person("kberg", mail="k.berg@lk-musterland.de", name="Katrin Berg",
                         groups=["Kinderschutz-Koordination"], region=in_directory, sector="youth_welfare")
    answer = _sign_in(client, "kberg")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    user = db.session.scalar(select(User))
    assert (user.email, user.name, user.roles, user.directory) == (
        "k.berg@lk-musterland.de", "Katrin Berg", {Role.COORDINATOR}, "ldap")
    assert user.region.name == region and user.sector == "youth_welfare"
    assert user.password_hash == ""
    subject = db.session.scalar(select(ExternalIdentity.subject))
    assert len(subject) == 36 and subject.count("-") == 4  # entryUUID, not the DN
    client.post("/abmelden")
    assert _sign_in(client, "k.berg@lk-musterland.de").status_code == 302  # the address works too
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_a_wrong_password_an_empty_one_and_an_unknown_name_are_refused_alike(app, client, directory):
    directory.add_person("kberg", mail="k.berg@lk-musterland.de", name="Katrin Berg")
    for login, password in [("kberg", "falsch"), ("niemand", DIRECTORY_PASSWORD), ("kberg", " ")]:
        _sign_in(client, login, password)
        assert client.get("/konto").status_code == 302, (login, password)  # not signed in
    assert "E-Mail-Adresse oder Passwort ist nicht korrekt" in _sign_in(client, "kberg", "falsch").get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0


@pytest.mark.parametrize("login", ["*", "*)(uid=*", "kberg)(|(uid=*", "*)(objectClass=*))(|(uid=*"])
def test_filter_syntax_in_the_name_matches_nobody(app, client, directory, login):
    directory.add_person("kberg", mail="k.berg@lk-musterland.de", name="Katrin Berg")
    answer = _sign_in(client, login)
    assert answer.status_code == 401
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_roles_follow_the_groups_and_a_removed_person_can_no_longer_sign_in(app, client, directory):
    directory.add_person("kberg", mail="k.berg@lk-musterland.de", name="Katrin Berg",
                         groups=["Kinderschutz-Koordination", "Referentinnen"])
    _sign_in(client, "kberg")
    user = db.session.scalar(select(User))
    assert user.roles == {Role.COORDINATOR, Role.TRAINER}
    client.post("/abmelden")
    directory.leave_group("kberg", "Kinderschutz-Koordination")
    _sign_in(client, "kberg")
    db.session.refresh(user)
    assert user.roles == {Role.TRAINER}
    client.post("/abmelden")
    directory.remove_person("kberg")
    assert _sign_in(client, "kberg").status_code == 401
    assert _sign_in(client, "k.berg@lk-musterland.de").status_code == 401


def test_a_person_in_no_mapped_group_signs_in_with_no_role(app, client, directory):
    directory.add_person("kantine", mail="k.antine@lk-musterland.de", name="Kai Antine", groups=["Kantine"])
    answer = _sign_in(client, "kantine")
    assert answer.status_code == 302
    assert db.session.scalar(select(User)).roles == set()
    assert "haben in lms aber noch keine Rolle" in client.get(answer.location).get_data(as_text=True)
    assert client.get("/verwaltung/konten").status_code == 403


def test_a_local_account_keeps_its_password_until_the_directory_vouches_for_the_address(app, client, directory,
                                                                                          create_user):
    local = create_user("partner", email="k.berg@lk-musterland.de")
    assert _sign_in(client, local.email, PASSWORD).status_code == 302  # the own password, as before
    client.post("/abmelden")
    directory.add_person("kberg", mail="k.berg@lk-musterland.de", name="Katrin Berg",
                         groups=["Kinderschutz-Koordination"])
    assert _sign_in(client, "kberg").status_code == 302  # now the directory's: linked
    client.post("/abmelden")
    db.session.refresh(local)
    assert local.directory == "ldap" and local.roles == {Role.PARTNER, Role.COORDINATOR}
    assert _sign_in(client, local.email, PASSWORD).status_code == 401  # the old password is gone


def test_a_deactivated_account_is_refused_though_the_directory_knows_the_password(app, client, directory):
    directory.add_person("kberg", mail="k.berg@lk-musterland.de", name="Katrin Berg")
    _sign_in(client, "kberg")
    client.post("/abmelden")
    user = db.session.scalar(select(User))
    user.active = False
    db.session.commit()
    answer = _sign_in(client, "kberg")
    assert answer.status_code == 401
    assert "Ihr Konto in lms ist deaktiviert" in answer.get_data(as_text=True)


def test_the_sign_in_throttle_counts_directory_sign_ins(app, client, directory):
    original, app.config["LOGIN_LIMIT_PER_ACCOUNT"] = app.config["LOGIN_LIMIT_PER_ACCOUNT"], "3 per 15 minutes"
    directory.add_person("kberg", mail="k.berg@lk-musterland.de", name="Katrin Berg")
    try:
        for _ in range(3):
            assert _sign_in(client, "kberg", "falsch").status_code == 401
        assert _sign_in(client, "kberg").status_code == 429  # even with the right password
    finally:
        app.config["LOGIN_LIMIT_PER_ACCOUNT"] = original


@_with(lambda directory: {"LDAP_URL": directory.tls_url, "LDAP_STARTTLS": False,
                          "LDAP_GROUP_SEARCH": "(&(objectClass=groupOfNames)(member={dn}))"})
def test_over_ldaps_with_groups_found_by_a_search(app, client, directory):
    directory.add_person("rlang", mail="r.lang@bildungswerk.example", name="Ruth Lang", groups=["Referentinnen"])
    assert _sign_in(client, "rlang").status_code == 302
    assert db.session.scalar(select(User)).roles == {Role.TRAINER}


@_with(lambda directory: {"LDAP_CA_FILE": None})
def test_a_certificate_the_system_does_not_trust_is_refused_and_the_own_password_still_works(
        app, client, directory, create_user):
    directory.add_person("kberg", mail="k.berg@lk-musterland.de", name="Katrin Berg")
    answer = _sign_in(client, "kberg")
    assert answer.status_code == 401
    assert "Die Anmeldung über Kreis-Verzeichnis ist gerade nicht erreichbar" in answer.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0
    local = create_user("coordinator")
    assert _sign_in(client, local.email, PASSWORD).status_code == 302


@_with(lambda directory: {"LDAP_URL": f"ldap://127.0.0.1:{free_port()}"})
def test_a_directory_that_is_down_is_named_and_the_own_password_still_works(app, client, create_user):
    answer = _sign_in(client, "kberg")
    assert "Die Anmeldung über Kreis-Verzeichnis ist gerade nicht erreichbar" in answer.get_data(as_text=True)
    local = create_user("coordinator")
    assert _sign_in(client, local.email, PASSWORD).status_code == 302


@_with(lambda directory: {"LDAP_BIND_PASSWORD": "falsch"})
def test_a_service_account_the_directory_refuses_is_reported_not_taken_for_a_wrong_password(app, client, directory):
    directory.add_person("kberg", mail="k.berg@lk-musterland.de", name="Katrin Berg")
    answer = _sign_in(client, "kberg")
    assert "ist gerade nicht erreichbar" in answer.get_data(as_text=True)


def test_the_sign_in_form_asks_for_the_address_or_the_user_name(client):
    page = client.get("/anmelden").get_data(as_text=True)
    assert "E-Mail-Adresse oder Benutzername" in page and 'type="email"' not in page


@_with(lambda directory: {"LDAP_EMAIL_DOMAINS": ("lk-musterland.de",)})
def test_a_directory_address_outside_its_domains_signs_nobody_in(app, client, directory):
    directory.add_person("fremd", mail="admin@land.example", name="Fremde Person")
    answer = _sign_in(client, "fremd")
    assert answer.status_code == 401
    assert "nur Personen mit Adressen seiner Organisation" in answer.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0


@pytest.mark.parametrize(("raw", "subject"), [
    (b"3F2504E0-4F89-11D3-9A0C-0305E82C3301", "3f2504e0-4f89-11d3-9a0c-0305e82c3301"),  # entryUUID
    (bytes.fromhex("e004253f894fd3119a0c0305e82c3301"), "e004253f894fd3119a0c0305e82c3301"),  # objectGUID
    (b"ABCDEFGHIJKLMNOP", "4142434445464748494a4b4c4d4e4f50"),  # a GUID whose bytes happen to be letters
    (b"\x00\x01abc\x00defghijkl", "0001616263006465666768696a6b6c"),  # NUL bytes PostgreSQL would refuse
])
def test_the_subject_is_the_uuid_as_text_or_the_bytes_as_hex(raw, subject):
    from lms.auth.sso.ldap import _subject

    assert _subject({"raw_attributes": {"objectGUID": [raw]}}, "objectGUID") == subject
