"""Emergency numbers per region with the weekly windows in which each one is the one to call;
institutions of the network with the regions they serve, their people and their binding contacts.
All three are kept entries (`Kept`): someone owns each and confirms now and then that it still holds."""
import re
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import SECTOR_LABELS, Region, Role, Sector, User
from lms.extensions import db
from lms.i18n import _l
from lms.netzwerk.hours import Window, is_open


def tel_of(phone: str) -> str:
    """A phone number as a tel: link takes it: digits, and a leading +."""
    return ("+" if phone.strip().startswith("+") else "") + re.sub(r"\D", "", phone)


class Kept:
    """An entry someone keeps: its owner last saved or confirmed it on `confirmed_at` ("zuletzt
    bestätigt"), `reminded_at` says the owner was asked to confirm it (once per confirmation), and
    `keeper_region_ids` whose coordinators are asked when the owner has left (lms/netzwerk/upkeep.py)."""

    def is_due(self, now: datetime, *, after: timedelta) -> bool:
        """Not confirmed for *after*: time to ask its owner."""
        return self.confirmed_at + after <= now

    def is_unconfirmed(self, now: datetime, *, after: timedelta, grace: timedelta) -> bool:
        """Not confirmed for longer than *after* plus the *grace* its owner had to answer the reminder."""
        return self.confirmed_at + after + grace <= now

    def mark_confirmed(self, actor: User, now: datetime) -> None:
        """Saved or confirmed by *actor*, who becomes its owner; a later reminder may be sent again."""
        self.owner_id, self.confirmed_at, self.reminded_at, self.updated_at = actor.id, now, None, now


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


class InstitutionKind(StrEnum):
    KITA = "kita"
    SCHOOL = "school"
    YOUTH_OFFICE = "youth_office"  # Jugendamt, ASD
    COUNSELLING = "counselling"  # Beratungsstelle
    MEDICAL = "medical"  # Klinik, Praxis
    POLICE = "police"  # Polizeidienststelle
    COURT = "court"  # Familiengericht
    EARLY_SUPPORT = "early_support"  # Frühe Hilfen
    OTHER = "other"


INSTITUTION_KIND_LABELS = {
    InstitutionKind.KITA: _l("Kita"),
    InstitutionKind.SCHOOL: _l("Schule"),
    InstitutionKind.YOUTH_OFFICE: _l("Jugendamt (ASD)"),
    InstitutionKind.COUNSELLING: _l("Beratungsstelle"),
    InstitutionKind.MEDICAL: _l("Klinik oder Praxis"),
    InstitutionKind.POLICE: _l("Polizeidienststelle"),
    InstitutionKind.COURT: _l("Familiengericht"),
    InstitutionKind.EARLY_SUPPORT: _l("Frühe Hilfen"),
    InstitutionKind.OTHER: _l("Sonstige Einrichtung"),
}


class Visibility(StrEnum):
    """Who sees an institution, or one field of a contact."""

    PUBLIC = "public"  # anyone, without signing in
    MEMBERS = "members"  # everyone signed in
    INTERNAL = "internal"  # the region's keepers and the institution's own people


VISIBILITY_LABELS = {
    Visibility.PUBLIC: _l("Öffentlich"),
    Visibility.MEMBERS: _l("Angemeldete"),
    Visibility.INTERNAL: _l("Netzwerkintern"),
}

institution_region = Table(
    "institution_region", db.metadata,
    Column("institution_id", ForeignKey("institution.id", ondelete="CASCADE"), primary_key=True),
    Column("region_id", ForeignKey("region.id", ondelete="CASCADE"), primary_key=True, index=True),
)
institution_member = Table(
    "institution_member", db.metadata,
    Column("institution_id", ForeignKey("institution.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Institution(Kept, db.Model):
    """An Einrichtung of the network: who it is, whom it serves, what it offers in child protection."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(30), index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    opening_hours: Mapped[str] = mapped_column(String(300), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")  # what it offers in child protection
    visibility: Mapped[str] = mapped_column(String(20), default=Visibility.PUBLIC)  # public or members
    # The directory search's terms (lms.textsearch.term_line), written by the services on every edit.
    search_title: Mapped[str] = mapped_column(Text, default="")
    search_body: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime]
    reminded_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    owner: Mapped[User | None] = relationship()
    regions: Mapped[list[Region]] = relationship(secondary=institution_region, lazy="selectin",
                                                 order_by=Region.name)
    members: Mapped[list[User]] = relationship(secondary=institution_member, lazy="selectin")
    contacts: Mapped[list["BindingContact"]] = relationship(
        back_populates="institution", cascade="all, delete-orphan", lazy="selectin",
        order_by="(BindingContact.topic, BindingContact.id)")

    @property
    def sector_label(self):
        return SECTOR_LABELS[Sector(self.sector)]

    @property
    def kind_label(self):
        return INSTITUTION_KIND_LABELS[InstitutionKind(self.kind)]

    @property
    def keeper_region_ids(self) -> list[int]:
        return [region.id for region in self.regions]

    def can_view(self, user) -> bool:
        """Public institutions for anyone, the others for everyone signed in."""
        return self.visibility == Visibility.PUBLIC or bool(getattr(user, "is_authenticated", False))

    def can_edit(self, user) -> bool:
        """Admins, and the coordinators of a region the institution serves."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        return user.has_role(Role.ADMIN) or (
            user.has_role(Role.COORDINATOR) and any(region.id == user.region_id for region in self.regions))

    def is_member(self, user) -> bool:
        return bool(getattr(user, "is_authenticated", False)) and any(m.id == user.id for m in self.members)

    def shows(self, visibility: str, user) -> bool:
        """Whether a field of *visibility* is shown to *user* on this institution's page."""
        if visibility == Visibility.PUBLIC:
            return True
        if visibility == Visibility.MEMBERS:
            return bool(getattr(user, "is_authenticated", False))
        return self.can_edit(user) or self.is_member(user)


class BindingContact(Kept, db.Model):
    """A verbindliche*r Ansprechpartner*in of an institution for one topic, with a deputy; phone and
    functional mailbox each carry their own visibility (a personal number is never public)."""

    __table_args__ = (
        CheckConstraint("phone <> '' OR mailbox <> ''", name="reachable"),
        CheckConstraint("NOT (phone_personal AND phone_visibility = 'public')", name="personal_not_public"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(160))  # e.g. "Kinderschutzfachkraft nach § 8a"
    name: Mapped[str] = mapped_column(String(160))
    deputy: Mapped[str] = mapped_column(String(160), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    phone_personal: Mapped[bool] = mapped_column(Boolean, default=False)  # a personal (mobile) number
    phone_visibility: Mapped[str] = mapped_column(String(20), default=Visibility.MEMBERS)
    mailbox: Mapped[str] = mapped_column(String(254), default="")  # a functional mailbox
    mailbox_visibility: Mapped[str] = mapped_column(String(20), default=Visibility.PUBLIC)
    reachability: Mapped[str] = mapped_column(String(300), default="")  # e.g. "Mo–Fr 8–16 Uhr"
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime]
    reminded_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    owner: Mapped[User | None] = relationship()
    institution: Mapped[Institution] = relationship(back_populates="contacts")

    @property
    def tel(self) -> str:
        return tel_of(self.phone)

    @property
    def keeper_region_ids(self) -> list[int]:
        return self.institution.keeper_region_ids

    def can_edit(self, user) -> bool:
        """Whoever keeps its institution."""
        return self.institution.can_edit(user)
