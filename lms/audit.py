"""The audit trail of administrative actions (DSGVO Art. 5(2), 30, 32): who changed whose roles, region
or sector, deactivated or erased an account, edited the competence framework or its targets, exported
participant lists or a person's data, or changed a setting.

An entry is written in the same transaction as the change it records (`record`), so the change and
its trace commit or roll back together. Entries are append-only: the app has no way to change or
delete one (a flush that tries raises), except the retention job, which deletes entries past their
period with a bulk statement (`purge`). Case reads have their own log (`beratung` CaseAccess).

The kernel owns the table, so every package can write to it; `actor_id` and `subject_user_id` refer
to accounts by id only (an erased account's row stays as a pseudonymised tombstone, so the trail
still says "this account did that" without naming the person).
"""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import JSON, ForeignKey, String, delete, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from lms.db import Base, utcnow
from lms.extensions import db
from lms.i18n import _l

# Every action the trail knows, with its label on the admin page; `record` refuses any other code.
ACTIONS = {
    "user.invite": _l("Person eingeladen"),
    "invitation.revoke": _l("Einladung zurückgezogen"),
    "user.name": _l("Name geändert"),
    "user.roles": _l("Rollen geändert"),
    "user.region": _l("Region geändert"),
    "user.sector": _l("Sektor oder Einrichtung geändert"),
    "user.deactivate": _l("Konto deaktiviert"),
    "user.reactivate": _l("Konto reaktiviert"),
    "user.directory": _l("Konto mit Anmeldedienst verbunden"),
    "account.erase": _l("Konto gelöscht"),
    "region.create": _l("Region angelegt"),
    "framework.change": _l("Kompetenzrahmen geändert"),
    "targets.change": _l("Sollstufe geändert"),
    "legal.change": _l("Rechtstext geändert"),
    "participants.export": _l("Teilnehmendenliste exportiert"),
    "person.export": _l("Personendaten exportiert"),
}

# How the admin page names the details' keys.
DETAIL_LABELS = {
    "old": _l("vorher"), "new": _l("nachher"), "old_organisation": _l("Einrichtung vorher"),
    "new_organisation": _l("Einrichtung nachher"), "roles": _l("Rollen"), "region": _l("Region"),
    "sector": _l("Sektor"), "name": _l("Name"), "kind": _l("Art"), "version": _l("Fassung"), "note": _l("Notiz"),
    "competence": _l("Kompetenz"), "page": _l("Seite"), "characters": _l("Zeichen"), "format": _l("Format"),
    "people": _l("Personen"),
    "provider": _l("Anmeldedienst"), "created": _l("neu angelegt"),
}


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    subject_type: Mapped[str | None] = mapped_column(String(30))
    subject_id: Mapped[int | None]
    # The person the action concerned, where it concerned one (a role change, an export of her data).
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class AppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit entry through the session."""


@event.listens_for(Session, "before_flush")
def _refuse_changes(session, _context, _instances) -> None:
    for entry in list(session.dirty) + list(session.deleted):
        if isinstance(entry, AuditEntry) and (entry in session.deleted or session.is_modified(entry)):
            raise AppendOnly("audit entries cannot be changed or deleted")


def record(actor, action: str, *, now: datetime, subject=None, about=None, **details) -> AuditEntry:
    """Write one entry: *actor* (a user, or None for the system) did *action* to *subject* (a model
    object with an `id`, or None), concerning the person *about* (a user or a user id, or None).
    *details* are short, JSON-serialisable facts (old and new value, a count, a file name): never a
    secret, a token or case text."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}: add it to lms.audit.ACTIONS")
    subject = getattr(subject, "_get_current_object", lambda: subject)()  # current_user is a proxy
    entry = AuditEntry(
        at=now, actor_id=getattr(actor, "id", None), action=action,
        subject_type=type(subject).__tablename__ if subject is not None else None,
        subject_id=getattr(subject, "id", None),
        subject_user_id=getattr(about, "id", about), details=details,
    )
    db.session.add(entry)
    return entry


def purge(*, now: datetime, days: int) -> int:
    """Delete entries older than *days* (the retention job's bulk delete, the one way entries leave)."""
    result = db.session.execute(delete(AuditEntry).where(AuditEntry.at < now - timedelta(days=days)))
    return result.rowcount


def purge_due(*, now: datetime) -> int:
    """The retention job: entries older than RETENTION_AUDIT_DAYS go."""
    return purge(now=now, days=current_app.config["RETENTION_AUDIT_DAYS"])
