"""Evidence of a level: from completed (and revoked) modules, by self-assessment and by a trainer's
confirmation, each with its expiry.
"""
from datetime import datetime, timedelta

from sqlalchemy import select

from lms.auth.models import Role, User
from lms.errors import PermissionDenied
from lms.extensions import db
from lms.i18n import _l
from lms.kompetenzen.models import Competence, Evidence, EvidenceSource
from lms.kompetenzen.queries import current_version, module_mapping
from lms.kompetenzen.services.errors import _check_level
from lms.module.models import Completion, Module


def _expiry(competence: Competence, observed_on: datetime) -> datetime | None:
    if not competence.validity_months:
        return None
    return observed_on + timedelta(days=round(competence.validity_months * 30.44))


def _add_evidence(user: User, competence: Competence, *, source: EvidenceSource, level: int, now: datetime,
                  observed_on: datetime | None = None, **fields) -> Evidence:
    version = current_version()
    observed_on = observed_on or now
    evidence = Evidence(user_id=user.id, competence_id=competence.id, framework_version_id=version.id,
                        source=source, level=_check_level(level), observed_on=observed_on, recorded_at=now,
                        expires_at=_expiry(competence, observed_on), **fields)
    db.session.add(evidence)
    db.session.flush()
    return evidence


def on_completion_recorded(completion: Completion, *, user: User, module: Module, completed_at: datetime) -> None:
    """Signal receiver: a completed module is evidence for each competence it builds."""
    for mapping in module_mapping(module):
        _add_evidence(user, mapping.competence, source=EvidenceSource.COMPLETION, level=mapping.level,
                      now=completion.recorded_at, observed_on=completed_at, completion_id=completion.id,
                      module_title=module.title)


def on_completion_revoked(completion: Completion, **_kwargs) -> None:
    """Signal receiver: a revoked completion takes its evidence with it."""
    for evidence in db.session.scalars(select(Evidence).where(Evidence.completion_id == completion.id)):
        db.session.delete(evidence)
    db.session.flush()


def self_assess(actor: User, person: User, competence: Competence, *, level: int, comment: str,
                now: datetime) -> Evidence:
    """Record how someone sees their own level; it never counts as the current level."""
    if actor.id != person.id:
        raise PermissionDenied(_l("Eine Selbsteinschätzung kann nur die Person selbst abgeben."))
    return _add_evidence(person, competence, source=EvidenceSource.SELF_ASSESSMENT, level=level, now=now,
                         comment=comment.strip()[:500], recorded_by_id=actor.id)


def confirm(actor: User, person: User, competence: Competence, *, level: int, comment: str,
            now: datetime) -> Evidence:
    """A trainer or an admin confirms a level they have seen in practice."""
    if not actor.is_active or not actor.has_role(Role.ADMIN, Role.TRAINER):
        raise PermissionDenied(_l("Bestätigen können Referent*innen und die Administration."))
    if actor.id == person.id:
        raise PermissionDenied(_l("Die eigene Kompetenz kann man nicht selbst bestätigen."))
    return _add_evidence(person, competence, source=EvidenceSource.CONFIRMATION, level=level, now=now,
                         comment=comment.strip()[:500], recorded_by_id=actor.id)
