"""Instruments, their versions and stored files, reviews, bookmarks and the search documents.

A published instrument changes only through review: an edit becomes a proposed new version
(`InstrumentVersion.proposal_state` set) that waits beside the current one, which everybody keeps
seeing until a second person approves the proposal. See `lms.instrumente.services.update_instrument`.
"""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import SECTOR_LABELS, Role, User
from lms.db import utcnow
from lms.extensions import db
from lms.i18n import _l


class Kind(StrEnum):
    """Instrument categories (DOMAIN.md 4.3)."""

    ANALYSIS = "analysis"
    AGREEMENT = "agreement"
    GOVERNANCE = "governance"
    MODERATION = "moderation"
    CASE_COOPERATION = "case_cooperation"
    RISK_ASSESSMENT = "risk_assessment"
    DIRECTORY = "directory"
    QUALITY = "quality"
    QUALIFICATION = "qualification"


KIND_LABELS = {
    Kind.ANALYSIS: _l("Netzwerkanalyse"),
    Kind.AGREEMENT: _l("Vereinbarung und Verbindlichkeit"),
    Kind.GOVERNANCE: _l("Gremien"),
    Kind.MODERATION: _l("Moderation"),
    Kind.CASE_COOPERATION: _l("Fallabhängige Kooperation"),
    Kind.RISK_ASSESSMENT: _l("Gefährdungseinschätzung"),
    Kind.DIRECTORY: _l("Information und Ansprechpartner"),
    Kind.QUALITY: _l("Qualitätsentwicklung"),
    Kind.QUALIFICATION: _l("Qualifizierung"),
}

DIMENSION_CHOICES = {
    "internal": _l("Binnendimension"),
    "performance": _l("Leistungsdimension"),
    "both": _l("Beide Dimensionen"),
}


class Visibility(StrEnum):
    PUBLIC = "public"  # anyone, also without login
    MEMBERS = "members"  # signed-in users


VISIBILITY_LABELS = {
    Visibility.PUBLIC: _l("Öffentlich (auch ohne Anmeldung)"),
    Visibility.MEMBERS: _l("Nur für angemeldete Mitglieder"),
}


class InstrumentState(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


STATE_LABELS = {
    InstrumentState.DRAFT: _l("Entwurf"),
    InstrumentState.IN_REVIEW: _l("In Prüfung"),
    InstrumentState.PUBLISHED: _l("Veröffentlicht"),
    InstrumentState.WITHDRAWN: _l("Zurückgezogen"),
}


class ProposalState(StrEnum):
    """Where a proposed new version of a published instrument stands; None once it is current."""

    PENDING = "pending"  # waits for review by someone other than its author
    RETURNED = "returned"  # sent back to its author with the reviewer's comment


PROPOSAL_LABELS = {
    ProposalState.PENDING: _l("Neue Fassung in Prüfung"),
    ProposalState.RETURNED: _l("Neue Fassung zur Überarbeitung zurückgegeben"),
}
REVIEWER_ROLES = (Role.ADMIN, Role.TRAINER)  # review proposals, publish and withdraw directly
EDITOR_ROLES = (Role.ADMIN, Role.TRAINER, Role.COORDINATOR)  # add instruments (coordinators as proposals)


class StoredFile(db.Model):
    """A file's bytes are stored once under their SHA-256, however often they are uploaded; `used_at` is
    the last upload of them, which keeps them from the sweep of unused files for a while."""

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mime_type: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class InstrumentTopic(db.Model):
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id", ondelete="CASCADE"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class InstrumentSector(db.Model):
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id", ondelete="CASCADE"), primary_key=True)
    sector: Mapped[str] = mapped_column(String(30), primary_key=True, index=True)


class Instrument(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30), index=True)
    summary: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    dimension: Mapped[str] = mapped_column(String(20), index=True)
    licence_note: Mapped[str] = mapped_column(String(500), default="")
    link_url: Mapped[str] = mapped_column(String(500), default="")
    visibility: Mapped[str] = mapped_column(String(20), default=Visibility.MEMBERS)
    state: Mapped[str] = mapped_column(String(20), default=InstrumentState.DRAFT, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    published_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    withdraw_reason: Mapped[str | None] = mapped_column(String(500))
    version_count: Mapped[int] = mapped_column(Integer, default=0)

    topic_rows: Mapped[list[InstrumentTopic]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    sector_rows: Mapped[list[InstrumentSector]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id], lazy="joined")
    versions: Mapped[list["InstrumentVersion"]] = relationship(
        back_populates="instrument", cascade="all, delete-orphan", order_by=lambda: InstrumentVersion.number.desc(),
        lazy="select",
    )

    def __repr__(self) -> str:
        return f"<Instrument {self.id} {self.title!r}>"

    @property
    def topics(self) -> list[str]:
        return sorted(row.topic for row in self.topic_rows)

    @property
    def sectors(self) -> list[str]:
        return [code for code in SECTOR_LABELS if code in {row.sector for row in self.sector_rows}]

    @property
    def sector_labels(self) -> list:
        return [SECTOR_LABELS[code] for code in self.sectors]

    @property
    def kind_label(self):
        return KIND_LABELS[Kind(self.kind)]

    @property
    def dimension_label(self):
        return DIMENSION_CHOICES[self.dimension]

    @property
    def state_label(self):
        return STATE_LABELS[InstrumentState(self.state)]

    @property
    def is_listed(self) -> bool:
        return self.state == InstrumentState.PUBLISHED

    # --- permissions ---
    def _signed_in(self, user) -> bool:
        return bool(getattr(user, "is_authenticated", False) and user.is_active)

    def is_editor(self, user) -> bool:
        return self._signed_in(user) and user.has_role(Role.ADMIN, Role.TRAINER)

    def can_edit(self, user) -> bool:
        """Trainers and admins edit every instrument; a coordinator only their own unpublished proposal."""
        if self.is_editor(user):
            return True
        return (self._signed_in(user) and user.has_role(Role.COORDINATOR) and self.created_by_id == user.id
                and self.state == InstrumentState.DRAFT)

    def can_review(self, user) -> bool:
        """A trainer or an admin other than the person who submitted it (four eyes, admins too)."""
        if not self._signed_in(user) or self.state != InstrumentState.IN_REVIEW:
            return False
        return user.has_role(*REVIEWER_ROLES) and user.id != self.submitted_by_id

    def can_see_proposals(self, user) -> bool:
        """Proposed new versions are for the editors (their authors and the reviewers), not the public."""
        return self.is_editor(user)

    def can_view(self, user) -> bool:
        """Published and withdrawn instruments by visibility; drafts to their editors and proposer."""
        if self.state in (InstrumentState.PUBLISHED, InstrumentState.WITHDRAWN):
            return self.visibility == Visibility.PUBLIC or self._signed_in(user)
        return self.is_editor(user) or (self._signed_in(user) and self.created_by_id == user.id)


class InstrumentVersion(db.Model):
    """One state of an instrument's content and file, with who changed what and why."""

    __table_args__ = (
        UniqueConstraint("instrument_id", "number"),
        # One proposed new version per instrument at a time, also under parallel edits.
        Index("uq_instrument_version_open_proposal", "instrument_id", unique=True,
              sqlite_where=text("proposal_state IS NOT NULL"), postgresql_where=text("proposal_state IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id", ondelete="CASCADE"), index=True)
    # A proposal carries the number it will have once approved (one above the instrument's version_count).
    number: Mapped[int]
    change_note: Mapped[str] = mapped_column(String(500))
    changes: Mapped[str] = mapped_column(String(300), default="")  # the fields that changed, for "what changed"
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    file_sha256: Mapped[str | None] = mapped_column(ForeignKey("stored_file.sha256"), index=True)
    filename: Mapped[str | None] = mapped_column(String(160))
    proposal_state: Mapped[str | None] = mapped_column(String(20))  # None: part of the instrument's history
    # The proposal's other fields (kind, dimension, topics, ...): the instrument row takes them on approval.
    proposed_fields: Mapped[dict | None] = mapped_column(JSON)
    revision: Mapped[int] = mapped_column(default=1)  # goes up with each rework, so a review decides what it saw

    instrument: Mapped[Instrument] = relationship(back_populates="versions")
    author: Mapped[User | None] = relationship(lazy="joined")
    file: Mapped[StoredFile | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        state = f" {self.proposal_state}" if self.proposal_state else ""
        return f"<InstrumentVersion {self.instrument_id}/{self.number}{state}>"

    @property
    def is_proposal(self) -> bool:
        return self.proposal_state is not None

    @property
    def proposal_label(self):
        return PROPOSAL_LABELS[ProposalState(self.proposal_state)] if self.proposal_state else None

    def _by(self, user) -> bool:
        return self.author_id is not None and self.author_id == getattr(user, "id", None)

    def can_review(self, user) -> bool:
        """A trainer or an admin other than its author, while it waits and the instrument is published
        (a withdrawn instrument's proposal waits until it is published again)."""
        return (self.proposal_state == ProposalState.PENDING and self.instrument.state == InstrumentState.PUBLISHED
                and self.instrument.is_editor(user) and user.has_role(*REVIEWER_ROLES) and not self._by(user))

    def can_rework(self, user) -> bool:
        """Only its author changes an open proposal; others review it or leave it."""
        return self.is_proposal and self.instrument.is_editor(user) and self._by(user)

    def can_discard(self, user) -> bool:
        """Its author, or an admin (so that a proposal whose author left does not block the instrument)."""
        return self.is_proposal and self.instrument.is_editor(user) and (self._by(user) or user.has_role(Role.ADMIN))


class InstrumentReview(db.Model):
    """A review decision: of the first publication (no version), or of a proposed new version."""

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("instrument_version.id", ondelete="SET NULL"),
                                                   index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    approved: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(String(1000), default="")
    at: Mapped[datetime]

    reviewer: Mapped[User | None] = relationship(lazy="joined")
    version: Mapped[InstrumentVersion | None] = relationship(lazy="joined")


class Bookmark(db.Model):
    """An instrument on a person's Merkliste; `seen_version` tells which version they last saw."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id", ondelete="CASCADE"), primary_key=True,
                                               index=True)
    created_at: Mapped[datetime]
    seen_version: Mapped[int] = mapped_column(default=0)
    notify_by_mail: Mapped[bool] = mapped_column(Boolean, default=False)

    instrument: Mapped[Instrument] = relationship(lazy="joined", innerjoin=True)

    @property
    def has_news(self) -> bool:
        return self.instrument.version_count > self.seen_version


class SearchDocument(db.Model):
    """The search engine's view of a listed instrument: German-normalised terms per field.

    SQLite indexes it with an FTS5 table kept in step by triggers; PostgreSQL with a GIN index
    over a weighted tsvector (both created by the migration).
    """

    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id", ondelete="CASCADE"), primary_key=True)
    title_terms: Mapped[str] = mapped_column(Text, default="")
    body_terms: Mapped[str] = mapped_column(Text, default="")
