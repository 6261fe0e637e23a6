"""From a person a provider vouched for to the lms account: created, linked or refreshed.

Decisions (docs/sign-in.md):
- The provider's subject identifies the account for good. At the first sign-in an account with
  the same *verified* address is linked, else a new one is created; an unverified address links
  nothing and creates nothing.
- Never linked by address: an account another provider manages (it would take the account over
  from that one), and an administrator's account (the one a forged address would aim at), which
  keeps signing in with its password.
- A linked account is managed by the provider from then on: its password is removed (a person who
  leaves the organisation loses access with her directory account) and nobody can set one.
- Name, address, region and sector follow the provider at every sign-in, where it says them.
- Roles granted by the directory's groups are refreshed at every sign-in and lost when the groups
  no longer grant them; roles an admin granted in lms stay.
"""
from datetime import datetime

from sqlalchemy import select

from lms import audit
from lms.auth.models import ExternalIdentity, Region, Role, Sector, User, UserRole
from lms.auth.services import find_user_by_email, new_stamp, normalize_email
from lms.auth.sso.person import (
    AccountDeactivated,
    AdminNotLinked,
    DirectoryPerson,
    ManagedElsewhere,
    UnverifiedEmail,
)
from lms.auth.sso.providers import label_of
from lms.db import folded
from lms.extensions import db


def sign_in(person: DirectoryPerson, *, label: str, roles: set[str], now: datetime) -> User:
    """The active account *person* signs in to, brought up to date; raise rather than create half."""
    identity = db.session.scalar(select(ExternalIdentity).where(
        ExternalIdentity.provider == person.provider, ExternalIdentity.subject == person.subject))
    if identity is None:
        if not person.email or not person.email_verified:
            raise UnverifiedEmail(label)
        user = find_user_by_email(person.email)
        created = user is None
        if created:
            user = User(email=normalize_email(person.email), name=(person.name or person.email)[:120],
                        password_hash="", session_stamp=new_stamp(), created_at=now)
            db.session.add(user)
        elif user.erased_at is not None or not user.is_active:
            raise AccountDeactivated()
        elif user.directory is not None and user.directory != person.provider:
            raise ManagedElsewhere(label_of(user.directory))
        elif user.has_role(Role.ADMIN):
            raise AdminNotLinked()
        identity = ExternalIdentity(user=user, provider=person.provider, subject=person.subject, created_at=now,
                                    last_sign_in_at=now)
        db.session.add(identity)
        db.session.flush()
        audit.record(None, "user.directory", now=now, subject=user, about=user, provider=person.provider,
                     created=created)
    user = identity.user
    if not user.is_active or user.erased_at is not None:
        raise AccountDeactivated()
    _follow(user, person, roles, now=now)
    identity.last_sign_in_at = user.last_login_at = now
    db.session.flush()
    return user


def _follow(user: User, person: DirectoryPerson, roles: set[str], *, now: datetime) -> None:
    if user.directory != person.provider or user.password_hash:
        user.directory, user.password_hash = person.provider, ""
        user.session_stamp = new_stamp()  # sessions signed in with the old password end
    if person.name:
        user.name = person.name.strip()[:120]
    if person.email and person.email_verified:
        email = normalize_email(person.email)
        if email != user.email and find_user_by_email(email) is None:
            user.email = email
    if person.region:
        region = db.session.scalar(select(Region).where(folded(Region.name) == folded(person.region.strip())))
        user.region = region or user.region
    if person.sector in set(Sector):
        user.sector = person.sector
    before = sorted(user.roles)
    user.role_rows = [row for row in user.role_rows if not row.from_directory or row.role in roles] + [
        UserRole(role=role, from_directory=True) for role in sorted(roles) if role not in user.roles]
    if sorted(user.roles) != before:
        audit.record(None, "user.roles", now=now, subject=user, about=user, old=before, new=sorted(user.roles),
                     provider=person.provider)
