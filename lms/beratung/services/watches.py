"""Waiting for a free slot: a booker asks to be told when a slot with an expert frees up, and is told
once when one does.

The slot watch is its own aggregate; the changes that free a slot call `_slot_freed`.
"""
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from lms.auth.models import User
from lms.auth.permissions import ensure_role
from lms.beratung.models import ExpertProfile, SlotWatch
from lms.beratung.services.booking import BOOKER_ROLES
from lms.extensions import db
from lms.links import external_url
from lms.notifications.services import queue_mail


def watch(booker: User, profile: ExpertProfile, *, now: datetime) -> SlotWatch:
    """Ask to be told by mail when a slot with this expert frees up (once). Asking twice, also in
    parallel, keeps the one open request (a partial unique index)."""
    ensure_role(booker, *BOOKER_ROLES)

    def open_watch():
        return db.session.scalar(select(SlotWatch).where(
            SlotWatch.expert_id == profile.user_id, SlotWatch.booker_id == booker.id, SlotWatch.notified_at.is_(None)))

    existing = open_watch()
    if existing is not None:
        return existing
    db.session.add(SlotWatch(expert_id=profile.user_id, booker_id=booker.id, created_at=now))
    try:
        db.session.flush()
    except IntegrityError:  # a parallel request (a double click) was first
        db.session.rollback()
    return open_watch()


def _slot_freed(expert: User, starts_at: datetime, *, now: datetime) -> None:
    """A slot at *starts_at* became free: tell those waiting for this expert, each once (claimed by
    a conditional update). A slot that has begun frees nothing."""
    if starts_at <= now:
        return
    watchers = db.session.scalars(select(SlotWatch).where(SlotWatch.expert_id == expert.id,
                                                          SlotWatch.notified_at.is_(None))).all()
    for row in watchers:
        claimed = db.session.execute(
            update(SlotWatch).where(SlotWatch.id == row.id, SlotWatch.notified_at.is_(None))
            .values(notified_at=now).execution_options(synchronize_session=False)
        ).rowcount == 1
        db.session.expire(row, ["notified_at"])
        if claimed:
            booker = db.session.get(User, row.booker_id)
            queue_mail(recipient=booker.email, template="beratung/slot_free", locale=booker.locale, now=now,
                       user=booker, expert=expert, link=external_url("beratung.expert", expert_id=expert.id))
    db.session.flush()
