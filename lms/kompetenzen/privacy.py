"""Data-protection rules of competence profiles (see lms/privacy.py): the person's evidence and
self-assessments are hers and go with her account; the framework names who changed it."""
from datetime import datetime

from sqlalchemy import delete, select

from lms.extensions import db
from lms.i18n import _l
from lms.kompetenzen.models import Competence, Evidence
from lms.privacy import Erasure, TableRule, rows

FRAMEWORK, PROFILE = _l("Kompetenzrahmen"), _l("Kompetenzprofil")
_CONTENT = _l("Kompetenzen, Stufen, Sollstufen")
RULES = (
    TableRule("competence_area", FRAMEWORK, _CONTENT, _l("alle"), Erasure.NONE, _l("unbefristet")),
    TableRule("competence", FRAMEWORK, _CONTENT, _l("alle"), Erasure.NONE, _l("unbefristet")),
    TableRule("framework_version", FRAMEWORK, _l("Fassungen des Rahmens und wer sie beschloss"),
              _l("Administration"), Erasure.PSEUDONYMISE, _l("unbefristet")),
    TableRule("instrument_competence", FRAMEWORK, _CONTENT, _l("alle"), Erasure.NONE, _l("unbefristet")),
    TableRule("module_competence", FRAMEWORK, _CONTENT, _l("alle"), Erasure.NONE, _l("unbefristet")),
    TableRule("target_level", FRAMEWORK, _CONTENT, _l("alle"), Erasure.NONE, _l("unbefristet")),
    TableRule("evidence", PROFILE, _l("Nachweise und Selbsteinschätzungen je Kompetenz"),
              _l("die Person; Koordination nur als Summe ab fünf Personen"), Erasure.DELETE,
              _l("solange das Konto besteht; Nachweise mit Gültigkeit verfallen")),
)


def export(user, *, now: datetime) -> dict:
    return {"evidence": rows(select(Competence.code, Competence.name, Evidence.source, Evidence.level,
                                    Evidence.comment, Evidence.module_title, Evidence.observed_on,
                                    Evidence.recorded_at, Evidence.expires_at)
                             .join(Competence, Competence.id == Evidence.competence_id)
                             .where(Evidence.user_id == user.id).order_by(Evidence.recorded_at))}


def forget(user, *, now: datetime) -> None:
    db.session.execute(delete(Evidence).where(Evidence.user_id == user.id))
