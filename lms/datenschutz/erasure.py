"""Erasure of an account (DSGVO Art. 17) by the rules in `rules.py`: each package forgets the person in
its own tables, the account becomes a tombstone, and the audit trail keeps that it happened."""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from lms import audit
from lms.auth.models import Role, User, UserRole
from lms.datenschutz.rules import PACKAGES
from lms.errors import Conflict, PermissionDenied
from lms.extensions import db
from lms.i18n import _l
from lms.locks import lock_row


def may_erase(actor: User, user: User) -> bool:
    """Admins erase accounts; a person her own, where the installation allows it."""
    if actor.has_role(Role.ADMIN):
        return True
    return actor.id == user.id and current_app.config["ACCOUNT_SELF_ERASURE"]


def erase_account(actor: User | None, user: User, *, now: datetime) -> None:
    """Erase *user* for good; *actor* None is the retention job. The last active admin cannot be erased
    (nobody could administer the installation any more)."""
    if actor is not None and not may_erase(actor, user):
        raise PermissionDenied()
    lock_row(User, user.id)  # two erasures at once: the second finds the tombstone
    db.session.refresh(user)
    if user.erased_at is not None:
        raise Conflict(_l("Dieses Konto ist bereits gelöscht."))
    if user.has_role(Role.ADMIN) and user.active and not _other_admins(user):
        raise Conflict(_l("Das letzte aktive Administrationskonto kann nicht gelöscht werden."))
    for package in PACKAGES:
        forget = getattr(package, "forget", None)
        if forget is not None:
            forget(user, now=now)
    audit.record(actor, "account.erase", now=now, subject=user, about=user)
    db.session.flush()


def _other_admins(user: User) -> bool:
    return db.session.scalar(select(User.id).join(UserRole).where(
        UserRole.role == Role.ADMIN, User.active.is_(True), User.id != user.id).limit(1)) is not None


def erase_deactivated_accounts(*, now: datetime) -> int:
    """The retention job: accounts deactivated longer than RETENTION_DEACTIVATED_ACCOUNT_DAYS are erased
    (0 keeps them). Returns how many."""
    days = current_app.config["RETENTION_DEACTIVATED_ACCOUNT_DAYS"]
    if days <= 0:
        return 0
    due = db.session.scalars(select(User).where(
        User.active.is_(False), User.erased_at.is_(None),
        User.deactivated_at < now - timedelta(days=days))).all()
    for user in due:
        erase_account(None, user, now=now)
    return len(due)
