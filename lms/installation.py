"""Facts fixed once per installation and kept in its database, so they outlive configuration changes.

The one fact so far is the domain part of calendar UIDs. A UID must never change: calendars that
subscribed to a feed or imported an invitation match later versions of an event by it, so a UID
built from `LMS_BASE_URL` made every event appear twice after a move to the real address. The domain
is generated the first time it is needed (`lms-<random>.invalid`: the reserved top-level domain that
never resolves) and read from this table ever after. The migration that brought the table keeps an
installation's earlier UIDs: it stores the host its base URL had then.
"""
import secrets

from flask import g
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import UPSERT_INSERTS, Base
from lms.extensions import db

UID_DOMAIN = "uid_domain"


class InstallationValue(Base):
    __tablename__ = "installation_value"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))


def _stored(name: str, make) -> str:
    """The stored value of *name*; the first caller stores make()'s (a parallel first caller's wins)."""
    query = select(InstallationValue.value).where(InstallationValue.name == name)
    value = db.session.scalar(query)
    if value is None:
        insert = UPSERT_INSERTS[db.session.get_bind().dialect.name](InstallationValue.__table__)
        db.session.execute(insert.values(name=name, value=make()).on_conflict_do_nothing())
        value = db.session.scalar(query)
    return value


def uid_domain() -> str:
    """The right-hand side of every calendar UID, read once per app context."""
    if "lms_uid_domain" not in g:
        g.lms_uid_domain = _stored(UID_DOMAIN, lambda: f"lms-{secrets.token_hex(6)}.invalid")
    return g.lms_uid_domain
