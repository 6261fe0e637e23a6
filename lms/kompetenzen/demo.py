"""Demo competences: the starter framework with the coordinators' targets and the starter modules'
mappings, evidence for the demo completions, and a few self-assessments and confirmations."""
from datetime import datetime, timedelta

from sqlalchemy import select

from lms.auth.models import User
from lms.auth.services import find_user_by_email
from lms.extensions import db
from lms.kompetenzen import services
from lms.kompetenzen.models import Competence
from lms.module.models import Completion


def seed(*, now: datetime) -> list[tuple[str, str]]:
    if services.current_version() is not None:
        return []
    services.seed_framework(now=now)
    for completion in db.session.scalars(select(Completion).where(Completion.revoked_at.is_(None))).unique():
        user = db.session.get(User, completion.user_id)
        services.on_completion_recorded(completion, user=user, module=completion.module,
                                        completed_at=completion.completed_on)
    competences = {c.code: c for c in db.session.scalars(select(Competence))}
    coordinator, second = find_user_by_email("koordination@example.org"), find_user_by_email("koordination2@example.org")
    trainer = find_user_by_email("referentin@example.org")
    if coordinator is not None:
        for code, level in (("B1", 2), ("E3", 1), ("G1", 3)):
            services.self_assess(coordinator, coordinator, competences[code], level=level, comment="", now=now)
    if second is not None and trainer is not None:
        services.confirm(trainer, second, competences["B1"], level=3, comment="Moderation des Netzwerkforums",
                         now=now - timedelta(days=40))
        services.confirm(trainer, second, competences["E1"], level=2, comment="Fallbesprechung",
                         now=now - timedelta(days=4 * 365))  # older than the 3-year validity: expired
    db.session.flush()
    return []
