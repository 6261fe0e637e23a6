"""Case content, the outcome and the audit log: who may read a booking's case, what each read and
write leaves in the log, and when the content is erased.

Case content is read only through `read_case`, which checks need-to-know and writes the audit log.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from lms import sealing
from lms.auth.models import Role, User
from lms.auth.permissions import ensure_role
from lms.beratung.catalogue import RESULTS
from lms.beratung.models import CaseAccess, CaseContent, CaseKey, Consultation, ConsultationStatus, case_context
from lms.beratung.services.errors import _require_reason, check_free_text
from lms.errors import Conflict, DomainError, PermissionDenied
from lms.extensions import db
from lms.i18n import _l


def _require_expert_of(actor: User, consultation: Consultation) -> None:
    if actor.id != consultation.expert_id:
        raise PermissionDenied()


def _log(consultation: Consultation, user: User | None, action: str, *, now: datetime) -> None:
    db.session.add(CaseAccess(consultation_id=consultation.id, case_code=consultation.case_code,
                              user_id=user.id if user else None, action=action, at=now))


def reveal_booker(actor: User, consultation: Consultation, *, reason: str, now: datetime) -> None:
    """An admin who investigates (a complaint, a misuse) has the booker's name shown: only with a
    reason, which the audit log keeps with the admin's name."""
    ensure_role(actor, Role.ADMIN)
    _require_reason(reason)
    db.session.add(CaseAccess(consultation_id=consultation.id, case_code=consultation.case_code, user_id=actor.id,
                              action="booker", at=now, reason=reason.strip()[:500]))
    db.session.flush()


@dataclass(frozen=True)
class CaseView:
    content: CaseContent | None
    outcome_visible: bool

    @property
    def outcome(self) -> str:
        """The expert's documentation; empty for the booker, who only learns that it took place."""
        return self.content.outcome if self.content is not None and self.outcome_visible else ""

    @property
    def result(self) -> str | None:
        return self.content.result if self.content is not None and self.outcome_visible else None


def read_case(user: User, consultation: Consultation, *, now: datetime) -> CaseView:
    """The case content for its booker or expert (the outcome for the expert alone); every read is logged."""
    if not consultation.is_party(user):
        raise PermissionDenied()
    content = db.session.get(CaseContent, consultation.id)
    if content is not None:
        _log(consultation, user, "read", now=now)
        db.session.flush()
    return CaseView(content, outcome_visible=user.id == consultation.expert_id)


def record_outcome(actor: User, consultation: Consultation, *, outcome: str, result: str | None,
                   now: datetime, confirmed: frozenset[str] = frozenset()) -> None:
    """After the consultation the expert notes the outcome (pseudonymous, for the expert alone)."""
    _require_expert_of(actor, consultation)
    if consultation.status not in (ConsultationStatus.CONFIRMED, ConsultationStatus.COMPLETED) \
            or consultation.starts_at > now:
        raise Conflict(_l("Das Ergebnis kann erst nach Beginn einer bestätigten Beratung festgehalten werden."))
    if consultation.case_erased_at is not None:
        raise Conflict(_l("Die Falldaten dieser Beratung sind bereits gelöscht."))
    if result and result not in RESULTS:
        raise DomainError(_l("Bitte wählen Sie ein gültiges Ergebnis."))
    if len(outcome) > 5000:
        raise DomainError(_l("Höchstens %(max)d Zeichen.", max=5000))
    check_free_text(outcome, field=_l("Dokumentation"), confirmed=confirmed)
    content = db.session.get(CaseContent, consultation.id)
    if content is None:
        content = CaseContent(consultation_id=consultation.id)
        db.session.add(content)
    content.outcome, content.result = outcome.strip(), result or None
    if consultation.status != ConsultationStatus.COMPLETED:
        consultation.status = ConsultationStatus.COMPLETED
    consultation.updated_at = now
    _log(consultation, actor, "write", now=now)
    db.session.flush()


def erase_case(consultation: Consultation, *, now: datetime, actor: User | None = None) -> None:
    """Erase the consultation's case content and reason for good: deleting its data key makes every
    copy unreadable (lms/sealing.py); the metadata stays for statistics. The audit log keeps the erasure."""
    db.session.execute(delete(CaseContent).where(CaseContent.consultation_id == consultation.id))
    consultation.decision_reason = ""  # free text that may have slipped into a reason goes too
    db.session.flush()
    db.session.execute(delete(CaseKey).where(CaseKey.consultation_id == consultation.id))
    consultation.case_erased_at = now
    _log(consultation, actor, "erase", now=now)


def erase_expired_case_content(*, now: datetime) -> int:
    """Erase case content whose retention period has passed (a scheduled job)."""
    limit = now - timedelta(days=current_app.config["CONSULTATION_RETENTION_DAYS"])
    due = db.session.scalars(select(Consultation).where(
        Consultation.case_erased_at.is_(None), Consultation.ends_at < limit)).all()
    for consultation in due:
        erase_case(consultation, now=now)
    db.session.flush()
    return len(due)


def rewrap_case_keys() -> int:
    """Wrap every data key that an older master key wrapped with the current one (a rotation's middle
    step, lms/sealing.py); returns how many. Case text is not touched: only its keys change."""
    ring = sealing.keyring()
    count = 0
    for row in db.session.scalars(select(CaseKey).where(CaseKey.wrapped_by != ring.current_id)):
        context = case_context(row.consultation_id, "key")
        row.wrapped_by, row.wrapped = ring.wrap(ring.unwrap(row.wrapped_by, row.wrapped, context=context),
                                                context=context)
        count += 1
    db.session.flush()
    return count


def master_keys_in_use() -> set[str]:
    """The ids of the master keys that still wrap a data key: those a rotation may not retire."""
    return set(db.session.scalars(select(CaseKey.wrapped_by).distinct()))


def purge_case_access_log(*, now: datetime) -> int:
    """Retention of the case access log (DOMAIN.md 2.3: its own period, RETENTION_CASE_ACCESS_DAYS)."""
    limit = now - timedelta(days=current_app.config["RETENTION_CASE_ACCESS_DAYS"])
    return db.session.execute(delete(CaseAccess).where(CaseAccess.at < limit)).rowcount
