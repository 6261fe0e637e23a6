"""Feed tokens (kept as hashes) and the cache of built feeds."""
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db


class FeedToken(db.Model):
    """A private feed address. The token is HMAC(secret key, nonce): the database holds the nonce and
    the token's SHA-256 only, so the address can be shown again but not read from a stolen database."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(20))  # "all" or "consultations"
    nonce: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class FeedCache(db.Model):
    """The bytes of a feed as last built, keyed by feed and valid while its version stamp holds."""

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    stamp: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    last_modified: Mapped[datetime]
