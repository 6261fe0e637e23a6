"""Emergency numbers per region with the weekly windows in which each one is the one to call;
institutions of the network with the regions they serve, their people and their binding contacts
(all three kept entries, `Kept`: someone owns each and confirms now and then that it still holds);
cooperation agreements between institutions with their versions and files."""
import calendar
import re
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import SECTOR_LABELS, Region, Role, Sector, User
from lms.extensions import db
from lms.i18n import _l
from lms.instrumente.models import Instrument, StoredFile
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


class ProposalState(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"


# The fields of an institution its own people may propose to change (what they know best).
PROPOSED_FIELDS = ("name", "address", "opening_hours", "website", "description")


class InstitutionProposal(db.Model):
    """A change to an institution proposed by one of its own people; its keepers accept or decline it.
    It holds the proposed values of PROPOSED_FIELDS as they were sent."""

    __table_args__ = (CheckConstraint("state IN ('open', 'accepted', 'declined')", name="proposal_state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    opening_hours: Mapped[str] = mapped_column(String(300), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(String(500), default="")  # why, from the author
    state: Mapped[str] = mapped_column(String(20), default=ProposalState.OPEN, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(String(500), default="")  # why it was declined
    created_at: Mapped[datetime]

    institution: Mapped[Institution] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])

    def changes(self) -> list[tuple[str, str, str]]:
        """(field, now, proposed) for each field the proposal changes."""
        return [(name, getattr(self.institution, name), getattr(self, name)) for name in PROPOSED_FIELDS
                if getattr(self.institution, name) != getattr(self, name)]


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


def add_months(day: date, months: int) -> date:
    """The same day *months* calendar months later (the month's last day if it is shorter)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


class AgreementState(StrEnum):
    DRAFT = "draft"  # Entwurf
    CONSULTATION = "consultation"  # in Abstimmung: the parties read, amend and sign it
    SIGNED = "signed"  # unterzeichnet: every party signed, in force from valid_from
    TERMINATED = "terminated"  # gekündigt
    EXPIRED = "expired"  # abgelaufen: never stored; a signed agreement past its valid_to shows it


AGREEMENT_STATE_LABELS = {
    AgreementState.DRAFT: _l("Entwurf"),
    AgreementState.CONSULTATION: _l("in Abstimmung"),
    AgreementState.SIGNED: _l("unterzeichnet"),
    AgreementState.TERMINATED: _l("gekündigt"),
    AgreementState.EXPIRED: _l("abgelaufen"),
}
# Which stored state may follow which: back from signed to consultation for a new version to sign.
AGREEMENT_MOVES = {
    AgreementState.DRAFT: (AgreementState.CONSULTATION,),
    AgreementState.CONSULTATION: (AgreementState.DRAFT, AgreementState.SIGNED),
    AgreementState.SIGNED: (AgreementState.CONSULTATION, AgreementState.TERMINATED),
    AgreementState.TERMINATED: (),
}


class Agreement(db.Model):
    """A Kooperationsvereinbarung (§ 3 KKG) between at least two institutions, kept by the coordinators
    of its region: what it fixes (Markdown), the library's template it follows, when it holds, and when
    its responsible coordinator reviews it."""

    __table_args__ = (
        CheckConstraint("valid_from IS NULL OR valid_to IS NULL OR valid_from <= valid_to", name="validity_order"),
        CheckConstraint("review_months IS NULL OR review_months BETWEEN 1 AND 120", name="review_range"),
        CheckConstraint("state IN ('draft', 'consultation', 'signed', 'terminated')", name="stored_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(Text, default="")  # subject and procedures, Markdown
    instrument_id: Mapped[int | None] = mapped_column(ForeignKey("instrument.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(20), default=AgreementState.DRAFT, index=True)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, index=True)
    review_months: Mapped[int | None] = mapped_column(Integer)  # reviewed this often after its last version
    terminated_on: Mapped[date | None] = mapped_column(Date)
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # The responsible coordinator was told of the coming expiry / the due review (once each, until changed).
    expiry_reminded_at: Mapped[datetime | None]
    review_reminded_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    region: Mapped[Region] = relationship(lazy="joined")
    instrument: Mapped[Instrument | None] = relationship()
    responsible: Mapped[User | None] = relationship()
    parties: Mapped[list["AgreementParty"]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", lazy="selectin")
    versions: Mapped[list["AgreementVersion"]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="AgreementVersion.number.desc()")

    def status(self, today: date) -> AgreementState:
        """The state people see: a signed agreement past its valid_to is abgelaufen."""
        if self.state == AgreementState.SIGNED and self.valid_to is not None and self.valid_to < today:
            return AgreementState.EXPIRED
        return AgreementState(self.state)

    def status_label(self, today: date):
        return AGREEMENT_STATE_LABELS[self.status(today)]

    def review_due(self, last_version_on: date) -> date | None:
        """When it is next reviewed: its review interval after its last version."""
        return add_months(last_version_on, self.review_months) if self.review_months else None

    def can_edit(self, user) -> bool:
        """Admins, and the coordinators of its region."""
        return EmergencyNumber(region_id=self.region_id).can_edit(user)

    def can_view(self, user) -> bool:
        """Its keepers, and the people of its parties (agreements are network-internal)."""
        return self.can_edit(user) or any(party.institution.is_member(user) for party in self.parties)


class AgreementParty(db.Model):
    """An institution bound by an agreement, and the day it signed (the version in force)."""

    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id", ondelete="CASCADE"), primary_key=True,
                                                index=True)
    signed_on: Mapped[date | None] = mapped_column(Date)

    agreement: Mapped[Agreement] = relationship(back_populates="parties")
    institution: Mapped[Institution] = relationship(lazy="joined")


class AgreementVersion(db.Model):
    """One Fassung of an agreement's text, with its change note and its files (the signed scans)."""

    __table_args__ = (UniqueConstraint("agreement_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]

    agreement: Mapped[Agreement] = relationship(back_populates="versions")
    author: Mapped[User | None] = relationship()
    files: Mapped[list["AgreementFile"]] = relationship(
        back_populates="version", cascade="all, delete-orphan", lazy="selectin", order_by="AgreementFile.id")


class AgreementFile(db.Model):
    """A file of a version, stored through the library's storage once per content."""

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("agreement_version.id", ondelete="CASCADE"), index=True)
    file_sha256: Mapped[str] = mapped_column(ForeignKey("stored_file.sha256"))
    filename: Mapped[str] = mapped_column(String(200))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime]

    version: Mapped[AgreementVersion] = relationship(back_populates="files")
    file: Mapped[StoredFile] = relationship(lazy="joined")
