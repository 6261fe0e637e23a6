"""Account rules: sign-in, passwords, reset links, invitations and administration."""
import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import delete, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from lms import audit
from lms.auth.models import (
    Invitation,
    LoginSession,
    Region,
    Role,
    Sector,
    User,
    UserRole,
)
from lms.auth.permissions import ensure_role
from lms.db import folded, utcnow
from lms.errors import Conflict, DomainError, NotFound
from lms.extensions import db
from lms.i18n import _l
from lms.links import external_url
from lms.notifications.services import queue_mail


class InvalidLink(DomainError):
    default_message = _l("Der Link ist ungültig oder wurde bereits verwendet. Bitte fordern Sie einen neuen an.")


class ExpiredLink(DomainError):
    default_message = _l("Der Link ist abgelaufen. Bitte fordern Sie einen neuen an.")


class WrongPassword(DomainError):
    default_message = _l("Das aktuelle Passwort ist nicht korrekt.")


class EmailTaken(Conflict):
    default_message = _l("Für diese E-Mail-Adresse gibt es bereits ein Konto.")


def normalize_email(email: str) -> str:
    """The form an address is stored and looked up in: addresses differ in case only by accident."""
    return email.strip().lower()


def hash_password(password: str) -> str:
    """A salted hash with the configured method (never the password itself)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def new_stamp() -> str:
    return secrets.token_hex(16)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# A hash that no password matches, checked for unknown e-mails so both cases take the same time.
_TIMING_DUMMY = {}


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _TIMING_DUMMY:
        _TIMING_DUMMY[method] = generate_password_hash(secrets.token_hex(16), method=method)
    return _TIMING_DUMMY[method]


def find_user_by_email(email: str) -> User | None:
    """The account with this address in any case and spacing, or None."""
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def authenticate(email: str, password: str, *, now: datetime) -> User | None:
    """Return the active user with these credentials, else None (without saying which part was wrong)."""
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        return None
    user.last_login_at = now
    db.session.flush()
    return user


# --- login sessions ---------------------------------------------------------------------------

def start_session(user: User, *, now: datetime) -> str:
    """Record a new signed-in browser for *user* and return its key (set on `user.login_key`)."""
    key = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user_id=user.id, key_hash=_token_hash(key), created_at=now))
    db.session.flush()
    user.login_key = key
    return key


def session_user(identifier: str, *, now: datetime) -> User | None:
    """The active user whose session cookie carries *identifier* ("id:stamp:key"), or None when the
    browser signed out, the session is older than SESSION_MAX_AGE_DAYS or the stamp changed
    (new password, deactivation)."""
    user_id, stamp, key = (identifier.split(":", 2) + ["", ""])[:3]
    if not user_id.isdigit() or not key or len(user_id) > 10:
        return None
    user = db.session.scalar(
        select(User).join(LoginSession, LoginSession.user_id == User.id).where(
            User.id == int(user_id), LoginSession.key_hash == _token_hash(key),
            LoginSession.created_at > now - _session_max_age(),
        )
    )
    if user is None or not user.is_active or not secrets.compare_digest(user.session_stamp, stamp):
        return None
    user.login_key = key
    return user


def end_session(user: User) -> None:
    """Sign this browser out for good: its key no longer opens a session, wherever it was copied."""
    if user.login_key:
        db.session.execute(delete(LoginSession).where(LoginSession.key_hash == _token_hash(user.login_key)))
        user.login_key = ""


def purge_login_sessions(*, now: datetime) -> int:
    """Delete the sessions older than SESSION_MAX_AGE_DAYS (browsers that never signed out)."""
    return db.session.execute(
        delete(LoginSession).where(LoginSession.created_at <= now - _session_max_age())
    ).rowcount


def _session_max_age() -> timedelta:
    return timedelta(days=current_app.config["SESSION_MAX_AGE_DAYS"])


def create_user(
    *, email: str, name: str, roles: list[str], password: str | None = None, password_hash: str | None = None,
    region: Region | None = None, sector: str | None = None, organisation: str | None = None,
    locale: str | None = None, now: datetime,
) -> User:
    """Create an active account; raise EmailTaken if the address is in use. Give the password, or a
    *password_hash* made before for accounts that share one (the demo's: see lms.auth.demo)."""
    if (password is None) == (password_hash is None):
        raise TypeError("create_user needs a password or a password_hash, not both")
    email = normalize_email(email)
    if find_user_by_email(email) is not None:
        raise EmailTaken()
    user = User(
        email=email, name=name.strip(), password_hash=password_hash or hash_password(password), region=region,
        sector=_checked_sector(sector), organisation=organisation, locale=locale,
        session_stamp=new_stamp(), created_at=now,
    )
    user.role_rows = [UserRole(role=Role(role).value) for role in _unique(roles)]
    db.session.add(user)
    db.session.flush()
    return user


def _unique(values):
    return list(dict.fromkeys(values))


def _checked_sector(sector: str | None) -> str | None:
    return Sector(sector).value if sector else None


class DirectoryManaged(Conflict):
    default_message = _l("Dieses Konto meldet sich über den Anmeldedienst seiner Organisation an und hat kein "
                         "Passwort in lms; das Passwort ändern Sie dort.")


def set_password(user: User, password: str) -> None:
    """Replace the password and end every other session of the user. An account a sign-in provider
    manages (lms/auth/sso) has none and gets none: its directory decides who may sign in."""
    if user.directory is not None:
        raise DirectoryManaged()
    user.password_hash = hash_password(password)
    user.session_stamp = new_stamp()
    db.session.flush()


def change_password(user: User, *, current: str, new: str) -> None:
    """Change *user*'s own password after checking the current one."""
    if user.directory is not None:
        raise DirectoryManaged()
    if not check_password_hash(user.password_hash, current):
        raise WrongPassword()
    set_password(user, new)


def update_profile(user: User, *, name: str, locale: str | None) -> None:
    """Let a user change their own display name and language."""
    user.name = name.strip()
    user.locale = locale or None
    db.session.flush()


# --- password reset -------------------------------------------------------------------------

class _AppClockSigner(TimestampSigner):
    """Signs and ages tokens on the app's clock (`utcnow`), as every other deadline is reckoned."""

    def get_timestamp(self) -> int:
        return int(utcnow().timestamp())


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="lms.password-reset",
                                  signer=_AppClockSigner)


def _password_fingerprint(user: User) -> str:
    # The token names the current password hash: after one use the hash changes, and the token dies.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_reset_token(user: User) -> str:
    """A signed link token naming the user and their current password hash (dies with one use)."""
    return _reset_serializer().dumps({"user": user.id, "pw": _password_fingerprint(user)})


def request_password_reset(email: str, *, now: datetime) -> None:
    """Mail a reset link if an active account with a password has this address; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.is_active or user.directory is not None:
        return
    link = external_url("auth.reset_password", token=make_reset_token(user))
    queue_mail(
        recipient=user.email, template="password_reset", locale=user.locale, now=now, carries_link=True,
        user=user, link=link, hours=current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600,
    )


def user_for_reset_token(token: str) -> User:
    """The user a valid reset link belongs to; raise ExpiredLink or InvalidLink."""
    try:
        data = _reset_serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired:
        raise ExpiredLink() from None
    except BadSignature:
        raise InvalidLink() from None
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) else None
    if user is None or not user.is_active or user.directory is not None or data.get("pw") != _password_fingerprint(user):
        raise InvalidLink()
    return user


def reset_password(token: str, password: str) -> User:
    """Set a new password through a reset link; the link cannot be used again."""
    user = user_for_reset_token(token)
    set_password(user, password)
    return user


# --- invitations ----------------------------------------------------------------------------

def invite(
    admin: User, *, email: str, name: str, roles: list[str], region: Region | None,
    sector: str | None, now: datetime,
) -> Invitation:
    """Invite a person by mail; an older open invitation for the same address is revoked."""
    ensure_role(admin, Role.ADMIN)
    email = normalize_email(email)
    if find_user_by_email(email) is not None:
        raise EmailTaken()
    db.session.execute(
        update(Invitation)
        .where(Invitation.email == email, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=email, name=name.strip(), roles=" ".join(Role(role).value for role in _unique(roles)),
        region=region, sector=_checked_sector(sector), token_hash=_token_hash(token),
        invited_by=admin, created_at=now,
        expires_at=now + timedelta(days=current_app.config["INVITATION_VALID_DAYS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(admin, "user.invite", now=now, subject=invitation, roles=invitation.role_list,
                 region=invitation.region_id, sector=invitation.sector)
    queue_mail(
        recipient=email, template="invitation", locale=None, now=now, invitation=invitation, carries_link=True,
        link=external_url("auth.accept_invitation", token=token),
    )
    return invitation


def invitation_for_token(token: str, *, now: datetime) -> Invitation:
    """The open invitation behind *token*; raise InvalidLink or ExpiredLink."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == _token_hash(token)))
    if invitation is None or invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise InvalidLink()
    if invitation.expires_at <= now:
        raise ExpiredLink()
    return invitation


def accept_invitation(token: str, *, password: str, now: datetime) -> User:
    """Create the invited account; the conditional update makes the link single-use under races."""
    invitation = invitation_for_token(token, now=now)
    taken = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None))
        .values(accepted_at=now)
    )
    if taken.rowcount != 1:
        raise InvalidLink()
    return create_user(
        email=invitation.email, name=invitation.name, roles=invitation.role_list, password=password,
        region=invitation.region, sector=invitation.sector, now=now,
    )


def revoke_invitation(admin: User, invitation: Invitation, *, now: datetime) -> None:
    """Withdraw an invitation not yet accepted: its link stops working."""
    ensure_role(admin, Role.ADMIN)
    if invitation.accepted_at is None:
        invitation.revoked_at = now
        audit.record(admin, "invitation.revoke", now=now, subject=invitation)
        db.session.flush()


# --- administration -------------------------------------------------------------------------

def update_account(
    admin: User, user: User, *, name: str, roles: list[str], region: Region | None,
    sector: str | None, organisation: str | None, active: bool, now: datetime,
) -> None:
    """Change another account's roles, region, sector and state; admins cannot lock themselves out.
    Each change that happened leaves one entry in the audit trail."""
    ensure_role(admin, Role.ADMIN)
    if user.erased_at is not None:
        raise Conflict(_l("Dieses Konto wurde gelöscht und kann nicht mehr geändert werden."))
    roles = _unique(Role(role).value for role in roles)
    if user.id == admin.id and (not active or Role.ADMIN not in roles):
        raise Conflict(_l("Sie können sich nicht selbst deaktivieren oder die eigene Administrationsrolle entziehen."))
    before = (user.name, sorted(user.roles), user.region_id, user.sector, user.organisation, user.active)
    user.name = name.strip()
    user.role_rows = [row for row in user.role_rows if row.role in roles] + [
        UserRole(role=role) for role in roles if role not in user.roles
    ]
    user.region = region
    user.sector = _checked_sector(sector)
    user.organisation = organisation or None
    if user.active and not active:
        user.session_stamp = new_stamp()  # ends the running sessions at their next request
        user.deactivated_at = now
    elif active:
        user.deactivated_at = None
    user.active = active
    _audit_account(admin, user, before, now=now)
    db.session.flush()


def _audit_account(admin: User, user: User, before: tuple, *, now: datetime) -> None:
    old_name, old_roles, old_region, old_sector, old_organisation, was_active = before
    if user.name != old_name:
        audit.record(admin, "user.name", now=now, subject=user, about=user)
    if sorted(user.roles) != old_roles:
        audit.record(admin, "user.roles", now=now, subject=user, about=user, old=old_roles, new=sorted(user.roles))
    if (user.region.id if user.region else None) != old_region:
        audit.record(admin, "user.region", now=now, subject=user, about=user, old=old_region,
                     new=user.region.id if user.region else None)
    if (user.sector, user.organisation) != (old_sector, old_organisation):
        changed = {"old": old_sector, "new": user.sector} if user.sector != old_sector else {}
        if user.organisation != old_organisation:
            changed.update(old_organisation=old_organisation, new_organisation=user.organisation)
        audit.record(admin, "user.sector", now=now, subject=user, about=user, **changed)
    if user.active != was_active:
        audit.record(admin, "user.reactivate" if user.active else "user.deactivate", now=now, subject=user,
                     about=user)


def follow_institution(user: User, *, sector: str, organisation: str) -> None:
    """A person who joins an institution of the network takes its sector and name as her own (the
    network directory calls this when the institution's keeper says so)."""
    user.sector, user.organisation = _checked_sector(sector), organisation[:200]
    db.session.flush()


def create_region(admin: User, *, name: str, kind: str, now: datetime) -> Region:
    """A new district or city, its name unique in any case."""
    ensure_role(admin, Role.ADMIN)
    name = name.strip()
    if db.session.scalar(select(Region).where(folded(Region.name) == folded(name))):
        raise Conflict(_l("Eine Region mit diesem Namen gibt es bereits."))
    region = Region(name=name, kind=kind)
    db.session.add(region)
    db.session.flush()
    audit.record(admin, "region.create", now=now, subject=region, name=region.name, kind=region.kind)
    return region


def get_region(region_id: int | None) -> Region | None:
    """The region with this id (None for none); NotFound for an id that names none."""
    if region_id is None:
        return None
    region = db.session.get(Region, region_id)
    if region is None:
        raise NotFound()
    return region


def all_regions() -> list[Region]:
    """Every region by name, for the forms' choices."""
    return list(db.session.scalars(select(Region).order_by(Region.name)))
