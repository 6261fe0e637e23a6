"""LDAP / Active Directory: the password typed into the sign-in form, checked by the directory.

Search, then bind: the service account (LMS_LDAP_BIND_DN) searches the one entry the typed name
denotes (LMS_LDAP_USER_FILTER, the name escaped so that `*)(uid=*` is just a name that matches
nobody), then a second connection binds as that entry with the typed password. The directory thus
decides: a removed, locked or disabled account cannot bind. Groups come from the entry's
`memberOf` (LMS_LDAP_GROUP_ATTRIBUTE) or, where the server keeps none, from a group search
(LMS_LDAP_GROUP_SEARCH). The connection is TLS from the start (ldaps://) or after StartTLS, with the
server's certificate checked against the system's or LMS_LDAP_CA_FILE's authorities; plain ldap://
only to this machine. The directory's addresses count as verified: the organisation assigns them.
"""
import re
import ssl
from datetime import datetime

from flask import Flask, current_app
from ldap3 import NONE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars

from lms.auth import services
from lms.auth.models import User
from lms.auth.sso import accounts
from lms.auth.sso.person import DirectoryPerson, ForeignAddress, ProviderUnreachable
from lms.auth.sso.providers import LdapDirectory, directory, load_directory


def init_app(app: Flask) -> None:
    app.extensions["lms.ldap"] = load_directory(app.config)


def password_sign_in(login: str, password: str, *, now: datetime) -> User | None:
    """The sign-in form's rule: the account's own password first, then the directory's (if there is
    one), which makes, links or refreshes the account; None if neither knows these credentials.
    ProviderUnreachable when the directory does not answer, AccountDeactivated from accounts."""
    user = services.authenticate(login, password, now=now)
    if user is not None:
        return user
    found = directory()
    person = authenticate(found, login, password) if found else None
    if person is None:
        return None
    return accounts.sign_in(person, label=found.label, roles=found.roles_for(person.groups), now=now)


def authenticate(found: LdapDirectory, login: str, password: str) -> DirectoryPerson | None:
    login = login.strip()
    if not login or not password:  # an empty password would be an anonymous bind, which "succeeds"
        return None
    wanted = [found.id_attribute, found.email_attribute, found.name_attribute, "cn", found.group_attribute,
              *filter(None, (found.region_attribute, found.sector_attribute))]
    try:
        with _bound(found, found.bind_dn, found.bind_password) as service:
            service.search(found.base_dn, found.user_filter.format(login=escape_filter_chars(login)), SUBTREE,
                           attributes=wanted, size_limit=2)
            entries = [entry for entry in service.response or () if entry.get("type") == "searchResEntry"]
            if len(entries) != 1:  # nobody, or a name that is not unique: no guess
                return None
            entry = entries[0]
            groups = _values(entry, found.group_attribute)
            if found.group_search:
                service.search(found.base_dn, found.group_search.format(dn=escape_filter_chars(entry["dn"])),
                               SUBTREE, attributes=[])
                groups = [group["dn"] for group in service.response or () if group.get("type") == "searchResEntry"]
        with _bound(found, entry["dn"], password, refuse_quietly=True) as person:
            if person is None:
                return None
    except (LDAPException, OSError, ssl.SSLError) as error:
        current_app.logger.warning("LDAP directory not reachable: %s", type(error).__name__)
        raise ProviderUnreachable(found.label) from None
    subject = _subject(entry, found.id_attribute)
    if subject is None:
        current_app.logger.warning("LDAP entry without %s: refused", found.id_attribute)
        return None
    email = next(iter(_values(entry, found.email_attribute)), None)
    if not found.may_vouch_for(email):
        current_app.logger.warning("LDAP sign-in refused: an address outside LMS_LDAP_EMAIL_DOMAINS")
        raise ForeignAddress(found.label)
    name = next(iter(_values(entry, found.name_attribute) or _values(entry, "cn")), None)
    return DirectoryPerson(
        provider=found.id, subject=subject, email=email, email_verified=email is not None, name=name,
        groups=frozenset(groups),
        region=next(iter(_values(entry, found.region_attribute)), None) if found.region_attribute else None,
        sector=next(iter(_values(entry, found.sector_attribute)), None) if found.sector_attribute else None,
    )


class _bound:
    """A connection bound as *user*; with *refuse_quietly* a refused bind gives None instead of an error."""

    def __init__(self, found: LdapDirectory, user: str | None, password: str | None, refuse_quietly=False):
        timeout = current_app.config["SSO_TIMEOUT_SECONDS"]
        tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=found.ca_file, version=ssl.PROTOCOL_TLS_CLIENT)
        server = Server(found.url, use_ssl=found.url.startswith("ldaps://"), tls=tls, get_info=NONE,
                        connect_timeout=timeout)
        # No referrals: ldap3 would follow them to any host, binding there with these credentials.
        self.connection = Connection(server, user=user, password=password, receive_timeout=timeout,
                                     read_only=True, raise_exceptions=False, auto_referrals=False)
        self.starttls, self.refuse_quietly = found.starttls, refuse_quietly

    def __enter__(self):
        self.connection.open()
        if self.starttls and not self.connection.start_tls():
            raise LDAPException("StartTLS refused")
        if self.connection.bind():
            return self.connection
        if self.refuse_quietly and self.connection.result.get("description") == "invalidCredentials":
            return None
        raise LDAPException(f"bind refused: {self.connection.result.get('description')}")

    def __exit__(self, *_exc):
        self.connection.unbind()


def _values(entry: dict, attribute: str | None) -> list[str]:
    value = entry.get("attributes", {}).get(attribute) if attribute else None
    if value in (None, "", []):
        return []
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


def _subject(entry: dict, attribute: str) -> str | None:
    """The entry's lasting id: entryUUID as it reads, anything else (AD's binary objectGUID) as hex.
    Not the DN: it changes when she moves to another OU."""
    raw = (entry.get("raw_attributes", {}).get(attribute) or [None])[0]
    if not raw:
        return None
    text = raw.decode("ascii", "replace") if isinstance(raw, bytes) else str(raw)
    if _UUID.fullmatch(text):
        return text.lower()
    return raw.hex() if isinstance(raw, bytes) else text


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
