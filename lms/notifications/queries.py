"""Read models of the outbox, for the admins' start page and the readiness check."""
from datetime import datetime

from sqlalchemy import func, select

from lms.extensions import db
from lms.notifications.models import OutboxMessage, OutboxStatus


def failed_mails(*, limit: int = 5) -> tuple[list[OutboxMessage], int]:
    """Mails given up after their last attempt, the latest first, and how many in all (one statement)."""
    rows = db.session.execute(
        select(OutboxMessage, func.count().over())
        .where(OutboxMessage.status == OutboxStatus.FAILED)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit)
    ).all()
    return [message for message, _total in rows], rows[0][1] if rows else 0


def backlog() -> tuple[int, datetime | None]:
    """Mails not yet delivered (waiting or being sent), and when the oldest of them was queued."""
    count, oldest = db.session.execute(
        select(func.count(), func.min(OutboxMessage.created_at))
        .where(OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)))
    ).one()
    return count, oldest
