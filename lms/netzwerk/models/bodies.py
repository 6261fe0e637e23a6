"""The network's bodies (Gremien) per region, who sits in them (institutions, each with its delegate
and deputy, or single people) and their meetings with the invited people's replies. Case
conferences about one child are not bodies."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text, UniqueConstraint, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import Region, User
from lms.extensions import db
from lms.i18n import _l
from lms.netzwerk.models.common import keeps_region
from lms.netzwerk.models.directory import Institution


class BodyKind(StrEnum):
    FORUM = "forum"  # Netzwerkforum: the whole regional field
    STEERING = "steering"  # Steuerungsgruppe: representatives of all professions, with powers to steer
    PROJECT = "project"  # Projektgruppe / AG: one topic
    ROUND_TABLE = "round_table"  # Runder Tisch


BODY_KIND_LABELS = {
    BodyKind.FORUM: _l("Netzwerkforum"),
    BodyKind.STEERING: _l("Steuerungsgruppe"),
    BodyKind.PROJECT: _l("Projektgruppe / AG"),
    BodyKind.ROUND_TABLE: _l("Runder Tisch"),
}


class Body(db.Model):
    """A Gremium of one region's network. Public ones are for anyone to see; the others for the
    region's keepers and the body's own people (persons, delegates and deputies)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text, default="")  # what it is for, Markdown
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    region: Mapped[Region] = relationship(lazy="joined")
    chair: Mapped[User | None] = relationship(lazy="joined")
    members: Mapped[list["BodyMember"]] = relationship(
        back_populates="body", cascade="all, delete-orphan", lazy="selectin", order_by="BodyMember.id")

    @property
    def kind_label(self):
        return BODY_KIND_LABELS[BodyKind(self.kind)]

    def can_edit(self, user) -> bool:
        """The region's keepers, and its chair."""
        return keeps_region(user, self.region_id) or (
            bool(getattr(user, "is_authenticated", False)) and user.is_active and user.id == self.chair_id)

    def is_member(self, user) -> bool:
        return bool(getattr(user, "is_authenticated", False)) and any(m.involves(user.id) for m in self.members)

    def can_view(self, user) -> bool:
        return self.public or self.can_edit(user) or self.is_member(user)


class BodyMember(db.Model):
    """One seat in a body: an institution (with the person it sends and her deputy) or a person."""

    __table_args__ = (
        CheckConstraint("(institution_id IS NULL) <> (person_id IS NULL)", name="institution_or_person"),
        UniqueConstraint("body_id", "institution_id"),
        UniqueConstraint("body_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id", ondelete="CASCADE"), index=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    delegate_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    body: Mapped[Body] = relationship(back_populates="members")
    institution: Mapped[Institution | None] = relationship(lazy="joined")
    person: Mapped[User | None] = relationship(foreign_keys=[person_id], lazy="joined")
    delegate: Mapped[User | None] = relationship(foreign_keys=[delegate_id], lazy="joined")
    deputy: Mapped[User | None] = relationship(foreign_keys=[deputy_id], lazy="joined")

    @classmethod
    def bodies_of(cls, user_id):
        """SQL: the ids of the bodies *user_id* (a value or a bound parameter) sits in, as herself,
        delegate or deputy: the same people `involves` names."""
        return select(cls.body_id).where(or_(cls.person_id == user_id, cls.delegate_id == user_id,
                                             cls.deputy_id == user_id))

    def involves(self, user_id: int) -> bool:
        """The person sits in the body through this seat: as herself, or as the delegate or deputy."""
        return user_id in (self.person_id, self.delegate_id, self.deputy_id)


class MeetingState(StrEnum):
    PLANNED = "planned"
    CANCELLED = "cancelled"


class ReplyAnswer(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    DEPUTY = "deputy"  # the delegate cannot come, her deputy does


REPLY_LABELS = {
    ReplyAnswer.ACCEPTED: _l("Ich nehme teil"),
    ReplyAnswer.DECLINED: _l("Ich nehme nicht teil"),
    ReplyAnswer.DEPUTY: _l("Meine Vertretung nimmt teil"),
}


class Meeting(db.Model):
    """A Sitzung of a body: when, and where or online. Every change counts up its iTIP SEQUENCE, so
    calendars replace what the last invitation put there. Its agenda, attendance, minutes, decisions
    and tasks are in lms.netzwerk.models.minutes."""

    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="meeting_order"),
        CheckConstraint("state IN ('planned', 'cancelled')", name="meeting_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    state: Mapped[str] = mapped_column(String(20), default=MeetingState.PLANNED)
    sequence: Mapped[int] = mapped_column(default=0)
    # The first meeting of the series this one was planned in (itself included); None: a single meeting.
    series_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    body: Mapped[Body] = relationship(lazy="joined")
    replies: Mapped[list["MeetingReply"]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", lazy="selectin")
    items: Mapped[list["AgendaItem"]] = relationship(  # noqa: F821 (lms.netzwerk.models.minutes)
        back_populates="meeting", cascade="all, delete-orphan", lazy="selectin", order_by="AgendaItem.position")
    attendance: Mapped[list["MeetingAttendance"]] = relationship(  # noqa: F821
        back_populates="meeting", cascade="all, delete-orphan", lazy="selectin")
    minutes: Mapped["Minutes | None"] = relationship(  # noqa: F821
        back_populates="meeting", cascade="all, delete-orphan", uselist=False)
    decisions: Mapped[list["Decision"]] = relationship(  # noqa: F821
        back_populates="meeting", cascade="all, delete-orphan", order_by="Decision.number")
    tasks: Mapped[list["Task"]] = relationship(  # noqa: F821
        back_populates="meeting", cascade="all, delete-orphan", order_by="Task.id")

    def can_view(self, user) -> bool:
        return self.body.can_view(user)

    def can_edit(self, user) -> bool:
        return self.body.can_edit(user)

    @property
    def agenda_text(self) -> str:
        """The agenda as plain lines for mails and calendars: "1. Title (presenter)"."""
        return "\n".join(f"{index}. {item.title}" + (f" ({item.presenter})" if item.presenter else "")
                         for index, item in enumerate(self.items, start=1))

    def answer_of(self, user_id: int) -> str | None:
        return next((reply.answer for reply in self.replies if reply.user_id == user_id), None)


class MeetingReply(db.Model):
    """One invited person's answer to a meeting, given on its page."""

    __table_args__ = (CheckConstraint("answer IN ('accepted', 'declined', 'deputy')", name="reply_answer"),)

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True)
    answer: Mapped[str] = mapped_column(String(20))
    answered_at: Mapped[datetime]

    meeting: Mapped[Meeting] = relationship(back_populates="replies")
    user: Mapped[User] = relationship(lazy="joined")
