"""The configured sign-in providers, checked once at start: a mistake stops the app with one line.

LMS_OIDC_PROVIDERS names the OpenID providers (e.g. `keycloak,entra`); each has LMS_OIDC_<NAME>_*
settings (lms/config.py `OIDC_FIELDS`, the README's table). The sign-in page shows one button per
provider, in this order, labelled with its LABEL. LMS_LDAP_URL turns on the one LDAP directory,
named `ldap` in the accounts it manages: it checks the password typed into the sign-in form.
"""
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app

from lms.auth.models import Role
from lms.config import ConfigError
from lms.i18n import _

_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class Provider:
    id: str
    label: str
    roles: tuple[tuple[str, str], ...]  # (group, role): a member of the group holds the role
    email_domains: tuple[str, ...]  # if any: the only domains whose addresses the provider may vouch for

    def may_vouch_for(self, email: str | None) -> bool:
        domain = (email or "").rpartition("@")[2].strip().lower()
        return not self.email_domains or domain in self.email_domains

    def roles_for(self, groups) -> set[str]:
        """The roles the person's groups grant (group names compare without regard to case, as DNs do)."""
        held = {group.casefold() for group in groups}
        return {role for group, role in self.roles if group.casefold() in held}


@dataclass(frozen=True)
class OidcProvider(Provider):
    issuer: str
    client_id: str
    client_secret: str | None
    scopes: str
    email_claim: str
    name_claim: str
    groups_claim: str
    region_claim: str | None
    sector_claim: str | None
    trust_email: bool  # the provider's addresses count as verified without `email_verified`


@dataclass(frozen=True)
class LdapDirectory(Provider):
    url: str
    starttls: bool
    ca_file: str | None
    bind_dn: str | None
    bind_password: str | None
    base_dn: str
    user_filter: str
    id_attribute: str
    email_attribute: str
    name_attribute: str
    group_attribute: str
    group_search: str | None
    region_attribute: str | None
    sector_attribute: str | None


LDAP = "ldap"  # the name of the directory in the accounts it manages


def load(config) -> dict[str, OidcProvider]:
    """The providers of *config* by name; ConfigError names every missing or contradictory setting."""
    providers, problems = {}, []
    for name in config["OIDC_PROVIDERS"]:
        values = config["OIDC"].get(name, {})
        prefix = f"LMS_OIDC_{name.upper()}_"
        if name == LDAP:
            problems.append("LMS_OIDC_PROVIDERS: 'ldap' names the LDAP directory; call the provider otherwise")
        for key in ("issuer", "client_id"):
            if not values.get(key):
                problems.append(f"{prefix}{key.upper()}: missing (every provider in LMS_OIDC_PROVIDERS needs it)")
        issuer = values.get("issuer", "")
        if issuer and urlsplit(issuer).scheme != "https" and urlsplit(issuer).hostname not in _LOCAL_HOSTS:
            problems.append(f"{prefix}ISSUER={issuer!r}: must be an https:// address (http only on this machine)")
        problems.extend(_role_problems(f"{prefix}ROLES", values.get("roles", ())))
        if values.get("trust_email") and not values.get("email_domains"):
            problems.append(f"{prefix}TRUST_EMAIL: needs {prefix}EMAIL_DOMAINS (else the provider could claim "
                            "any address, an admin's too)")
        scopes = values.get("scopes", "openid email profile")
        if "openid" not in scopes.split():
            problems.append(f"{prefix}SCOPES={scopes!r}: must include openid")
        providers[name] = OidcProvider(
            id=name, label=values.get("label") or name, roles=tuple(values.get("roles", ())),
            email_domains=tuple(values.get("email_domains", ())), issuer=issuer.rstrip("/"),
            client_id=values.get("client_id", ""), client_secret=values.get("client_secret") or None,
            scopes=scopes, email_claim=values.get("email_claim") or "email",
            name_claim=values.get("name_claim") or "name", groups_claim=values.get("groups_claim") or "groups",
            region_claim=values.get("region_claim") or None, sector_claim=values.get("sector_claim") or None,
            trust_email=bool(values.get("trust_email", False)),
        )
    if problems:
        raise ConfigError(problems)
    return providers


def _role_problems(variable: str, roles) -> list[str]:
    return [f"{variable}: {role!r} is no role (one of {', '.join(Role)})" for _group, role in roles
            if role not in set(Role)]


def load_directory(config) -> LdapDirectory | None:
    """The LDAP directory of *config*, None without LDAP_URL; ConfigError names every contradiction."""
    url = config.get("LDAP_URL")
    if not url:
        return None
    problems = _role_problems("LMS_LDAP_ROLES", config["LDAP_ROLES"])
    parts = urlsplit(url)
    if not config.get("LDAP_BASE_DN"):
        problems.append("LMS_LDAP_BASE_DN: missing (where the people are searched)")
    if bool(config.get("LDAP_BIND_DN")) != bool(config.get("LDAP_BIND_PASSWORD")):
        problems.append("LMS_LDAP_BIND_DN, LMS_LDAP_BIND_PASSWORD: set both (the service account that searches)")
    if parts.scheme == "ldaps" and config["LDAP_STARTTLS"]:
        problems.append("LMS_LDAP_STARTTLS: contradicts ldaps:// (TLS from the start); use one of them")
    if parts.scheme == "ldap" and not config["LDAP_STARTTLS"] and parts.hostname not in _LOCAL_HOSTS:
        problems.append(f"LMS_LDAP_URL={url!r}: passwords would cross the network in clear; "
                        "use ldaps:// or LMS_LDAP_STARTTLS=true")
    if "{login}" not in config["LDAP_USER_FILTER"]:
        problems.append("LMS_LDAP_USER_FILTER: must hold {login} (where the typed name goes)")
    if config.get("LDAP_GROUP_SEARCH") and "{dn}" not in config["LDAP_GROUP_SEARCH"]:
        problems.append("LMS_LDAP_GROUP_SEARCH: must hold {dn} (the person's entry)")
    if config.get("LDAP_CA_FILE") and not Path(config["LDAP_CA_FILE"]).is_file():
        problems.append(f"LMS_LDAP_CA_FILE={config['LDAP_CA_FILE']!r}: no such file")
    if problems:
        raise ConfigError(problems)
    return LdapDirectory(
        id=LDAP, label=config["LDAP_LABEL"], roles=tuple(config["LDAP_ROLES"]),
        email_domains=tuple(config["LDAP_EMAIL_DOMAINS"]), url=url,
        starttls=config["LDAP_STARTTLS"], ca_file=config.get("LDAP_CA_FILE"), bind_dn=config.get("LDAP_BIND_DN"),
        bind_password=config.get("LDAP_BIND_PASSWORD"), base_dn=config["LDAP_BASE_DN"],
        user_filter=config["LDAP_USER_FILTER"], id_attribute=config["LDAP_ID_ATTRIBUTE"],
        email_attribute=config["LDAP_EMAIL_ATTRIBUTE"], name_attribute=config["LDAP_NAME_ATTRIBUTE"],
        group_attribute=config["LDAP_GROUP_ATTRIBUTE"], group_search=config.get("LDAP_GROUP_SEARCH"),
        region_attribute=config.get("LDAP_REGION_ATTRIBUTE"), sector_attribute=config.get("LDAP_SECTOR_ATTRIBUTE"),
    )


def directory() -> LdapDirectory | None:
    return current_app.extensions.get("lms.ldap")


def configured() -> dict[str, OidcProvider]:
    return current_app.extensions["lms.sso"]


def get(name: str) -> OidcProvider | None:
    return configured().get(name)


def label_of(name: str) -> str:
    """The button text of provider *name*; its bare name if it is no longer configured."""
    provider = get(name) or (directory() if name == LDAP else None)
    return provider.label if provider else name


def sign_in_method(user) -> str:
    """How *user* signs in, as the account pages say it."""
    if user.directory:
        return _("über %(provider)s", provider=label_of(user.directory))
    return _("mit E-Mail-Adresse und Passwort")
