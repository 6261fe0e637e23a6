"""Sign-in providers from the environment: typed, checked at start, one line per mistake."""
import subprocess

import pytest

from lms.auth.sso.providers import load, load_directory
from lms.config import Config, ConfigError, from_environment
from tests.test_config import LMS, _environment


def test_a_provider_is_configured_by_its_name():
    values = from_environment({
        "LMS_OIDC_PROVIDERS": "keycloak, entra",
        "LMS_OIDC_KEYCLOAK_ISSUER": "https://id.land.example/realms/kinderschutz/",
        "LMS_OIDC_KEYCLOAK_CLIENT_ID": "lms",
        "LMS_OIDC_KEYCLOAK_ROLES": "CN=Kinderschutz-Koordination,OU=Gruppen,DC=lk,DC=de => Coordinator; Referentinnen=>trainer",
        "LMS_OIDC_ENTRA_TRUST_EMAIL": "yes",
    })
    assert values["OIDC_PROVIDERS"] == ("keycloak", "entra")
    assert values["OIDC"]["keycloak"] == {
        "issuer": "https://id.land.example/realms/kinderschutz", "client_id": "lms",
        "roles": (("CN=Kinderschutz-Koordination,OU=Gruppen,DC=lk,DC=de", "coordinator"), ("Referentinnen", "trainer")),
    }
    assert values["OIDC"]["entra"] == {"trust_email": True}


@pytest.mark.parametrize(("variables", "problem"), [
    ({"LMS_OIDC_KEYCLOAK_ISSUER": "https://id.example"}, "LMS_OIDC_KEYCLOAK_ISSUER: unknown setting"),
    ({"LMS_OIDC_PROVIDERS": "Key Cloak"},
     "LMS_OIDC_PROVIDERS='Key Cloak': not a list of distinct short names of letters and digits (e.g. keycloak,entra)"),
    ({"LMS_OIDC_PROVIDERS": "kc", "LMS_OIDC_KC_ROLES": "Gruppe -> coordinator"},
     "LMS_OIDC_KC_ROLES='Gruppe -> coordinator': not a list of 'group => role' separated by ';'"),
    ({"LMS_OIDC_PROVIDERS": "kc", "LMS_OIDC_KC_ISSUER": "id.example"},
     "LMS_OIDC_KC_ISSUER='id.example': not an http:// or https:// address"),
])
def test_each_mistake_in_the_environment_is_named(variables, problem):
    with pytest.raises(ConfigError) as raised:
        from_environment(variables)
    assert raised.value.problems == [problem]


def _config(**provider):
    return {**vars(Config), "OIDC_PROVIDERS": ("kc",), "OIDC": {"kc": provider}}


@pytest.mark.parametrize(("provider", "problems"), [
    ({}, ["LMS_OIDC_KC_ISSUER: missing (every provider in LMS_OIDC_PROVIDERS needs it)",
          "LMS_OIDC_KC_CLIENT_ID: missing (every provider in LMS_OIDC_PROVIDERS needs it)"]),
    ({"issuer": "http://id.example", "client_id": "lms"},
     ["LMS_OIDC_KC_ISSUER='http://id.example': must be an https:// address (http only on this machine)"]),
    ({"issuer": "https://id.example", "client_id": "lms", "roles": (("G", "chef"),)},
     ["LMS_OIDC_KC_ROLES: 'chef' is no role (one of admin, coordinator, trainer, partner, expert)"]),
    ({"issuer": "https://id.example", "client_id": "lms", "scopes": "email profile"},
     ["LMS_OIDC_KC_SCOPES='email profile': must include openid"]),
    ({"issuer": "https://id.example", "client_id": "lms", "trust_email": True},
     ["LMS_OIDC_KC_TRUST_EMAIL: needs LMS_OIDC_KC_EMAIL_DOMAINS (else the provider could claim any address, "
      "an admin's too)"]),
])
def test_missing_or_contradictory_provider_settings_stop_the_start(provider, problems):
    with pytest.raises(ConfigError) as raised:
        load(_config(**provider))
    assert raised.value.problems == problems


def test_a_complete_provider_gets_the_defaults_and_maps_groups_to_roles():
    provider = load(_config(issuer="https://id.example/", client_id="lms",
                            roles=(("CN=Koordination,DC=lk", "coordinator"),)))["kc"]
    assert provider.label == "kc" and provider.issuer == "https://id.example"
    assert provider.scopes == "openid email profile" and provider.email_claim == "email"
    assert provider.client_secret is None and not provider.trust_email
    assert provider.roles_for({"cn=koordination,dc=lk", "Kantine"}) == {"coordinator"}


def test_lms_stops_with_one_line_per_provider_mistake_and_check_config_masks_the_secret(tmp_path):
    stopped = subprocess.run([LMS, "check-config"], capture_output=True, text=True, timeout=60,
                             env=_environment(tmp_path, LMS_OIDC_PROVIDERS="kc", LMS_OIDC_KC_CLIENT_ID="lms"))
    assert stopped.returncode == 2
    assert stopped.stderr.splitlines() == [
        "lms: configuration: LMS_OIDC_KC_ISSUER: missing (every provider in LMS_OIDC_PROVIDERS needs it)"]
    shown = subprocess.run(
        [LMS, "check-config"], capture_output=True, text=True, timeout=60, check=True,
        env=_environment(tmp_path, LMS_OIDC_PROVIDERS="kc", LMS_OIDC_KC_CLIENT_ID="lms",
                         LMS_OIDC_KC_ISSUER="https://id.example", LMS_OIDC_KC_CLIENT_SECRET="oidc-geheim",
                         LMS_OIDC_KC_ROLES="A => coordinator; B => trainer"))
    lines = dict(line.split(None, 1) for line in shown.stdout.splitlines()[:-1])
    assert "geheim" not in shown.stdout
    assert lines["LMS_OIDC_KC_CLIENT_SECRET"] == "***" and lines["LMS_OIDC_KC_ISSUER"] == "https://id.example"
    assert lines["LMS_OIDC_KC_ROLES"] == "A => coordinator; B => trainer"
    assert lines["LMS_OIDC_KC_LABEL"] == "(unset)"


def test_the_readme_documents_every_provider_setting():
    from lms.config import OIDC_FIELDS
    from tests.test_config import ROOT

    readme = (ROOT / "README.md").read_text()
    missing = [field for field in OIDC_FIELDS
               if f"`LMS_OIDC_<NAME>_{field}`" not in readme and f"`…_{field}`" not in readme]
    assert missing == []


def _ldap(**settings):
    return {**vars(Config), "LDAP_URL": "ldaps://dc1.kreis.example", "LDAP_BASE_DN": "DC=kreis,DC=example",
            **settings}


@pytest.mark.parametrize(("settings", "problems"), [
    ({"LDAP_BASE_DN": None}, ["LMS_LDAP_BASE_DN: missing (where the people are searched)"]),
    ({"LDAP_BIND_DN": "CN=lms,DC=kreis,DC=example"},
     ["LMS_LDAP_BIND_DN, LMS_LDAP_BIND_PASSWORD: set both (the service account that searches)"]),
    ({"LDAP_STARTTLS": True}, ["LMS_LDAP_STARTTLS: contradicts ldaps:// (TLS from the start); use one of them"]),
    ({"LDAP_URL": "ldap://dc1.kreis.example"},
     ["LMS_LDAP_URL='ldap://dc1.kreis.example': passwords would cross the network in clear; "
      "use ldaps:// or LMS_LDAP_STARTTLS=true"]),
    ({"LDAP_USER_FILTER": "(uid=kberg)"}, ["LMS_LDAP_USER_FILTER: must hold {login} (where the typed name goes)"]),
    ({"LDAP_GROUP_SEARCH": "(member=x)"}, ["LMS_LDAP_GROUP_SEARCH: must hold {dn} (the person's entry)"]),
    ({"LDAP_CA_FILE": "/nicht/da.pem"}, ["LMS_LDAP_CA_FILE='/nicht/da.pem': no such file"]),
    ({"LDAP_ROLES": (("CN=G", "boss"),)},
     ["LMS_LDAP_ROLES: 'boss' is no role (one of admin, coordinator, trainer, partner, expert)"]),
])
def test_contradictory_directory_settings_stop_the_start(settings, problems):
    with pytest.raises(ConfigError) as raised:
        load_directory(_ldap(**settings))
    assert raised.value.problems == problems


def test_a_directory_is_off_without_its_address_and_on_with_starttls_or_ldaps():
    assert load_directory(vars(Config)) is None
    assert load_directory(_ldap()).url == "ldaps://dc1.kreis.example"
    assert load_directory(_ldap(LDAP_URL="ldap://dc1.kreis.example", LDAP_STARTTLS=True)).starttls
    with pytest.raises(ConfigError):
        from_environment({"LMS_LDAP_URL": "https://dc1.kreis.example"})
    named_ldap = {**vars(Config), "OIDC_PROVIDERS": ("ldap",),
                  "OIDC": {"ldap": {"issuer": "https://id.example", "client_id": "lms"}}}
    with pytest.raises(ConfigError, match="'ldap' names the LDAP directory"):
        load(named_ldap)
