"""Emergency numbers per region, with the weekly windows in which each one is the one to call."""
import re
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import Region, Role, User
from lms.extensions import db
from lms.i18n import _l
from lms.netzwerk.hours import Window, is_open


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
# Who maintains a region's numbers: admins every region's, coordinators their own region's.
KEEPER_ROLES = (Role.ADMIN, Role.COORDINATOR)


class EmergencyNumber(db.Model):
    """A number to call in a child-protection emergency in one region, and when it is the one to call.

    Its owner is the person who last saved or confirmed it; `confirmed_at` is its "zuletzt bestätigt"."""

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
        """The number as a tel: link takes it: digits, and a leading +."""
        return ("+" if self.phone.strip().startswith("+") else "") + re.sub(r"\D", "", self.phone)

    @property
    def kind_label(self):
        return EMERGENCY_KIND_LABELS[EmergencyKind(self.kind)]

    def is_reachable(self, moment: datetime) -> bool:
        return self.always or is_open(self.windows, moment)

    def is_unconfirmed(self, now: datetime, *, after: timedelta, grace: timedelta) -> bool:
        """Not confirmed for longer than *after* plus the *grace* its owner had to answer the reminder."""
        return self.confirmed_at + after + grace <= now

    def can_edit(self, user) -> bool:
        """Admins keep every region's numbers, coordinators their own region's."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        return user.has_role(Role.ADMIN) or (user.has_role(Role.COORDINATOR) and user.region_id == self.region_id)


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
