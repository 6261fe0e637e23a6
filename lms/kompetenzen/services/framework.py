"""The competence framework: seeding the starter framework, editing it (each change a new framework
version: edit, add, remove, retire a competence) and the coordinators' target levels.
"""
from datetime import datetime

from sqlalchemy import func, select

from lms import audit
from lms.auth.models import Role, User
from lms.errors import DomainError
from lms.extensions import db
from lms.i18n import _l
from lms.kompetenzen.models import Competence, CompetenceArea, Evidence, FrameworkVersion, ModuleCompetence, TargetLevel
from lms.kompetenzen.queries import current_version
from lms.kompetenzen.services.errors import FrameworkChange, _check_level, ensure_admin
from lms.kompetenzen.starter import AREAS, MODULE_BUILDS
from lms.module.models import Module

# [PROPOSAL] Default target profile for coordinators until admins set their own: "shaping" (3) in
# the internal dimension, "applying" (2) in the performance dimension.
DEFAULT_COORDINATOR_TARGETS = {"internal": 3, "performance": 2, "both": 3}


def seed_framework(*, now: datetime) -> FrameworkVersion:
    """Create the starter framework, the coordinators' default targets and the starter modules'
    mappings, if there is no framework yet."""
    version = current_version()
    if version is not None:
        return version
    version = FrameworkVersion(number=1, note="Startrahmen (DOMAIN.md 3.2)", created_at=now)
    db.session.add(version)
    db.session.flush()
    for area_position, item in enumerate(AREAS):
        area = CompetenceArea(code=item["code"], name=item["name"], main_dimension=item["main_dimension"],
                              position=area_position)
        db.session.add(area)
        for position, entry in enumerate(item["competences"]):
            competence = Competence(
                area=area, code=entry["code"], name=entry["name"], dimension=entry["dimension"],
                facet=entry["facet"], position=position, introduced_in_id=version.id,
                validity_months=36 if entry["code"].startswith("E") else None,  # legal basics: refresh every 3 years
                **{f"level_{level}": text for level, text in enumerate(entry["levels"], start=1)},
            )
            db.session.add(competence)
            db.session.flush()
            db.session.add(TargetLevel(role=Role.COORDINATOR, sector="", region_id=None, competence_id=competence.id,
                                       level=DEFAULT_COORDINATOR_TARGETS[entry["dimension"]]))
    db.session.flush()
    map_starter_modules()
    return version


def map_starter_modules() -> None:
    """Map the starter catalogue's modules (by code) to the competences they build."""
    competences = {c.code: c for c in db.session.scalars(select(Competence))}
    modules = {m.code: m for m in db.session.scalars(select(Module).where(Module.code.in_(MODULE_BUILDS)))}
    for code, builds in MODULE_BUILDS.items():
        module = modules.get(code)
        if module is None:
            continue
        for competence_code, level in builds:
            if db.session.get(ModuleCompetence, (module.id, competences[competence_code].id)) is None:
                db.session.add(ModuleCompetence(module_id=module.id, competence_id=competences[competence_code].id,
                                                level=level))
    db.session.flush()


def _new_version(actor: User, note: str, now: datetime) -> FrameworkVersion:
    if not note.strip():
        raise DomainError(_l("Bitte beschreiben Sie die Änderung des Kompetenzrahmens."))
    previous = current_version()
    version = FrameworkVersion(number=(previous.number if previous else 0) + 1, note=note.strip()[:500],
                               created_at=now, created_by_id=actor.id)
    db.session.add(version)
    db.session.flush()
    audit.record(actor, "framework.change", now=now, subject=version, version=version.number, note=version.note)
    return version


def edit_competence(actor: User, competence: Competence, *, name: str, dimension: str, descriptors: list[str],
                    validity_months: int | None, note: str, now: datetime) -> FrameworkVersion:
    """Rename or describe a competence anew; its evidence stays attached (same id)."""
    ensure_admin(actor)
    if dimension not in ("internal", "performance", "both") or len(descriptors) != 4 or not name.strip():
        raise DomainError(_l("Bitte geben Sie Name, Dimension und vier Stufenbeschreibungen an."))
    version = _new_version(actor, note, now)
    competence.name = name.strip()[:200]
    competence.dimension = dimension
    competence.validity_months = validity_months or None
    for level, text in enumerate(descriptors, start=1):
        setattr(competence, f"level_{level}", text.strip())
    db.session.flush()
    return version


def add_competence(actor: User, area: CompetenceArea, *, code: str, name: str, dimension: str,
                   descriptors: list[str], target: int, note: str, now: datetime) -> Competence:
    """Add a competence to *area* with its coordinators' target, as a new framework version."""
    ensure_admin(actor)
    _check_level(target)
    if db.session.scalar(select(Competence.id).where(Competence.code == code.strip())):
        raise DomainError(_l("Das Kürzel %(code)s ist bereits vergeben.", code=code.strip()))
    if dimension not in ("internal", "performance", "both") or len(descriptors) != 4 or not name.strip():
        raise DomainError(_l("Bitte geben Sie Name, Dimension und vier Stufenbeschreibungen an."))
    version = _new_version(actor, note, now)
    competence = Competence(area=area, code=code.strip()[:10], name=name.strip()[:200], dimension=dimension,
                            position=len(area.competences), introduced_in_id=version.id,
                            **{f"level_{level}": text.strip() for level, text in enumerate(descriptors, start=1)})
    db.session.add(competence)
    db.session.flush()
    db.session.add(TargetLevel(role=Role.COORDINATOR, sector="", region_id=None, competence_id=competence.id,
                               level=target))
    db.session.flush()
    return competence


def remove_competence(actor: User, competence: Competence, *, note: str, now: datetime) -> None:
    """Delete a competence that nobody has evidence for; with evidence it can only be retired."""
    ensure_admin(actor)
    if db.session.scalar(select(func.count(Evidence.id)).where(Evidence.competence_id == competence.id)):
        raise FrameworkChange(_l(
            "Für diese Kompetenz gibt es Nachweise. Sie kann nicht gelöscht, nur auslaufen gelassen werden."))
    _new_version(actor, note, now)
    db.session.delete(competence)
    db.session.flush()


def retire_competence(actor: User, competence: Competence, *, note: str, now: datetime) -> None:
    """Take a competence out of the framework; its evidence is kept, nothing new is mapped to it."""
    ensure_admin(actor)
    if not competence.is_current:
        raise FrameworkChange(_l("Diese Kompetenz ist bereits ausgelaufen."))
    competence.retired_in_id = _new_version(actor, note, now).id
    db.session.flush()


def set_target(actor: User, competence: Competence, *, level: int | None, now: datetime,
               region_id: int | None = None) -> None:
    """Set the coordinators' target level (for a region: override it; None removes the override).
    A change (not a save of the same level) leaves an entry in the audit trail."""
    ensure_admin(actor)
    row = db.session.scalar(select(TargetLevel).where(
        TargetLevel.role == Role.COORDINATOR, TargetLevel.sector == "", TargetLevel.competence_id == competence.id,
        TargetLevel.region_id.is_(None) if region_id is None else TargetLevel.region_id == region_id))
    old = row.level if row is not None else None
    if level is None:
        if region_id is None:
            raise DomainError(_l("Die allgemeine Sollstufe kann nicht leer sein."))
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(TargetLevel(role=Role.COORDINATOR, sector="", region_id=region_id,
                                   competence_id=competence.id, level=_check_level(level)))
    else:
        row.level = _check_level(level)
    if old != level:
        audit.record(actor, "targets.change", now=now, subject=competence, competence=competence.code,
                     region=region_id, old=old, new=level)
    db.session.flush()