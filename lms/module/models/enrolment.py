"""A person's place in an offering with its history, a request for admission, attendance per date."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    and_,
    or_,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import Role, User
from lms.db import utcnow
from lms.extensions import db
from lms.i18n import _l
from lms.module.models.offerings import Offering


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
