"""The configured sign-in providers, checked once at start: a mistake stops the app with one line.

LMS_OIDC_PROVIDERS names them (e.g. `keycloak,entra`); each has LMS_OIDC_<NAME>_* settings
(lms/config.py `OIDC_FIELDS`, the README's table). The sign-in page shows one button per provider,
in this order, labelled with its LABEL.
"""
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app

from lms.auth.models import Role
from lms.config import ConfigError
from lms.i18n import _

_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class OidcProvider:
    id: str
    label: str
    issuer: str
    client_id: str
    client_secret: str | None
    scopes: str
    email_claim: str
    name_claim: str
    groups_claim: str
    region_claim: str | None
    sector_claim: str | None
    roles: tuple[tuple[str, str], ...]  # (group, role): a member of the group holds the role
    trust_email: bool  # the provider's addresses count as verified without `email_verified`

    def roles_for(self, groups) -> set[str]:
        """The roles the person's groups grant (group names compare without regard to case, as DNs do)."""
        held = {group.casefold() for group in groups}
        return {role for group, role in self.roles if group.casefold() in held}


def load(config) -> dict[str, OidcProvider]:
    """The providers of *config* by name; ConfigError names every missing or contradictory setting."""
    providers, problems = {}, []
    for name in config["OIDC_PROVIDERS"]:
        values = config["OIDC"].get(name, {})
        prefix = f"LMS_OIDC_{name.upper()}_"
        for key in ("issuer", "client_id"):
            if not values.get(key):
                problems.append(f"{prefix}{key.upper()}: missing (every provider in LMS_OIDC_PROVIDERS needs it)")
        issuer = values.get("issuer", "")
        if issuer and urlsplit(issuer).scheme != "https" and urlsplit(issuer).hostname not in _LOCAL_HOSTS:
            problems.append(f"{prefix}ISSUER={issuer!r}: must be an https:// address (http only on this machine)")
        for _group, role in values.get("roles", ()):
            if role not in set(Role):
                problems.append(f"{prefix}ROLES: {role!r} is no role (one of {', '.join(Role)})")
        scopes = values.get("scopes", "openid email profile")
        if "openid" not in scopes.split():
            problems.append(f"{prefix}SCOPES={scopes!r}: must include openid")
        providers[name] = OidcProvider(
            id=name, label=values.get("label") or name, issuer=issuer.rstrip("/"),
            client_id=values.get("client_id", ""), client_secret=values.get("client_secret") or None,
            scopes=scopes, email_claim=values.get("email_claim") or "email",
            name_claim=values.get("name_claim") or "name", groups_claim=values.get("groups_claim") or "groups",
            region_claim=values.get("region_claim") or None, sector_claim=values.get("sector_claim") or None,
            roles=tuple(values.get("roles", ())), trust_email=bool(values.get("trust_email", False)),
        )
    if problems:
        raise ConfigError(problems)
    return providers


def configured() -> dict[str, OidcProvider]:
    return current_app.extensions["lms.sso"]


def get(name: str) -> OidcProvider | None:
    return configured().get(name)


def label_of(name: str) -> str:
    """The button text of provider *name*; its bare name if it is no longer configured."""
    provider = get(name)
    return provider.label if provider else name


def sign_in_method(user) -> str:
    """How *user* signs in, as the account pages say it."""
    if user.directory:
        return _("über %(provider)s", provider=label_of(user.directory))
    return _("mit E-Mail-Adresse und Passwort")
