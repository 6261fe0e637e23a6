"""Emergency numbers per region with the weekly windows in which each one is the one to call."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import Region, User
from lms.extensions import db
from lms.i18n import _l
from lms.netzwerk.hours import Window, is_open
from lms.netzwerk.models.common import Kept, keeps_region, tel_of


class EmergencyKind(StrEnum):
    YOUTH_OFFICE = "youth_office"  # Jugendamt: ASD in office hours, Bereitschaftsdienst outside them
    MEDICAL_HOTLINE = "medical_hotline"  # Medizinische Kinderschutzhotline (for medical professionals)
    POLICE = "police"
    CRISIS = "crisis"  # Krisendienst, Kinder- und Jugendnotdienst
    OTHER = "other"


EMERGENCY_KIND_LABELS = {
    EmergencyKind.YOUTH_OFFICE: _l("Jugendamt"),
    EmergencyKind.MEDICAL_HOTLINE: _l("Medizinische Kinderschutzhotline"),
    EmergencyKind.POLICE: _l("Polizei"),
    EmergencyKind.CRISIS: _l("Krisen- und Notdienste"),
    EmergencyKind.OTHER: _l("Weitere Nummern"),
}
# Kinds of which one number at a time is "the" number: their windows may not overlap in a region.
EXCLUSIVE_KINDS = (EmergencyKind.YOUTH_OFFICE, EmergencyKind.MEDICAL_HOTLINE, EmergencyKind.POLICE,
                   EmergencyKind.CRISIS)


class EmergencyNumber(Kept, db.Model):
    """A number to call in a child-protection emergency in one region, and when it is the one to call."""

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(160))
    phone: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(String(500), default="")
    always: Mapped[bool] = mapped_column(Boolean, default=False)  # rund um die Uhr: no windows
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime]
    reminded_at: Mapped[datetime | None]  # the owner was asked to confirm (once per confirmation)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    region: Mapped[Region] = relationship(lazy="joined")
    owner: Mapped[User | None] = relationship(lazy="joined")
    window_rows: Mapped[list["EmergencyWindow"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="(EmergencyWindow.weekday, EmergencyWindow.starts)")

    @property
    def windows(self) -> list[Window]:
        return [Window(row.weekday, row.starts, row.ends) for row in self.window_rows]

    @property
    def tel(self) -> str:
        return tel_of(self.phone)

    @property
    def kind_label(self):
        return EMERGENCY_KIND_LABELS[EmergencyKind(self.kind)]

    @property
    def keeper_region_ids(self) -> list[int]:
        return [self.region_id]

    def is_reachable(self, moment: datetime) -> bool:
        return self.always or is_open(self.windows, moment)

    def can_edit(self, user) -> bool:
        return keeps_region(user, self.region_id)


class EmergencyWindow(db.Model):
    """One weekly window of a number, within one Berlin day (see lms/netzwerk/hours.py)."""

    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("starts >= 0 AND starts < ends AND ends <= 1440", name="window_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number_id: Mapped[int] = mapped_column(ForeignKey("emergency_number.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    starts: Mapped[int] = mapped_column(Integer)
    ends: Mapped[int] = mapped_column(Integer)


