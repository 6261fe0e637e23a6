"""Users, their roles, regions and invitations."""
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import utcnow
from lms.extensions import db
from lms.i18n import _l


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    TRAINER = "trainer"
    PARTNER = "partner"
    EXPERT = "expert"


ROLE_LABELS = {
    Role.ADMIN: _l("Administration"),
    Role.COORDINATOR: _l("Netzwerkkoordination"),
    Role.TRAINER: _l("Referent*in"),
    Role.PARTNER: _l("Netzwerkpartner*in"),
    Role.EXPERT: _l("Insoweit erfahrene Fachkraft"),
}


class Sector(StrEnum):
    """The network partners' sectors (DOMAIN.md 5.2)."""

    YOUTH_WELFARE = "youth_welfare"
    COUNSELLING = "counselling"
    HEALTH = "health"
    EDUCATION = "education"
    POLICE = "police"
    JUSTICE = "justice"
    DISABILITY = "disability"
    EARLY_SUPPORT = "early_support"
    OTHER = "other"


SECTOR_LABELS = {
    Sector.YOUTH_WELFARE: _l("Kinder- und Jugendhilfe"),
    Sector.COUNSELLING: _l("Beratungsstellen"),
    Sector.HEALTH: _l("Gesundheitswesen"),
    Sector.EDUCATION: _l("Bildung (Schule, Kita)"),
    Sector.POLICE: _l("Polizei"),
    Sector.JUSTICE: _l("Justiz"),
    Sector.DISABILITY: _l("Eingliederungshilfe (SGB IX)"),
    Sector.EARLY_SUPPORT: _l("Frühe Hilfen"),
    Sector.OTHER: _l("Sonstige"),
}


class RegionKind(StrEnum):
    DISTRICT = "district"  # Landkreis
    CITY = "city"  # kreisfreie Stadt


REGION_KIND_LABELS = {RegionKind.DISTRICT: _l("Landkreis"), RegionKind.CITY: _l("Kreisfreie Stadt")}


class Region(db.Model):
    """A Landkreis or kreisfreie Stadt: the level at which a network is organised."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20))

    def __repr__(self) -> str:
        return f"<Region {self.name}>"

    @property
    def kind_label(self):
        return REGION_KIND_LABELS[RegionKind(self.kind)]


class UserRole(db.Model):
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    # Granted by the directory's groups (lms/auth/sso): refreshed at every sign-in, unlike an admin's grant.
    from_directory: Mapped[bool] = mapped_column(default=False, server_default=false())


class User(UserMixin, db.Model):
    """A person who signs in. E-mail addresses are stored lower-cased, so they are unique regardless of case."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))  # "" when the account has no password
    # The sign-in provider that manages the account (lms/auth/sso); None: it signs in with a password.
    directory: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="SET NULL"), index=True)
    sector: Mapped[str | None] = mapped_column(String(30))
    organisation: Mapped[str | None] = mapped_column(String(200))
    # Changes with every password change and deactivation: sessions carrying an old stamp end.
    session_stamp: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    deactivated_at: Mapped[datetime | None]  # the retention of deactivated accounts counts from here
    erased_at: Mapped[datetime | None]  # the account is a pseudonymous tombstone (lms/auth/privacy.py)

    region: Mapped[Region | None] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    def __repr__(self) -> str:
        return f"<User {self.email}>"

    @property
    def is_active(self) -> bool:
        return self.active

    # The key of the LoginSession this object was loaded for (not stored on the user row).
    login_key = ""

    def get_id(self) -> str:
        """What the session cookie carries: id, session stamp and the key of the signed-in browser."""
        return f"{self.id}:{self.session_stamp}:{self.login_key}"

    @property
    def roles(self) -> set[str]:
        return {row.role for row in self.role_rows}

    def has_role(self, *roles: str) -> bool:
        """True if the user holds any of *roles*."""
        return not self.roles.isdisjoint(roles)

    @property
    def role_labels(self) -> list:
        return [ROLE_LABELS[role] for role in Role if role in self.roles]

    @property
    def sector_label(self):
        return SECTOR_LABELS.get(self.sector) if self.sector else None

    def can_manage_users(self) -> bool:
        return self.is_active and self.has_role(Role.ADMIN)


class ExternalIdentity(db.Model):
    """Who a person is at a sign-in provider: (provider, subject) names her there for good (the
    OpenID `sub`, the directory entry's id), unlike her e-mail address, which can change."""

    __table_args__ = (UniqueConstraint("provider", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    last_sign_in_at: Mapped[datetime]

    user: Mapped[User] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<ExternalIdentity {self.provider} of user {self.user_id}>"


class LoginSession(db.Model):
    """One signed-in browser. The cookie carries a random key of which only the hash is stored;
    signing out deletes the row, so a copy of the cookie taken before stops working with it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(index=True)

    def __repr__(self) -> str:
        return f"<LoginSession {self.id} of user {self.user_id}>"


class Invitation(db.Model):
    """An admin's invitation: the link carries a random token of which only the hash is stored."""

    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(120))
    roles: Mapped[str] = mapped_column(String(120))  # space-separated Role values
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="SET NULL"))
    sector: Mapped[str | None] = mapped_column(String(30))
    token_hash: Mapped[str] = mapped_column(String(64))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    region: Mapped[Region | None] = relationship(lazy="joined")
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id], lazy="joined")

    def __repr__(self) -> str:
        return f"<Invitation {self.email}>"

    @property
    def role_list(self) -> list[str]:
        return self.roles.split()

    def is_pending(self, now: datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now
