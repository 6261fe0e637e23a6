"""Data-protection rules of the outbox (see lms/privacy.py)."""
from datetime import datetime

from sqlalchemy import delete, select

from lms.extensions import db
from lms.i18n import _l
from lms.notifications.models import OutboxMessage
from lms.privacy import Erasure, TableRule, rows

RULES = (
    TableRule("outbox_message", _l("Versandte E-Mails"), _l("Benachrichtigungen, Einladungen, Erinnerungen"),
              _l("die Empfänger*innen, der Mailserver"), Erasure.DELETE,
              _l("Text nach dem Versand, Links zur Anmeldung sofort; der Eintrag selbst länger"),
              "RETENTION_OUTBOX_BODY_DAYS", "purge_mails"),
)


def export(user, *, now: datetime) -> dict:
    return {"mails": rows(select(OutboxMessage.created_at, OutboxMessage.sent_at, OutboxMessage.status,
                                 OutboxMessage.subject, OutboxMessage.body)
                          .where(OutboxMessage.recipient == user.email).order_by(OutboxMessage.id))}


def forget(user, *, now: datetime) -> None:
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.recipient == user.email))
