"""Institutions of the network with the regions they serve, their people, their binding contacts and
the changes their people propose."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    String,
    Table,
    Text,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import SECTOR_LABELS, Region, Sector, User
from lms.extensions import db
from lms.i18n import _l
from lms.netzwerk.models.common import Kept, Visibility, keeps_region, tel_of


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



institution_region = Table(
    "institution_region", db.metadata,
    Column("institution_id", ForeignKey("institution.id", ondelete="CASCADE"), primary_key=True),
    Column("region_id", ForeignKey("region.id", ondelete="CASCADE"), primary_key=True, index=True),
)


def institutions_serving(region_id: int):
    """SQL: the ids of the institutions that serve *region_id*, for `<id column>.in_(...)`."""
    return select(institution_region.c.institution_id).where(institution_region.c.region_id == region_id)


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
        return keeps_region(user, None) or any(keeps_region(user, region.id) for region in self.regions)

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
    It holds the values of PROPOSED_FIELDS the member changed."""

    __table_args__ = (CheckConstraint("state IN ('open', 'accepted', 'declined')", name="proposal_state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # The proposed values; None where the proposal leaves a field as it was (so that taking it over
    # later does not undo what a keeper changed meanwhile).
    name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    opening_hours: Mapped[str | None] = mapped_column(String(300))
    website: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str] = mapped_column(String(500), default="")  # why, from the author
    state: Mapped[str] = mapped_column(String(20), default=ProposalState.OPEN, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(String(500), default="")  # why it was declined
    created_at: Mapped[datetime]

    institution: Mapped[Institution] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])

    def proposed(self) -> dict[str, str]:
        """The fields the proposal sets, with their proposed values."""
        return {name: getattr(self, name) for name in PROPOSED_FIELDS if getattr(self, name) is not None}

    def changes(self) -> list[tuple[str, str, str]]:
        """(field, now, proposed) for each field the proposal still changes."""
        return [(name, getattr(self.institution, name), value) for name, value in self.proposed().items()
                if getattr(self.institution, name) != value]


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


