"""The Merkliste: bookmarking an instrument (with or without mail on new versions), removing it, and
marking the current version as seen. Reading them is in `lms.instrumente.queries`.
"""
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from lms.auth.models import User
from lms.errors import PermissionDenied
from lms.extensions import db
from lms.instrumente.models import Bookmark, Instrument
from lms.instrumente.queries import bookmark_of


def bookmark(user: User, instrument: Instrument, *, notify_by_mail: bool, now: datetime) -> Bookmark:
    """Put *instrument* on *user*'s Merkliste; bookmarking twice, also in parallel, keeps one entry."""
    if not instrument.can_view(user) or not user.is_authenticated:
        raise PermissionDenied()
    entry = db.session.get(Bookmark, (user.id, instrument.id))
    if entry is None:
        db.session.add(Bookmark(user_id=user.id, instrument_id=instrument.id, created_at=now,
                                seen_version=instrument.version_count))
        try:
            db.session.flush()
        except IntegrityError:  # a parallel request (a double click) was first
            db.session.rollback()
        entry = db.session.get(Bookmark, (user.id, instrument.id))
    entry.notify_by_mail = notify_by_mail
    db.session.flush()
    return entry


def remove_bookmark(user: User, instrument: Instrument) -> None:
    """Take *instrument* off *user*'s Merkliste (and its mails); nothing happens if it was not there."""
    db.session.execute(delete(Bookmark).where(Bookmark.user_id == user.id, Bookmark.instrument_id == instrument.id))
    db.session.flush()


def mark_seen(user: User, instrument: Instrument) -> None:
    """The user has seen the current version: the "new version" notice goes away."""
    entry = bookmark_of(user, instrument)
    if entry is not None and entry.seen_version != instrument.version_count:
        entry.seen_version = instrument.version_count
        db.session.flush()
