"""Queue mails in the outbox and deliver them; every mail of the app goes through here."""
from datetime import datetime, timedelta

from flask import current_app, render_template
from sqlalchemy import delete, func, or_, select, update

from lms import requestlog
from lms.extensions import db
from lms.i18n import speaking
from lms.notifications.models import OutboxMessage, OutboxStatus
from lms.notifications.transport import build_message, transport_for

# A row stuck in "sending" this long (a crashed worker) is tried again.
STALE_CLAIM = timedelta(minutes=15)
DONE = (OutboxStatus.SENT, OutboxStatus.FAILED)


def queue_mail(
    *, recipient: str, template: str, locale: str | None, now: datetime,
    calendar: str | None = None, calendar_method: str | None = None, carries_link: bool = False, **context,
) -> OutboxMessage:
    """Render emails/<template>.txt in the recipient's language and put it in the outbox.

    The template's first line is the subject; the rest is the body. *carries_link*: the body holds a
    link that grants access, emptied once the mail is delivered or given up.
    """
    with speaking(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        rendered = render_template(f"emails/{template}.txt", **context)
    subject, _, body = rendered.strip().partition("\n")
    message = OutboxMessage(
        recipient=recipient, subject=subject.strip(), body=body.strip() + "\n",
        calendar=calendar, calendar_method=calendar_method, created_at=now, not_before=now,
        carries_link=carries_link, request_id=requestlog.current_id(),
    )
    db.session.add(message)
    db.session.flush()
    return message


def _claim(message_id: int, *, now: datetime) -> bool:
    """Take the row for this worker; False if another worker has it."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            or_(
                OutboxMessage.status == OutboxStatus.PENDING,
                (OutboxMessage.status == OutboxStatus.SENDING) & (OutboxMessage.claimed_at < now - STALE_CLAIM),
            ),
        )
        .values(status=OutboxStatus.SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1)
    )
    db.session.commit()
    return result.rowcount == 1


def deliver_due(*, now: datetime, limit: int = 100, transport=None) -> int:
    """Send the due outbox mails; return how many were sent.

    Each row is claimed and committed before sending, so two workers never send one mail twice.
    A failed send is retried later with a growing delay, up to MAIL_MAX_ATTEMPTS.
    """
    config = current_app.config
    due_ids = db.session.scalars(
        select(OutboxMessage.id)
        .where(
            or_(
                (OutboxMessage.status == OutboxStatus.PENDING) & (OutboxMessage.not_before <= now),
                (OutboxMessage.status == OutboxStatus.SENDING) & (OutboxMessage.claimed_at < now - STALE_CLAIM),
            )
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    claimed = [message_id for message_id in due_ids if _claim(message_id, now=now)]
    if not claimed:
        return 0
    sent = 0
    try:
        with transport or transport_for(config) as connection:
            for message_id in claimed:
                row = db.session.get(OutboxMessage, message_id)
                try:
                    message = build_message(row, sender=config["MAIL_SENDER"], now=now)
                    db.session.rollback()  # no transaction stays open while the mail server answers
                    connection.send(message)
                except Exception as error:  # keep going: one bad address must not block the rest
                    _record_failure(row, error, now=now)
                else:
                    row.status, row.sent_at, row.last_error = OutboxStatus.SENT, now, None
                    sent += 1
                _forget_link(row)
                db.session.commit()
    except OSError as error:  # no connection at all: give every claimed row back
        for message_id in claimed:
            row = db.session.get(OutboxMessage, message_id)
            if row.status == OutboxStatus.SENDING:
                _record_failure(row, error, now=now)
                _forget_link(row)
        db.session.commit()
    return sent


def _forget_link(row: OutboxMessage) -> None:
    """A delivered or given-up mail with an access link keeps its subject, not its body."""
    if row.carries_link and row.status in DONE:
        row.body, row.calendar = "", None


def purge_outbox(*, now: datetime) -> int:
    """Retention of mails (docs/privacy.md): a delivered or given-up mail loses its body and attachment
    after RETENTION_OUTBOX_BODY_DAYS and the row after RETENTION_OUTBOX_DAYS; returns the rows touched."""
    config = current_app.config
    done_at = func.coalesce(OutboxMessage.sent_at, OutboxMessage.created_at)
    emptied = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status.in_(DONE), OutboxMessage.body != "",
               done_at < now - timedelta(days=config["RETENTION_OUTBOX_BODY_DAYS"]))
        .values(body="", calendar=None)
    ).rowcount
    deleted = db.session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.status.in_(DONE), done_at < now - timedelta(days=config["RETENTION_OUTBOX_DAYS"]))
    ).rowcount
    return emptied + deleted


def _record_failure(row: OutboxMessage, error: Exception, *, now: datetime) -> None:
    current_app.logger.warning("mail %s to %s failed: %s", row.id, row.recipient, error)
    row.last_error = str(error)[:500]
    if row.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        row.status = OutboxStatus.FAILED
    else:
        row.status = OutboxStatus.PENDING
        row.not_before = now + timedelta(minutes=2 ** row.attempts)
