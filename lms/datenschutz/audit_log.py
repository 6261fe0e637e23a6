"""The audit trail as admins read it: filtered, newest first, a page at a time, with the names of the
people involved loaded for the whole page in one statement."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, or_, select

from lms.audit import AuditEntry
from lms.auth.models import User
from lms.extensions import db
from lms.ical import BERLIN
from lms.textsearch import contains


@dataclass(frozen=True)
class Filters:
    action: str = ""
    person: str = ""  # part of a name or an e-mail address: the acting or the concerned person
    person_id: int | None = None
    since: date | None = None  # Berlin days, inclusive
    until: date | None = None


def _berlin_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), BERLIN)


def entries(filters: Filters) -> Select:
    """The entries that pass *filters*, newest first."""
    query = select(AuditEntry)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.person_id is not None:
        query = query.where(or_(AuditEntry.actor_id == filters.person_id,
                                AuditEntry.subject_user_id == filters.person_id))
    if filters.person:
        people = select(User.id).where(or_(contains(User.email, filters.person), contains(User.name, filters.person)))
        query = query.where(or_(AuditEntry.actor_id.in_(people), AuditEntry.subject_user_id.in_(people)))
    if filters.since:
        query = query.where(AuditEntry.at >= _berlin_midnight(filters.since))
    if filters.until:
        query = query.where(AuditEntry.at < _berlin_midnight(filters.until + timedelta(days=1)))
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def names_of(page_entries: list[AuditEntry]) -> dict[int, User]:
    """The accounts a page of entries names (actors and concerned people), in one statement."""
    ids = {entry.actor_id for entry in page_entries} | {entry.subject_user_id for entry in page_entries}
    ids.discard(None)
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))}
