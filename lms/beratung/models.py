"""Expert profiles, availability, consultations, their case content (a table of its own) and the audit log.

Booking metadata (who, with whom, when, type, format, status) and case content (age band, concern,
setting, urgency, vignette, outcome, and the reason a booking was declined or cancelled) live apart:
statistics and calendars read the first only, the second is read through one service that checks
need-to-know and writes the audit log.

Case content is stored encrypted with a data key of its consultation's own (`CaseKey`, wrapped with
the installation's master key: lms/sealing.py). Erasing a case deletes that key, which makes the
text unreadable in every copy of the database at once. The models open and seal their fields
themselves, so services and tests read `content.vignette` as before.
"""
import json
from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, event, or_, text
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms import sealing
from lms.auth.models import Role, User
from lms.db import utcnow
from lms.extensions import db
from lms.i18n import _l


class ExpertProfile(db.Model):
    """What an expert offers and the rules of their calendar. Times are Europe/Berlin wall clock."""

    __table_args__ = (
        CheckConstraint("slot_minutes IN (30, 45, 60, 90)", name="slot_length"),
        CheckConstraint("buffer_minutes >= 0 AND notice_minutes >= 0 AND horizon_days > 0", name="calendar_rules"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    introduction: Mapped[str] = mapped_column(Text, default="")
    specialisations: Mapped[str] = mapped_column(String(500), default="")
    languages: Mapped[str] = mapped_column(String(200), default="Deutsch")
    place: Mapped[str] = mapped_column(String(300), default="")  # for consultations in person
    phone: Mapped[str] = mapped_column(String(50), default="")  # the number bookers call
    video_link: Mapped[str] = mapped_column(String(500), default="")
    auto_confirm: Mapped[bool] = mapped_column(default=False)
    slot_minutes: Mapped[int] = mapped_column(default=60)
    buffer_minutes: Mapped[int] = mapped_column(default=15)
    notice_minutes: Mapped[int] = mapped_column(default=120)
    horizon_days: Mapped[int] = mapped_column(default=56)
    max_per_day: Mapped[int | None]
    published: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime]

    user: Mapped[User] = relationship(lazy="joined")
    attributes: Mapped[list["ExpertAttribute"]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    def values(self, kind: str) -> list[str]:
        return sorted(row.value for row in self.attributes if row.kind == kind)


class ExpertAttribute(db.Model):
    """One thing an expert offers, as (kind, value): type, format, sector or region (id)."""

    profile_id: Mapped[int] = mapped_column(ForeignKey("expert_profile.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    value: Mapped[str] = mapped_column(String(40), primary_key=True)

    __table_args__ = (Index("ix_expert_attribute_lookup", "kind", "value"),)


class AvailabilityWindow(db.Model):
    """A weekly window (weekday set) valid from/until given days, or a one-off window on one day."""

    __table_args__ = (
        CheckConstraint("end_time > start_time", name="ends_after_start"),
        CheckConstraint("(weekday IS NULL) <> (day IS NULL)", name="weekly_or_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int | None]  # 0 = Monday, for weekly windows
    day: Mapped[date | None]  # for one-off windows
    start_time: Mapped[time]
    end_time: Mapped[time]
    valid_from: Mapped[date | None]
    valid_until: Mapped[date | None]
    created_at: Mapped[datetime]

    def applies_on(self, day: date) -> bool:
        if self.day is not None:
            return self.day == day
        return (self.weekday == day.weekday() and (self.valid_from is None or self.valid_from <= day)
                and (self.valid_until is None or day <= self.valid_until))


class Absence(db.Model):
    """Whole days without consultations (holiday, illness): they hide slots, never bookings."""

    __table_args__ = (CheckConstraint("last_day >= first_day", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    first_day: Mapped[date]
    last_day: Mapped[date]
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]


class ConsultationStatus(StrEnum):
    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


STATUS_LABELS = {
    ConsultationStatus.REQUESTED: _l("angefragt"),
    ConsultationStatus.CONFIRMED: _l("bestätigt"),
    ConsultationStatus.DECLINED: _l("abgelehnt"),
    ConsultationStatus.CANCELLED: _l("abgesagt"),
    ConsultationStatus.COMPLETED: _l("hat stattgefunden"),
}
# Bookings that hold their slot.
HOLDING = (ConsultationStatus.REQUESTED, ConsultationStatus.CONFIRMED)
HOLDING_SQL = "status IN ('requested', 'confirmed')"


class Consultation(db.Model):
    """The booking's metadata. Nothing here identifies a child: case content is in CaseContent."""

    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # A slot is taken once: the database refuses a second holding booking of the same start.
        Index("uq_consultation_slot", "expert_id", "starts_at", unique=True,
              sqlite_where=text(HOLDING_SQL), postgresql_where=text(HOLDING_SQL)),
        Index("ix_consultation_booker", "booker_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_code: Mapped[str] = mapped_column(String(20), unique=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    booker_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    type_code: Mapped[str] = mapped_column(String(30))
    format: Mapped[str] = mapped_column(String(20))
    location: Mapped[str] = mapped_column(String(500), default="")  # place, link or number at booking time
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))
    # Statistics dimensions, copied at booking time so they survive later changes of the account.
    booker_sector: Mapped[str | None] = mapped_column(String(30))
    booker_region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="SET NULL"))
    sequence: Mapped[int] = mapped_column(default=0)  # iCalendar SEQUENCE: raised on every change
    scheduled_at: Mapped[datetime]  # when booked or last moved
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # The reason for a decline or a cancellation, free text: sealed with the case key (`decision_reason`).
    reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reminded_day_at: Mapped[datetime | None]
    reminded_hour_at: Mapped[datetime | None]
    case_erased_at: Mapped[datetime | None]

    expert: Mapped[User] = relationship(foreign_keys=[expert_id], lazy="joined")
    booker: Mapped[User | None] = relationship(foreign_keys=[booker_id], lazy="joined")

    @property
    def decision_reason(self) -> str:
        """The reason given for a decline or a cancellation; empty once the case is erased."""
        if self.reason_sealed is None:
            return ""
        key = data_key(self.id)
        return "" if key is None else sealing.unseal(key, self.reason_sealed, context=case_context(self.id, "reason")).decode()

    @decision_reason.setter
    def decision_reason(self, text_: str) -> None:
        if text_ and self.id is None:
            raise ValueError("a reason is sealed with the consultation's key: flush the consultation first")
        self.reason_sealed = sealed_reason(self.id, text_)

    @property
    def holds_slot(self) -> bool:
        return self.status in HOLDING

    # Who sees a booking, by need (DOMAIN.md 2.3): that a named professional asked about a risk to a
    # child is itself sensitive. Booker and expert see it all; admins, who run the service, see its
    # metadata (time, expert, type, format, state) and the booker's name only with a logged reason;
    # coordinators see the statistics, never a single booking that is not their own.

    @hybrid_method
    def is_party(self, user) -> bool:
        """The booker or the booked expert; on the class the same rule as a SQL condition (lists, feeds)."""
        return user.is_authenticated and user.id in (self.booker_id, self.expert_id)

    @is_party.expression
    def is_party(cls, user):
        user_id = getattr(user, "id", user)  # a user, or a SQL value such as the feeds' bound parameter
        return or_(cls.booker_id == user_id, cls.expert_id == user_id)

    def can_view(self, user) -> bool:
        """Whether *user* may open the booking's page at all (404 otherwise)."""
        return self.is_party(user) or (user.is_authenticated and user.has_role(Role.ADMIN))

    @property
    def status_label(self):
        return STATUS_LABELS[ConsultationStatus(self.status)]


class CaseKey(db.Model):
    """The data key of one consultation's case content, wrapped with a master key. Deleting this row
    is what erases the case: without it no copy of the content or the reason opens again."""

    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"), primary_key=True)
    wrapped_by: Mapped[str] = mapped_column(String(16), index=True)  # the master key's id (sealing.key_id)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def case_context(consultation_id: int, purpose: str) -> bytes:
    """What a ciphertext is bound to: this consultation and this use (a blob moved elsewhere fails)."""
    return f"lms-case:{consultation_id}:{purpose}".encode()


def data_key(consultation_id: int, *, create: bool = False) -> bytes | None:
    """The consultation's data key, unwrapped; None when it was erased (or never made, unless *create*)."""
    row = db.session.get(CaseKey, consultation_id)
    ring = sealing.keyring()
    if row is None:
        if not create:
            return None
        key = sealing.new_key()
        wrapped_by, wrapped = ring.wrap(key, context=case_context(consultation_id, "key"))
        row = CaseKey(consultation_id=consultation_id, wrapped_by=wrapped_by, wrapped=wrapped)
        db.session.add(row)
        db.session.flush()  # a second call in this transaction finds the key
        return key
    return ring.unwrap(row.wrapped_by, row.wrapped, context=case_context(consultation_id, "key"))


def sealed_reason(consultation_id: int, text_: str) -> bytes | None:
    """*text_* sealed for `Consultation.reason_sealed` (None for no reason)."""
    if not text_:
        return None
    key = data_key(consultation_id, create=True)
    return sealing.seal(key, text_.encode(), context=case_context(consultation_id, "reason"))


CASE_FIELDS = ("age_band", "concern", "setting", "urgency", "vignette", "outcome", "result")


class CaseContent(db.Model):
    """Pseudonymous case content of one consultation: read only by its booker and its expert
    (the outcome by the expert alone), erased after the retention period. All of it is one sealed
    JSON object; the fields below open and reseal it."""

    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)

    def __init__(self, *, consultation_id: int, **fields) -> None:
        super().__init__(consultation_id=consultation_id)
        self._fields = dict.fromkeys(CASE_FIELDS)
        self._fields.update(vignette="", outcome="")
        self._write(**fields)

    def _read(self) -> dict:
        if getattr(self, "_fields", None) is None:
            key = data_key(self.consultation_id)
            if key is None:  # erased between load and read: nothing to show
                return dict.fromkeys(CASE_FIELDS)
            self._fields = json.loads(sealing.unseal(key, self.sealed, context=case_context(self.consultation_id, "case")))
        return self._fields

    def _write(self, **fields) -> None:
        unknown = set(fields) - set(CASE_FIELDS)
        if unknown:
            raise TypeError(f"unknown case fields: {sorted(unknown)}")
        values = {**self._read(), **fields}
        key = data_key(self.consultation_id, create=True)
        self.sealed = sealing.seal(key, json.dumps(values).encode(), context=case_context(self.consultation_id, "case"))
        self._fields = values


def _case_field(name: str) -> property:
    return property(lambda self: self._read()[name], lambda self, value: self._write(**{name: value}))


for _name in CASE_FIELDS:
    setattr(CaseContent, _name, _case_field(_name))


@event.listens_for(CaseContent, "load")
@event.listens_for(CaseContent, "refresh")
def _forget_opened(target, *_args) -> None:
    target._fields = None  # opened again from the freshly loaded `sealed` on the next read


class CaseAccess(db.Model):
    """Append-only audit log of case content: who read, wrote or erased it, when, for which booking;
    and of every admin who had the booker's name shown, with the reason given.

    No foreign keys: the log outlives the rows it speaks about.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(index=True)
    case_code: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None]  # None: the retention job
    action: Mapped[str] = mapped_column(String(10))  # read, write, erase; booker: an admin saw who booked
    at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(500), default="")  # why an admin looked up the booker


class SlotWatch(db.Model):
    """A booker asked to be told when a slot with this expert frees up; answered once."""

    __table_args__ = (
        Index("uq_slot_watch_open", "expert_id", "booker_id", unique=True,
              sqlite_where=text("notified_at IS NULL"), postgresql_where=text("notified_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    booker_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    notified_at: Mapped[datetime | None]
