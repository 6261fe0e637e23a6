"""An offering of a module (a run with dates, seats and trainers), its phases and its dates."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    String,
    Table,
    select,
    union,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import Region, Role, User
from lms.db import utcnow
from lms.extensions import db
from lms.i18n import _l
from lms.module.models.modules import Module, module_trainer

offering_trainer = Table(
    "offering_trainer", db.metadata,
    Column("offering_id", ForeignKey("offering.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True),  # what she teaches
)


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
        # One IN over the union of both ways to teach: with an OR of two IN lists PostgreSQL cannot
        # estimate how few offerings match and scans them all (with their modules) for each page.
        user_id = getattr(user, "id", user)  # a user, or a SQL value such as the feeds' bound parameter
        other = cls.__table__.alias("taught_offering")
        return cls.id.in_(union(
            select(offering_trainer.c.offering_id).where(offering_trainer.c.user_id == user_id),
            select(other.c.id).join(module_trainer, module_trainer.c.module_id == other.c.module_id)
            .where(module_trainer.c.user_id == user_id),
        ))

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



# Who manages offerings (participants, attendance): admins any, trainers those they teach (`Offering.can_manage`).
MANAGER_ROLES = (Role.ADMIN, Role.TRAINER)
