"""Data-protection rules of calendar feeds (see lms/privacy.py): a feed address is a secret, so the
export says that one exists and since when, never the address or its hash."""
from datetime import datetime

from sqlalchemy import delete, select

from lms.extensions import db
from lms.i18n import _l
from lms.kalender.models import FeedCache, FeedToken
from lms.privacy import Erasure, TableRule, rows

FEEDS = _l("Kalender-Abonnements")
RULES = (
    TableRule("feed_token", FEEDS, _l("Persönliche Kalenderadressen"), _l("der Kalender der Person"), Erasure.DELETE,
              _l("bis zum Widerruf")),
    TableRule("feed_cache", FEEDS, _l("Zuletzt gebaute Kalender"), _l("der Kalender der Person"), Erasure.DELETE,
              _l("bis zur nächsten Änderung")),
)


def export(user, *, now: datetime) -> dict:
    return {"calendar_feeds": rows(select(FeedToken.scope, FeedToken.created_at, FeedToken.revoked_at)
                                   .where(FeedToken.user_id == user.id).order_by(FeedToken.created_at))}


def forget(user, *, now: datetime) -> None:
    db.session.execute(delete(FeedToken).where(FeedToken.user_id == user.id))
    db.session.execute(delete(FeedCache).where(FeedCache.key.like(f"user:{user.id}:%")))
