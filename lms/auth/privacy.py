"""Data-protection rules of accounts (see lms/privacy.py): the account itself, its roles, sign-ins and
invitations. Erasure turns the account into a pseudonymous tombstone: the row stays, so that
certificates, minutes and other people's records keep their references, but it names nobody, can
never sign in, and every way back in (sessions, invitations, reset links) is gone."""
import secrets
from datetime import datetime

from sqlalchemy import delete, select

from lms.auth.models import ExternalIdentity, Invitation, LoginSession, Region, User, UserRole
from lms.extensions import db
from lms.i18n import _l
from lms.privacy import Erasure, TableRule, plain, rows

ACCOUNTS = _l("Konto und Rollen")
RULES = (
    TableRule("user", ACCOUNTS, _l("Anmeldung, Rollen und Zuständigkeit im Netzwerk"), _l("Administration"),
              Erasure.PSEUDONYMISE, _l("solange das Konto besteht; deaktivierte Konten werden nach der Frist gelöscht"),
              "RETENTION_DEACTIVATED_ACCOUNT_DAYS", "erase_deactivated_accounts"),
    TableRule("user_role", ACCOUNTS, _l("Berechtigungen"), _l("Administration"), Erasure.DELETE,
              _l("solange das Konto besteht")),
    TableRule("login_session", ACCOUNTS, _l("Angemeldete Browser"), _l("niemand (nur die Anwendung)"), Erasure.DELETE,
              _l("bis zur Abmeldung, höchstens die Sitzungsdauer"), "SESSION_MAX_AGE_DAYS", "purge_login_sessions"),
    TableRule("external_identity", ACCOUNTS, _l("Anmeldung über den Anmeldedienst der Organisation"),
              _l("niemand (nur die Anwendung)"), Erasure.DELETE, _l("solange das Konto besteht")),
    TableRule("invitation", ACCOUNTS, _l("Einladungen zu einem Konto"), _l("Administration"), Erasure.DELETE,
              _l("solange das Konto besteht")),
    TableRule("region", _l("Regionen"), _l("Zuständigkeit der Netzwerke"), _l("alle"), Erasure.NONE,
              _l("unbefristet")),
)


def export(user: User, *, now: datetime) -> dict:
    region = db.session.get(Region, user.region_id) if user.region_id else None
    return {
        "account": {"id": user.id, "email": user.email, "name": user.name, "active": user.active,
                    "locale": user.locale, "region": region.name if region else None, "sector": user.sector,
                    "organisation": user.organisation, "created_at": plain(user.created_at),
                    "last_login_at": plain(user.last_login_at)},
        "roles": sorted(user.roles),
        "sign_in_providers": rows(select(ExternalIdentity.provider, ExternalIdentity.created_at,
                                         ExternalIdentity.last_sign_in_at).where(ExternalIdentity.user_id == user.id)),
        "sign_ins": rows(select(LoginSession.created_at).where(LoginSession.user_id == user.id)
                         .order_by(LoginSession.created_at)),
        "invitations": rows(select(Invitation.created_at, Invitation.roles, Invitation.accepted_at,
                                   Invitation.revoked_at).where(Invitation.email == user.email)),
    }


def pseudonym(user: User) -> str:
    return f"Gelöschtes Konto {user.id:05d}"


def forget(user: User, *, now: datetime) -> None:
    """The tombstone: no name, no address that reaches anyone, no password, no roles, no sessions."""
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    db.session.execute(delete(Invitation).where(Invitation.email == user.email))
    db.session.execute(delete(UserRole).where(UserRole.user_id == user.id))
    db.session.execute(delete(ExternalIdentity).where(ExternalIdentity.user_id == user.id))
    db.session.expire(user, ["role_rows"])
    user.name, user.email = pseudonym(user), f"geloescht-{user.id}@konto.invalid"
    user.password_hash, user.directory = "!erased", None  # no hash: no password ever matches
    user.session_stamp = secrets.token_hex(16)
    user.active, user.locale, user.region_id, user.sector, user.organisation = False, None, None, None, None
    user.last_login_at, user.erased_at = None, now
    db.session.flush()
