"""What a meeting leaves behind: its agenda items, who attended, the minutes (Protokoll) with their
correction and approval cycle, the decisions (Beschlüsse) numbered per body and year, and the tasks
(Aufgaben) with an owner and a due date."""
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.extensions import db
from lms.i18n import _l
from lms.instrumente.models import Instrument, StoredFile
from lms.netzwerk.models.bodies import Body, Meeting
from lms.netzwerk.models.directory import Institution


class AgendaItem(db.Model):
    """A Tagesordnungspunkt: what is discussed, who presents it, a document from the library and/or
    an uploaded file (stored through the library's storage), and what the minutes say about it (Markdown)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    presenter: Mapped[str] = mapped_column(String(200), default="")
    instrument_id: Mapped[int | None] = mapped_column(ForeignKey("instrument.id", ondelete="SET NULL"))
    file_sha256: Mapped[str | None] = mapped_column(ForeignKey("stored_file.sha256"))
    filename: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")  # the minutes of this item

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    instrument: Mapped[Instrument | None] = relationship(lazy="joined")
    file: Mapped[StoredFile | None] = relationship(lazy="joined")


class MeetingAttendance(db.Model):
    """One person who was there, and the institution whose seat she filled (none for a personal seat).
    The institution is kept as it was that day, so later seat changes do not rewrite the record."""

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime]

    meeting: Mapped[Meeting] = relationship(back_populates="attendance")
    user: Mapped[User] = relationship(lazy="joined")
    institution: Mapped[Institution | None] = relationship(lazy="joined")


class MinutesState(StrEnum):
    DRAFT = "draft"  # the keepers write it
    REVIEW = "review"  # sent to the members for corrections until review_until
    APPROVED = "approved"  # approved by the chair: frozen, later corrections only as amendments


MINUTES_STATE_LABELS = {
    MinutesState.DRAFT: _l("Entwurf"),
    MinutesState.REVIEW: _l("In der Korrekturfrist"),
    MinutesState.APPROVED: _l("Genehmigt"),
}


class Minutes(db.Model):
    """The Protokoll of one meeting. Its text lives in the agenda items' notes."""

    __table_args__ = (CheckConstraint("state IN ('draft', 'review', 'approved')", name="minutes_state"),)

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(20), default=MinutesState.DRAFT)
    review_until: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime]

    meeting: Mapped[Meeting] = relationship(back_populates="minutes")
    approved_by: Mapped[User | None] = relationship(lazy="joined")
    remarks: Mapped[list["MinutesRemark"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="MinutesRemark.id")

    @property
    def state_label(self):
        return MINUTES_STATE_LABELS[MinutesState(self.state)]

    @property
    def frozen(self) -> bool:
        return self.state == MinutesState.APPROVED


class RemarkKind(StrEnum):
    CORRECTION = "correction"  # a member's correction during the review period
    AMENDMENT = "amendment"  # a keeper's visible addition after approval


class MinutesRemark(db.Model):
    __table_args__ = (CheckConstraint("kind IN ('correction', 'amendment')", name="remark_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("minutes.meeting_id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]

    author: Mapped[User | None] = relationship(lazy="joined")


class Decision(db.Model):
    """A Beschluss, numbered per body and calendar year (Berlin) in the order it was taken: 2026/1, 2026/2."""

    __table_args__ = (UniqueConstraint("body_id", "year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    year: Mapped[int]
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]

    meeting: Mapped[Meeting] = relationship(back_populates="decisions", lazy="joined")

    @property
    def label(self) -> str:
        return f"{self.year}/{self.number}"


class TaskState(StrEnum):
    OPEN = "open"
    DONE = "done"


TASK_STATE_LABELS = {TaskState.OPEN: _l("Offen"), TaskState.DONE: _l("Erledigt")}


class Task(db.Model):
    """An Aufgabe from a meeting, owned by one person or one institution, due on a day."""

    __table_args__ = (
        CheckConstraint("(owner_id IS NULL) <> (institution_id IS NULL)", name="task_owner"),
        CheckConstraint("state IN ('open', 'done')", name="task_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    state: Mapped[str] = mapped_column(String(20), default=TaskState.OPEN)
    done_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    body: Mapped[Body] = relationship(lazy="joined")
    meeting: Mapped[Meeting] = relationship(back_populates="tasks", lazy="joined")
    owner: Mapped[User | None] = relationship(lazy="joined")
    institution: Mapped[Institution | None] = relationship(lazy="joined")

    @property
    def owner_name(self) -> str:
        return (self.owner or self.institution).name

    @property
    def state_label(self):
        return TASK_STATE_LABELS[TaskState(self.state)]
