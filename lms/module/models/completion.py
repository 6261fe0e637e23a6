"""Completions of a module, the evidence competence profiles read, and their certificates."""
import re
from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.dimensions import DIMENSION_LABELS, Dimension
from lms.extensions import db
from lms.module.models.modules import Module


class Completion(db.Model):
    """A person completed a module in an offering: the evidence competence profiles read."""

    __table_args__ = (
        Index("uq_completion_active", "user_id", "offering_id", unique=True,
              sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("module.id", ondelete="SET NULL"), index=True)
    offering_id: Mapped[int | None] = mapped_column(ForeignKey("offering.id", ondelete="SET NULL"))
    completed_on: Mapped[datetime]  # the last attended date
    teaching_units: Mapped[int]
    dimension: Mapped[str] = mapped_column(String(20))
    recorded_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    module: Mapped[Module | None] = relationship(lazy="joined")
    certificate: Mapped["Certificate | None"] = relationship(back_populates="completion", lazy="joined", uselist=False)

    @property
    def dimension_label(self):
        return DIMENSION_LABELS[Dimension(self.dimension)]


TYPED_NUMBER = re.compile(r"TB-([0-9]{4})-0*([0-9]{1,10})")
DASHES = str.maketrans("‐‑‒–—−", "------")  # typed or pasted for the hyphen


class Certificate(db.Model):
    """A participation certificate (Teilnahmebescheinigung): a frozen copy of what it certifies."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    verification_token: Mapped[str] = mapped_column(String(64), unique=True)
    completion_id: Mapped[int | None] = mapped_column(ForeignKey("completion.id", ondelete="SET NULL"), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    holder_name: Mapped[str] = mapped_column(String(120))
    module_title: Mapped[str] = mapped_column(String(200))
    module_code: Mapped[str] = mapped_column(String(20), default="")
    dimension: Mapped[str] = mapped_column(String(20))
    dates_text: Mapped[str] = mapped_column(Text)  # one line per attended date, Europe/Berlin
    teaching_units: Mapped[int]
    issuer: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    completion: Mapped[Completion | None] = relationship(back_populates="certificate")

    @property
    def dimension_label(self):
        return DIMENSION_LABELS[Dimension(self.dimension)]

    @staticmethod
    def number_for(year: int, serial: int) -> str:
        """The number printed on a certificate: TB-2026-00017."""
        return f"TB-{year}-{serial:05d}"

    @staticmethod
    def number_as_printed(typed: str) -> str:
        """*typed* as the number is printed, whatever its case, spaces, dashes or missing leading zeros
        ("tb – 2026 – 17" is TB-2026-00017); anything else without spaces, upper-cased."""
        text = "".join(typed.split()).upper().translate(DASHES)
        found = TYPED_NUMBER.fullmatch(text)
        return Certificate.number_for(int(found[1]), int(found[2])) if found else text

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None
