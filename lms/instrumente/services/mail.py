"""The instrument mails: reviewers when something starts waiting for them, authors when it is decided,
bookmark holders when a new version is current.
"""
from datetime import datetime

from sqlalchemy import select

from lms.auth.models import User, UserRole
from lms.extensions import db
from lms.instrumente.models import REVIEWER_ROLES, Bookmark, Instrument, InstrumentReview, InstrumentVersion
from lms.links import external_url
from lms.notifications.services import queue_mail


def _tell_bookmarkers(instrument: Instrument, version: InstrumentVersion, *, now: datetime) -> None:
    wanting_mail = db.session.scalars(
        select(Bookmark).where(Bookmark.instrument_id == instrument.id, Bookmark.notify_by_mail.is_(True))
    ).all()
    users = {user.id: user for user in db.session.scalars(
        select(User).where(User.id.in_([entry.user_id for entry in wanting_mail]), User.active.is_(True))
    )} if wanting_mail else {}
    for entry in wanting_mail:
        user = users.get(entry.user_id)
        if user is not None and instrument.can_view(user):
            queue_mail(recipient=user.email, template="instrumente/new_version", locale=user.locale, now=now,
                       user=user, instrument=instrument, version=version,
                       link=external_url("instrumente.detail", instrument_id=instrument.id))


def _reviewers(*, besides: set[int]) -> list[User]:
    """The active people who may review (trainers and admins), without *besides*."""
    return list(db.session.scalars(
        select(User).where(User.active.is_(True), User.id.not_in(besides or {0}),
                           User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(REVIEWER_ROLES))))
        .order_by(User.id)
    ))


def _ask_reviewers(instrument: Instrument, *, author: User, proposal: InstrumentVersion | None,
                   now: datetime) -> None:
    """Mail everyone who may review that *instrument* (or its *proposal*) now waits for them."""
    link = (external_url("instrumente.proposal", instrument_id=instrument.id) if proposal is not None
            else external_url("instrumente.detail", instrument_id=instrument.id))
    for user in _reviewers(besides={author.id}):
        queue_mail(recipient=user.email, template="instrumente/review_requested", locale=user.locale, now=now,
                   user=user, instrument=instrument, proposal=proposal, author=author, link=link)


def _tell_authors(instrument: Instrument, entry: InstrumentReview, *, author_ids: set[int],
                  proposal: InstrumentVersion | None, now: datetime) -> None:
    """Mail the (active) authors how their submission or proposal was decided, with the comment."""
    if not author_ids:
        return
    link = (external_url("instrumente.proposal", instrument_id=instrument.id)
            if proposal is not None and not entry.approved
            else external_url("instrumente.detail", instrument_id=instrument.id))
    for user in db.session.scalars(select(User).where(User.id.in_(author_ids), User.active.is_(True))
                                   .order_by(User.id)):
        queue_mail(recipient=user.email, template="instrumente/review_decided", locale=user.locale, now=now,
                   user=user, instrument=instrument, proposal=proposal, review=entry, link=link)
