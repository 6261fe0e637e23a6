"""Read models for the account lists and the admins' start page."""
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import raiseload

from lms.auth.models import Invitation, Role, User, UserRole
from lms.candidates import Candidates
from lms.extensions import db
from lms.textsearch import contains


def users_query(*, search: str = "", role: str = "", region_id: int | None = None) -> Select:
    """Accounts matching the admin's filters, by name (roles load in one extra query per page)."""
    query = select(User).order_by(User.name, User.id)
    if search:
        query = query.where(or_(contains(User.email, search), contains(User.name, search)))
    if role:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    if region_id:
        query = query.where(User.region_id == region_id)
    return query


def trainer_candidates() -> Candidates:
    """Who can be named as a trainer of a module or an offering: active accounts with the trainer
    role, found by name (not by address: whoever edits a module need not learn every address)."""
    return Candidates(
        select(User.id, User.name).where(User.active.is_(True), User.role_rows.any(role=Role.TRAINER))
        .order_by(User.name, User.id),
        id=User.id, searched=(User.name,))


def open_invitations_query(*, now: datetime) -> Select:
    """Invitations neither accepted, revoked nor expired, newest first (the accounts page lists them)."""
    return (
        select(Invitation)
        .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None), Invitation.expires_at > now)
        .order_by(Invitation.created_at.desc())
    )


def pending_invitations(*, now: datetime, limit: int = 5) -> tuple[list[Invitation], int]:
    """Open invitations, the soonest to expire first, and how many are open in all (one statement)."""
    rows = db.session.execute(
        select(Invitation, func.count().over())
        .options(raiseload(Invitation.invited_by), raiseload(Invitation.region))
        .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None), Invitation.expires_at > now)
        .order_by(Invitation.expires_at, Invitation.id).limit(limit)
    ).all()
    return [invitation for invitation, _total in rows], rows[0][1] if rows else 0
