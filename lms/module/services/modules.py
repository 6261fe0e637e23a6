"""Modules: creating, changing, publishing and archiving them, with their prerequisites and trainers.

A module is what offerings are runs of; its rules stand apart from the offerings' seats and lines.
"""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select

from lms.auth.models import Role, User
from lms.auth.permissions import ensure_role
from lms.dimensions import Dimension
from lms.errors import Conflict, DomainError, PermissionDenied
from lms.extensions import db
from lms.i18n import _l
from lms.instrumente.models import Instrument, InstrumentState
from lms.module.models import AUDIENCE_LABELS, Module, ModuleAudience, ModuleState, Offering, OfferingState
from lms.module.services.errors import PUBLISHED_MATERIALS_ONLY, PUBLISHED_PREREQUISITES_ONLY, TRAINERS_ONLY
from lms.textsearch import term_line


@dataclass
class ModuleInput:
    title: str
    summary: str
    description: str
    learning_goals: str
    dimension: str
    teaching_units: int
    required_attendance: int
    audiences: list[str]
    prerequisite_ids: list[int]
    trainer_ids: list[int]
    code: str | None = None
    material_ids: list[int] = field(default_factory=list)


def _require_edit(actor: User, module: Module) -> None:
    if not module.can_edit(actor):
        raise PermissionDenied()


def _trainers(ids: list[int]) -> list[User]:
    users = list(db.session.scalars(select(User).where(User.id.in_(ids)))) if ids else []
    if len(users) != len(set(ids)) or any(not user.has_role(Role.TRAINER) for user in users):
        raise DomainError(TRAINERS_ONLY)
    return users


def _apply_module_input(module: Module, data: ModuleInput, *, actor: User) -> None:
    Dimension(data.dimension)
    unknown = set(data.audiences) - set(AUDIENCE_LABELS)
    if unknown or not data.audiences:
        raise DomainError(_l("Bitte wählen Sie mindestens eine gültige Zielgruppe."))
    code = (data.code or "").strip() or None
    if code and db.session.scalar(select(Module.id).where(Module.code == code, Module.id != module.id)):
        raise Conflict(_l("Das Kürzel %(code)s ist bereits vergeben.", code=code))
    prerequisites = list(db.session.scalars(select(Module).where(Module.id.in_(data.prerequisite_ids))))
    if len(prerequisites) != len(set(data.prerequisite_ids)):
        raise DomainError(_l("Eine gewählte Voraussetzung gibt es nicht."))
    if any(not _may_require(module, required) for required in prerequisites):
        raise DomainError(PUBLISHED_PREREQUISITES_ONLY)
    if module.id is not None and any(module.id in _prerequisite_closure(p) for p in prerequisites):
        raise DomainError(_l("Ein Modul kann nicht (auch nicht über andere Module) seine eigene Voraussetzung sein."))
    materials = list(db.session.scalars(select(Instrument).where(
        Instrument.id.in_(data.material_ids), Instrument.state == InstrumentState.PUBLISHED))) if data.material_ids else []
    if len(materials) != len(set(data.material_ids)):
        raise DomainError(PUBLISHED_MATERIALS_ONLY)
    trainers = _trainers(data.trainer_ids)
    if not actor.has_role(Role.ADMIN) and all(t.id != actor.id for t in trainers):
        trainers.append(actor)  # a trainer always stays responsible for the module they edit
    module.code = code
    module.title = data.title.strip()
    module.summary = data.summary.strip()
    module.description = data.description or ""
    module.learning_goals = data.learning_goals or ""
    module.dimension = data.dimension
    module.teaching_units = data.teaching_units
    module.required_attendance = data.required_attendance
    module.prerequisites = prerequisites
    module.materials = materials
    module.trainers = trainers
    module.audience_rows = [row for row in module.audience_rows if row.code in data.audiences] + [
        ModuleAudience(code=code) for code in data.audiences if code not in module.audiences
    ]
    module.search_title, module.search_body = search_lines(module)


def search_lines(module: Module) -> tuple[str, str]:
    """The catalogue search's terms of *module*: code and title, and the rest of its text."""
    return (term_line(f"{module.code or ''} {module.title}"),
            term_line(" ".join((module.summary, module.description, module.learning_goals))))


def _may_require(module: Module, required: Module) -> bool:
    """A prerequisite must be published; one that was archived after it was chosen may stay linked."""
    return required.is_published or (
        required.state == ModuleState.ARCHIVED and module.id is not None
        and any(linked.id == required.id for linked in module.prerequisites)
    )


def _prerequisite_closure(module: Module) -> set[int]:
    """The ids of *module* and everything it requires, directly or indirectly."""
    seen, stack = set(), [module]
    while stack:
        current = stack.pop()
        if current.id in seen:
            continue
        seen.add(current.id)
        stack.extend(current.prerequisites)
    return seen


def create_module(actor: User, data: ModuleInput, *, now: datetime) -> Module:
    """Create a draft module; trainers become responsible for what they create."""
    ensure_role(actor, Role.ADMIN, Role.TRAINER)
    module = Module(state=ModuleState.DRAFT, created_by_id=actor.id, created_at=now, updated_at=now)
    _apply_module_input(module, data, actor=actor)
    db.session.add(module)
    db.session.flush()
    return module


def update_module(actor: User, module: Module, data: ModuleInput, *, now: datetime) -> Module:
    """Change a module; published modules change at once (issued certificates keep their copy)."""
    _require_edit(actor, module)
    _apply_module_input(module, data, actor=actor)
    module.updated_at = now
    db.session.flush()
    return module


MODULE_TRANSITIONS = {
    ModuleState.DRAFT: {ModuleState.PUBLISHED, ModuleState.ARCHIVED},
    ModuleState.PUBLISHED: {ModuleState.ARCHIVED},
    ModuleState.ARCHIVED: {ModuleState.PUBLISHED},
}


def set_module_state(actor: User, module: Module, state: str, *, now: datetime) -> None:
    """Publish or archive a module. Archiving waits until no upcoming offering is left.

    A module that is another module's prerequisite may be archived: from then on it stops blocking
    enrolment there (nobody can take it any more, so it could only lock people out) and is no longer
    shown as a prerequisite. The link stays, so publishing the module again makes it count again.
    """
    _require_edit(actor, module)
    try:
        state = ModuleState(state)
    except ValueError:  # no state at all (a forged form)
        raise Conflict(_l("Dieser Statuswechsel ist nicht möglich.")) from None
    if state not in MODULE_TRANSITIONS[ModuleState(module.state)]:
        raise Conflict(_l("Dieser Statuswechsel ist nicht möglich."))
    if state == ModuleState.ARCHIVED and db.session.scalar(
        select(func.count(Offering.id)).where(
            Offering.module_id == module.id, Offering.state != OfferingState.CANCELLED,
            or_(Offering.last_ends_at.is_(None), Offering.last_ends_at > now),
        )
    ):
        raise Conflict(_l("Das Modul hat noch laufende oder geplante Durchführungen. Bitte sagen Sie diese zuerst ab."))
    module.state = state
    module.updated_at = now
    db.session.flush()
