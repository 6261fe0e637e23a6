"""Modules, offerings, dates, enrolments and their history, attendance, completions, certificates."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    or_,
    select,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import SECTOR_LABELS, Region, Role, User
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
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
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

offering_trainer = Table(
    "offering_trainer", db.metadata,
    Column("offering_id", ForeignKey("offering.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
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


class OfferingState(StrEnum):
    PLANNED = "planned"
    OPEN = "open"
    CANCELLED = "cancelled"


class OfferingPhase(StrEnum):
    """What an offering is at a moment: the stored state plus time and seats."""

    PLANNED = "planned"
    OPEN = "open"
    FULL = "full"
    RUNNING = "running"
    FINISHED = "finished"
    CANCELLED = "cancelled"


PHASE_LABELS = {
    OfferingPhase.PLANNED: _l("Geplant"),
    OfferingPhase.OPEN: _l("Buchbar"),
    OfferingPhase.FULL: _l("Ausgebucht – Warteliste"),
    OfferingPhase.RUNNING: _l("Läuft"),
    OfferingPhase.FINISHED: _l("Abgeschlossen"),
    OfferingPhase.CANCELLED: _l("Abgesagt"),
}


class Offering(db.Model):
    """A run of a module (Durchführung) with its dates, seats and registration deadline.

    `seats_taken` is the number of enrolled participants; it only changes through conditional
    updates in the services, and the database refuses any value above the capacity.
    """

    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="SET NULL"), index=True)
    capacity: Mapped[int]
    seats_taken: Mapped[int] = mapped_column(default=0)
    registration_deadline: Mapped[datetime]
    registration_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    moderated: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(20), default=OfferingState.PLANNED, index=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    # Denormalised from the dates for cheap filtering and ordering; kept by the services.
    first_starts_at: Mapped[datetime | None] = mapped_column(index=True)
    last_ends_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    module: Mapped[Module] = relationship(lazy="joined", innerjoin=True)
    region: Mapped[Region | None] = relationship(lazy="joined")
    trainers: Mapped[list[User]] = relationship(secondary=offering_trainer, lazy="selectin", order_by=User.name)
    dates: Mapped[list["OfferingDate"]] = relationship(
        back_populates="offering", cascade="all, delete-orphan", lazy="selectin",
        order_by=lambda: OfferingDate.starts_at,
    )

    def __repr__(self) -> str:
        return f"<Offering {self.id} of module {self.module_id}>"

    @property
    def seats_left(self) -> int:
        return self.capacity - self.seats_taken

    def phase(self, now: datetime) -> OfferingPhase:
        if self.state == OfferingState.CANCELLED:
            return OfferingPhase.CANCELLED
        if self.last_ends_at and self.last_ends_at <= now:
            return OfferingPhase.FINISHED
        if self.first_starts_at and self.first_starts_at <= now:
            return OfferingPhase.RUNNING
        if self.state == OfferingState.PLANNED:
            return OfferingPhase.PLANNED
        return OfferingPhase.FULL if self.seats_left <= 0 else OfferingPhase.OPEN

    def phase_label(self, now: datetime):
        return PHASE_LABELS[self.phase(now)]

    def has_started(self, now: datetime) -> bool:
        return self.first_starts_at is not None and self.first_starts_at <= now

    def registration_open(self, now: datetime) -> bool:
        return (
            self.state == OfferingState.OPEN and not self.registration_closed
            and now < self.registration_deadline and not self.has_started(now)
        )

    @hybrid_method
    def taught_by(self, user) -> bool:
        """*user* teaches the offering: as one of its trainers or of its module's. The one rule for
        pages, lists, start page and feeds; on the class it is the same rule as a SQL condition."""
        return any(t.id == user.id for t in self.trainers) or any(t.id == user.id for t in self.module.trainers)

    @taught_by.expression
    def taught_by(cls, user):
        user_id = getattr(user, "id", user)  # a user, or a SQL value such as the feeds' bound parameter
        return or_(
            cls.id.in_(select(offering_trainer.c.offering_id).where(offering_trainer.c.user_id == user_id)),
            cls.module_id.in_(select(module_trainer.c.module_id).where(module_trainer.c.user_id == user_id)),
        )

    def can_manage(self, user) -> bool:
        """Admins and the trainers of the offering or its module manage participants and attendance."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        return user.has_role(Role.ADMIN) or (user.has_role(Role.TRAINER) and self.taught_by(user))

    def can_view(self, user) -> bool:
        return self.module.is_published or self.can_manage(user)


class OfferingDate(db.Model):
    """One session (Termin) of an offering."""

    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offering.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    # Set when the reminder mails for this date were queued; the claim makes them go out once.
    reminder_sent_at: Mapped[datetime | None]
    sequence: Mapped[int] = mapped_column(default=0)  # raised when time or place change (iCalendar)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    offering: Mapped[Offering] = relationship(back_populates="dates")

    def __repr__(self) -> str:
        return f"<OfferingDate {self.id} {self.starts_at:%Y-%m-%d %H:%M}>"


class EnrolmentStatus(StrEnum):
    REQUESTED = "requested"  # moderated offering: waits for a trainer's approval
    ENROLLED = "enrolled"  # holds a seat
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"  # by the participant, or because the offering was cancelled
    REMOVED = "removed"  # by a trainer, with a reason
    DECLINED = "declined"  # moderated request not approved


STATUS_LABELS = {
    EnrolmentStatus.REQUESTED: _l("Angefragt"),
    EnrolmentStatus.ENROLLED: _l("Platz gebucht"),
    EnrolmentStatus.WAITLISTED: _l("Warteliste"),
    EnrolmentStatus.CANCELLED: _l("Storniert"),
    EnrolmentStatus.REMOVED: _l("Entfernt"),
    EnrolmentStatus.DECLINED: _l("Abgelehnt"),
}
ACTIVE_STATUSES = (EnrolmentStatus.REQUESTED, EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED)


# Who takes part in qualification (books places, sits the dates): the one list for pages and services.
PARTICIPANT_ROLES = (Role.COORDINATOR, Role.PARTNER, Role.EXPERT)
# Who manages offerings (participants, attendance): admins any, trainers those they teach (`Offering.can_manage`).
MANAGER_ROLES = (Role.ADMIN, Role.TRAINER)


class Enrolment(db.Model):
    """A person's place in an offering: one row per person and offering, whatever its history."""

    __table_args__ = (
        UniqueConstraint("offering_id", "user_id"),
        Index("ix_enrolment_queue", "offering_id", "status", "queued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offering.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    # The place in line: when the person asked (first come, first served).
    queued_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    offering: Mapped[Offering] = relationship(lazy="joined", innerjoin=True)
    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    def __repr__(self) -> str:
        return f"<Enrolment {self.user_id}@{self.offering_id} {self.status}>"

    @property
    def status_label(self):
        return STATUS_LABELS[EnrolmentStatus(self.status)]

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def can_cancel(self, user) -> bool:
        return user.is_authenticated and self.user_id == user.id and self.is_active

    @staticmethod
    def queue_order(entity=None) -> tuple:
        """The order of an offering's line: first come (`queued_at`), then first written (`id`)."""
        entity = entity if entity is not None else Enrolment
        return entity.queued_at, entity.id

    @staticmethod
    def ahead_in_line(first, second):
        """SQL condition: *first* stands before *second* in the line (in `queue_order`); each is the
        class, an alias of it or a loaded enrolment."""
        return or_(first.queued_at < second.queued_at,
                   and_(first.queued_at == second.queued_at, first.id < second.id))


class EnrolmentEvent(db.Model):
    """One change of an enrolment's status: from, to, when, by whom, why."""

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))  # None: the system
    reason: Mapped[str] = mapped_column(String(500), default="")
    # A promotion from the waitlist: the enrolment that gave the seat back (its person's name is shown
    # to trainers from there, so that no name is copied into the history's text).
    freed_by_id: Mapped[int | None] = mapped_column(ForeignKey("enrolment.id", ondelete="SET NULL"))

    actor: Mapped[User | None] = relationship(lazy="joined")

    @property
    def from_label(self):
        return STATUS_LABELS[EnrolmentStatus(self.from_status)] if self.from_status else "–"

    @property
    def to_label(self):
        return STATUS_LABELS[EnrolmentStatus(self.to_status)]


class Admission(db.Model):
    """A trainer lets a person into an offering although module prerequisites are missing."""

    __table_args__ = (UniqueConstraint("offering_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offering.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(500), default="")


class Attendance(db.Model):
    __table_args__ = (UniqueConstraint("enrolment_id", "date_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"))
    date_id: Mapped[int] = mapped_column(ForeignKey("offering_date.id", ondelete="CASCADE"), index=True)
    present: Mapped[bool] = mapped_column(Boolean)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime]


class Completion(db.Model):
    """A person completed a module in an offering: the evidence competence profiles read."""

    __table_args__ = (
        Index("uq_completion_active", "user_id", "offering_id", unique=True,
              sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("module.id", ondelete="SET NULL"), index=True)
    offering_id: Mapped[int | None] = mapped_column(ForeignKey("offering.id", ondelete="SET NULL"))
    completed_on: Mapped[datetime]  # the last attended date
    teaching_units: Mapped[int]
    dimension: Mapped[str] = mapped_column(String(20))
    recorded_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    module: Mapped[Module | None] = relationship(lazy="joined")
    certificate: Mapped["Certificate | None"] = relationship(back_populates="completion", lazy="joined", uselist=False)

    @property
    def dimension_label(self):
        return DIMENSION_LABELS[Dimension(self.dimension)]


class Certificate(db.Model):
    """A participation certificate (Teilnahmebescheinigung): a frozen copy of what it certifies."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    verification_token: Mapped[str] = mapped_column(String(64), unique=True)
    completion_id: Mapped[int | None] = mapped_column(ForeignKey("completion.id", ondelete="SET NULL"), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    holder_name: Mapped[str] = mapped_column(String(120))
    module_title: Mapped[str] = mapped_column(String(200))
    module_code: Mapped[str] = mapped_column(String(20), default="")
    dimension: Mapped[str] = mapped_column(String(20))
    dates_text: Mapped[str] = mapped_column(Text)  # one line per attended date, Europe/Berlin
    teaching_units: Mapped[int]
    issuer: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    completion: Mapped[Completion | None] = relationship(back_populates="certificate")

    @property
    def dimension_label(self):
        return DIMENSION_LABELS[Dimension(self.dimension)]

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None
