"""A module of the qualification concept: its state, audiences, trainers, prerequisites and materials."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import SECTOR_LABELS, Role, User
from lms.db import utcnow
from lms.dimensions import DIMENSION_LABELS, Dimension
from lms.extensions import db
from lms.i18n import _l
from lms.instrumente.models import Instrument


class ModuleState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


MODULE_STATE_LABELS = {
    ModuleState.DRAFT: _l("Entwurf"),
    ModuleState.PUBLISHED: _l("Veröffentlicht"),
    ModuleState.ARCHIVED: _l("Archiviert"),
}

# Who a module is for: coordinators, experts, or network partners of a sector.
AUDIENCE_COORDINATOR = "coordinator"
AUDIENCE_EXPERT = "expert"
AUDIENCE_LABELS = {
    AUDIENCE_COORDINATOR: _l("Netzwerkkoordination"),
    AUDIENCE_EXPERT: _l("Insoweit erfahrene Fachkräfte"),
    **{sector.value: label for sector, label in SECTOR_LABELS.items()},
}


def audiences_of(user: User) -> set[str]:
    """The target-group codes a person belongs to."""
    codes = set()
    if user.has_role(Role.COORDINATOR):
        codes.add(AUDIENCE_COORDINATOR)
    if user.has_role(Role.EXPERT):
        codes.add(AUDIENCE_EXPERT)
    if user.has_role(Role.PARTNER) and user.sector:
        codes.add(user.sector)
    return codes


module_trainer = Table(
    "module_trainer", db.metadata,
    Column("module_id", ForeignKey("module.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True),  # what she teaches
)

module_prerequisite = Table(
    "module_prerequisite", db.metadata,
    Column("module_id", ForeignKey("module.id", ondelete="CASCADE"), primary_key=True),
    Column("required_id", ForeignKey("module.id", ondelete="CASCADE"), primary_key=True),
)

# Instruments from the library that trainers attach to a module as course material.
module_material = Table(
    "module_material", db.metadata,
    Column("module_id", ForeignKey("module.id", ondelete="CASCADE"), primary_key=True),
    Column("instrument_id", ForeignKey("instrument.id", ondelete="CASCADE"), primary_key=True, index=True),
)

class ModuleAudience(db.Model):
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(30), primary_key=True)


class Module(db.Model):
    """A qualification module (Qualifizierungsmodul) of one dimension."""

    __table_args__ = (
        CheckConstraint("teaching_units > 0", name="teaching_units_positive"),
        CheckConstraint("required_attendance BETWEEN 1 AND 100", name="required_attendance_percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    learning_goals: Mapped[str] = mapped_column(Text, default="")  # one goal per line
    # The catalogue search's terms (lms.textsearch.term_line), written by the services on every edit.
    search_title: Mapped[str] = mapped_column(Text, default="")  # code and title
    search_body: Mapped[str] = mapped_column(Text, default="")  # summary, description, learning goals
    dimension: Mapped[str] = mapped_column(String(20), index=True)
    teaching_units: Mapped[int]  # Unterrichtseinheiten of 45 minutes
    # Share of an offering's dates a participant must attend to complete (percent; 100 = all dates).
    required_attendance: Mapped[int] = mapped_column(default=100)
    state: Mapped[str] = mapped_column(String(20), default=ModuleState.DRAFT, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    trainers: Mapped[list[User]] = relationship(secondary=module_trainer, lazy="selectin", order_by=User.name)
    audience_rows: Mapped[list[ModuleAudience]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    materials: Mapped[list[Instrument]] = relationship(secondary=module_material, lazy="selectin",
                                                       order_by=Instrument.title)
    prerequisites: Mapped[list["Module"]] = relationship(
        secondary=module_prerequisite,
        primaryjoin=lambda: Module.id == module_prerequisite.c.module_id,
        secondaryjoin=lambda: Module.id == module_prerequisite.c.required_id,
        lazy="selectin", order_by=lambda: Module.title,
    )

    def __repr__(self) -> str:
        return f"<Module {self.code or self.id} {self.title!r}>"

    @property
    def audiences(self) -> set[str]:
        return {row.code for row in self.audience_rows}

    @property
    def audience_labels(self) -> list:
        return [label for code, label in AUDIENCE_LABELS.items() if code in self.audiences]

    @property
    def dimension_label(self):
        return DIMENSION_LABELS[Dimension(self.dimension)]

    @property
    def state_label(self):
        return MODULE_STATE_LABELS[ModuleState(self.state)]

    @property
    def goals(self) -> list[str]:
        return [line.strip() for line in self.learning_goals.splitlines() if line.strip()]

    @property
    def is_published(self) -> bool:
        return self.state == ModuleState.PUBLISHED

    @property
    def published_prerequisites(self) -> list["Module"]:
        """The prerequisites that count and show: only published modules (see `set_module_state`)."""
        return [required for required in self.prerequisites if required.is_published]

    def can_edit(self, user) -> bool:
        """Admins edit every module; trainers the modules they are responsible for."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        if user.has_role(Role.ADMIN):
            return True
        return user.has_role(Role.TRAINER) and any(trainer.id == user.id for trainer in self.trainers)

    def can_view(self, user) -> bool:
        return self.state != ModuleState.DRAFT or self.can_edit(user)

    def is_for(self, user) -> bool:
        """Whether *user* belongs to one of the module's target groups."""
        return bool(audiences_of(user) & self.audiences)
