"""Outbox rows: one mail each, claimed by a conditional update before it is sent."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import utcnow
from lms.extensions import db


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(250))
    body: Mapped[str] = mapped_column(Text)
    # An iCalendar attachment (text/calendar) and its METHOD, for invitations.
    calendar: Mapped[str | None] = mapped_column(Text)
    calendar_method: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    not_before: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    # A link in the body grants access (a password reset, an invitation): the body is emptied as soon
    # as the mail is delivered or given up, so the link never stays in the database.
    carries_link: Mapped[bool] = mapped_column(default=False)
    request_id: Mapped[str | None] = mapped_column(String(64))  # of the request or job run that queued it

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.status}>"
