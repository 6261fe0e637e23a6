"""What builds a competence: which competences a module builds (up to which level), and which
instruments are recommended for working towards a level.
"""
from sqlalchemy import select

from lms.auth.models import User
from lms.errors import DomainError, PermissionDenied
from lms.extensions import db
from lms.i18n import _l
from lms.instrumente.models import Instrument
from lms.kompetenzen.models import Competence, InstrumentCompetence, ModuleCompetence
from lms.kompetenzen.services.errors import _check_level
from lms.module.models import Module


def map_module(actor: User, module: Module, levels: dict[int, int]) -> None:
    """State which competences *module* builds, up to which level (replacing the previous mapping)."""
    if not module.can_edit(actor):
        raise PermissionDenied()
    competences = {c.id: c for c in db.session.scalars(select(Competence).where(Competence.id.in_(levels)))}
    for competence_id, level in levels.items():
        _check_level(level)
        competence = competences.get(competence_id)
        if competence is None or not competence.is_current:
            raise DomainError(_l("Module können nur Kompetenzen des aktuellen Kompetenzrahmens zugeordnet werden."))
    for row in db.session.scalars(select(ModuleCompetence).where(ModuleCompetence.module_id == module.id)):
        db.session.delete(row)
    db.session.flush()
    for competence_id, level in levels.items():
        db.session.add(ModuleCompetence(module_id=module.id, competence_id=competence_id, level=level))
    db.session.flush()


def link_instrument(actor: User, instrument: Instrument, competence: Competence, *, level: int | None) -> None:
    """Recommend *instrument* to people working towards *level* of *competence* (None unlinks)."""
    if not instrument.is_editor(actor):
        raise PermissionDenied()
    if not competence.is_current:
        raise DomainError(_l("Nur Kompetenzen des aktuellen Kompetenzrahmens können verknüpft werden."))
    row = db.session.get(InstrumentCompetence, (instrument.id, competence.id))
    if level is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(InstrumentCompetence(instrument_id=instrument.id, competence_id=competence.id,
                                            level=_check_level(level)))
    else:
        row.level = _check_level(level)
    db.session.flush()
