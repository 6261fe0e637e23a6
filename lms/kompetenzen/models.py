"""The competence framework with its versions, target levels, module mappings and evidence."""
from datetime import datetime
from enum import StrEnum
from functools import cache

from flask_babel import get_locale
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint, and_, or_
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.dimensions import DIMENSION_LABELS, Dimension
from lms.extensions import db
from lms.i18n import _l
from lms.kompetenzen import starter, starter_en

LEVELS = (1, 2, 3, 4)
LEVEL_LABELS = {1: _l("Grundlagen"), 2: _l("Anwenden"), 3: _l("Selbstständig gestalten"),
                4: _l("Weiterentwickeln & vermitteln")}


@cache
def _starter_german() -> dict[str, tuple[str, tuple[str, ...]]]:
    """code -> (name, level descriptors) as seeded, for areas ("A") and competences ("A1")."""
    texts = {area["code"]: (area["name"], ()) for area in starter.AREAS}
    texts.update({competence["code"]: (competence["name"], tuple(competence["levels"]))
                  for area in starter.AREAS for competence in area["competences"]})
    return texts


def _in_english() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "en"


def starter_text(code: str, stored: str, index: int | None = None) -> str:
    """*stored* in the reader's language: English readers get the starter framework's English text
    for a name (index None) or level descriptor that an admin has not changed since it was seeded."""
    german = _starter_german().get(code)
    if not _in_english() or german is None:
        return stored
    if index is None:
        english = starter_en.AREAS.get(code) or starter_en.COMPETENCES.get(code, (None,))[0]
        return english if english and stored == german[0] else stored
    english = starter_en.COMPETENCES.get(code, (None, ()))[1]
    return english[index] if len(english) > index and german[1][index:index + 1] == (stored,) else stored


class FrameworkVersion(db.Model):
    """Each change of the framework is a new version; evidence names the version it was recorded in."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    note: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class CompetenceArea(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    main_dimension: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer, default=0)

    competences: Mapped[list["Competence"]] = relationship(
        back_populates="area", order_by=lambda: Competence.position, lazy="selectin")

    @property
    def dimension_label(self):
        return DIMENSION_LABELS[Dimension(self.main_dimension)]

    @property
    def label(self) -> str:
        """The name in the reader's language (`starter_text`); edits use `name`."""
        return starter_text(self.code, self.name)


class Competence(db.Model):
    """A competence keeps its id (and code) across renamings, so its evidence stays attached.

    A competence removed from the framework is retired, not deleted: `retired_in` names the
    version that took it out, and nothing new may be mapped to it.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("competence_area.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    dimension: Mapped[str] = mapped_column(String(20))  # internal, performance or both
    facet: Mapped[str] = mapped_column(String(5), default="")
    level_1: Mapped[str] = mapped_column(Text, default="")
    level_2: Mapped[str] = mapped_column(Text, default="")
    level_3: Mapped[str] = mapped_column(Text, default="")
    level_4: Mapped[str] = mapped_column(Text, default="")
    # Evidence older than this many months counts as expired (None: it does not decay).
    validity_months: Mapped[int | None]
    position: Mapped[int] = mapped_column(Integer, default=0)
    introduced_in_id: Mapped[int | None] = mapped_column(ForeignKey("framework_version.id"))
    retired_in_id: Mapped[int | None] = mapped_column(ForeignKey("framework_version.id"))

    area: Mapped[CompetenceArea] = relationship(back_populates="competences", lazy="joined")

    def descriptor(self, level: int) -> str:
        return starter_text(self.code, getattr(self, f"level_{level}"), level - 1)

    @property
    def label(self) -> str:
        """The name in the reader's language (`starter_text`); edits use `name`."""
        return starter_text(self.code, self.name)

    @property
    def is_current(self) -> bool:
        return self.retired_in_id is None

    @property
    def dimension_label(self):
        return DIMENSION_LABELS[Dimension(self.dimension)] if self.dimension in DIMENSION_LABELS else _l("Beide Dimensionen")


class TargetLevel(db.Model):
    """The level a role (optionally: a partner sector, a region) should reach in a competence.

    The row without region is the general target; a row with a region overrides it there.
    """

    __table_args__ = (
        UniqueConstraint("role", "sector", "region_id", "competence_id"),
        CheckConstraint("level BETWEEN 1 AND 4", name="level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    sector: Mapped[str] = mapped_column(String(30), default="")
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"))
    competence_id: Mapped[int] = mapped_column(ForeignKey("competence.id", ondelete="CASCADE"), index=True)
    level: Mapped[int]


class ModuleCompetence(db.Model):
    """A module builds a competence up to a level (stated by its trainers)."""

    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 4", name="level_range"),)

    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"), primary_key=True)
    competence_id: Mapped[int] = mapped_column(ForeignKey("competence.id", ondelete="CASCADE"), primary_key=True,
                                               index=True)
    level: Mapped[int]

    competence: Mapped[Competence] = relationship(lazy="joined")


class InstrumentCompetence(db.Model):
    """An instrument from the library that helps to reach a level of a competence."""

    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 4", name="level_range"),)

    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id", ondelete="CASCADE"), primary_key=True)
    competence_id: Mapped[int] = mapped_column(ForeignKey("competence.id", ondelete="CASCADE"), primary_key=True,
                                               index=True)
    level: Mapped[int]


class EvidenceSource(StrEnum):
    COMPLETION = "completion"
    SELF_ASSESSMENT = "self"
    CONFIRMATION = "confirmation"


SOURCE_LABELS = {
    EvidenceSource.COMPLETION: _l("Abgeschlossenes Modul"),
    EvidenceSource.SELF_ASSESSMENT: _l("Selbsteinschätzung"),
    EvidenceSource.CONFIRMATION: _l("Bestätigung"),
}


class Evidence(db.Model):
    """What shows a person's level in a competence: a completed module, a self-assessment or a
    trainer's or admin's confirmation."""

    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 4", name="level_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    competence_id: Mapped[int] = mapped_column(ForeignKey("competence.id", ondelete="CASCADE"), index=True)
    framework_version_id: Mapped[int] = mapped_column(ForeignKey("framework_version.id"))
    source: Mapped[str] = mapped_column(String(20))
    level: Mapped[int]
    comment: Mapped[str] = mapped_column(String(500), default="")
    completion_id: Mapped[int | None] = mapped_column(ForeignKey("completion.id", ondelete="CASCADE"), index=True)
    module_title: Mapped[str] = mapped_column(String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    observed_on: Mapped[datetime]  # when the person showed the level (for a module: its completion)
    recorded_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]

    competence: Mapped[Competence] = relationship(lazy="joined")
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id], lazy="joined")

    @property
    def source_label(self):
        return SOURCE_LABELS[EvidenceSource(self.source)]

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    @hybrid_method
    def counts_at(self, now: datetime) -> bool:
        """The evidence counts toward the current level at *now*: shown (a completed module or a
        confirmation, not a self-assessment) and not expired. The one rule for a person's profile
        and, as a SQL condition on the class, for the admins' overview."""
        return self.source != EvidenceSource.SELF_ASSESSMENT and not self.is_expired(now)

    @counts_at.expression
    def counts_at(cls, now: datetime):
        return and_(cls.source != EvidenceSource.SELF_ASSESSMENT, or_(cls.expires_at.is_(None), cls.expires_at > now))
