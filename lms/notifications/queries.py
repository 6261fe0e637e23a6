"""Read models of the outbox, for the admins' start page."""
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
