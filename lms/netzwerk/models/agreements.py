"""Cooperation agreements between institutions, with their parties, versions and files."""
import calendar
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import Region, User
from lms.extensions import db
from lms.i18n import _l
from lms.instrumente.models import Instrument, StoredFile
from lms.netzwerk.models.common import keeps_region
from lms.netzwerk.models.directory import Institution


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
        return keeps_region(user, self.region_id)

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
