"""Feeds: which events a feed holds, its version stamp, building and caching it, and tokens.

A private feed holds offering dates, the person's consultations (as booker or expert) and the
meetings of the network's bodies she sits in; a consultation shows as a neutral, confidential event
(`lms.beratung.ical.consultation_event`), never with its type or case content. Public feeds never
hold consultations; a public body has a feed of its meetings (without their online links).

Feeds are bounded: they hold what ends after 30 days ago and starts before a horizon ahead
(`FEED_HORIZON_MONTHS`, LMS_FEED_HORIZON_MONTHS, default 12; a month counted as 30.44 days), so a
feed's size and its statement count stay the same however many years of offerings pile up:
Google Calendar and Outlook give up on feeds of several megabytes. A single date's download has no
window. Each date is one event per feed (one UID): a person who teaches an offering and is also on
it gets the trainer's event.

A feed's version stamp is a hash over a few aggregates (counts and latest change times of the
rows the feed is made of), read in one query. It changes exactly when something the feed shows
changes, so a conditional GET is answered from it alone, and an unchanged feed is served from its
cached bytes (in the database, so it works across processes).
"""
import base64
import hashlib
import hmac
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from threading import Lock

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload

from lms.auth.models import Region, Role, User
from lms.beratung.ical import consultation_event
from lms.beratung.models import Consultation, ConsultationStatus
from lms.beratung.services import BOOKER_ROLES
from lms.dimensions import DIMENSION_LABELS, Dimension
from lms.extensions import db
from lms.i18n import _l
from lms.ical import WRITER_VERSION, CalendarEvent, build_calendar
from lms.kalender.models import FeedCache, FeedToken
from lms.module.ical import date_event
from lms.module.models import (
    ACTIVE_STATUSES,
    Enrolment,
    EnrolmentEvent,
    EnrolmentStatus,
    Module,
    ModuleState,
    Offering,
    OfferingDate,
    OfferingState,
)
from lms.netzwerk.ical import meeting_event
from lms.netzwerk.models import Body, BodyMember, Meeting, MeetingState

CANCELLED_KEPT = timedelta(days=30)  # cancelled events stay in feeds, as CANCELLED, this long
PAST_KEPT = timedelta(days=30)  # feeds hold events that ended at most this long ago
DAYS_PER_MONTH = 30.44
REFRESH = timedelta(hours=1)  # how often subscribing calendars should poll
SCOPES = ("all", "consultations")
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


# --- tokens ---------------------------------------------------------------------------------

def _token_for(nonce: str) -> str:
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), f"feed:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")  # 192 bits


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def active_token(user: User, scope: str = "all") -> FeedToken | None:
    """The user's current feed address of *scope*, or None."""
    return db.session.scalar(select(FeedToken).where(
        FeedToken.user_id == user.id, FeedToken.scope == scope, FeedToken.revoked_at.is_(None)))


def token_value(row: FeedToken) -> str:
    """The secret part of a feed address, as it appears in the URL."""
    return _token_for(row.nonce)


def ensure_token(user: User, *, scope: str = "all", now: datetime) -> FeedToken:
    """The user's feed address of *scope*, made on first use."""
    return active_token(user, scope) or new_token(user, scope=scope, now=now)


def new_token(user: User, *, scope: str = "all", now: datetime) -> FeedToken:
    """A new address for the user's feed; the previous one stops working at once."""
    if scope not in SCOPES:
        raise ValueError(scope)
    db.session.execute(update(FeedToken).where(
        FeedToken.user_id == user.id, FeedToken.scope == scope, FeedToken.revoked_at.is_(None)).values(revoked_at=now))
    nonce = secrets.token_hex(16)
    row = FeedToken(user_id=user.id, scope=scope, nonce=nonce, token_hash=_hash(_token_for(nonce)), created_at=now)
    db.session.add(row)
    db.session.flush()
    return row


def owner_of(token: str) -> tuple[User, FeedToken] | None:
    """The active user and token behind a feed address, or None (unknown, revoked, deactivated)."""
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(select(FeedToken).where(FeedToken.token_hash == _hash(token),
                                                    FeedToken.revoked_at.is_(None)))
    if row is None:
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    return user, row


# --- what a feed holds ----------------------------------------------------------------------
#
# A feed is a kind and its parameters. Each kind's statements are built once, with bind
# parameters, and reused: calendars poll every few minutes, and building a statement cost more
# than running it.

CUTOFF = bindparam("cutoff", type_=Enrolment.updated_at.type)  # now - CANCELLED_KEPT
SINCE = bindparam("since", type_=OfferingDate.ends_at.type)  # the window: now - PAST_KEPT ...
UNTIL = bindparam("until", type_=OfferingDate.starts_at.type)  # ... to now + the horizon
USER = bindparam("user_id", type_=Integer)
PUBLIC_FILTERS = {
    "public:all": (),
    "public:module": (Offering.module_id == bindparam("value", type_=Integer),),
    "public:region": (Offering.region_id == bindparam("value", type_=Integer),),
    "public:dimension": (Module.dimension == bindparam("value", type_=String),),
    "date": (OfferingDate.id == bindparam("value", type_=Integer),),
}
WITHDRAWN = (ConsultationStatus.DECLINED, ConsultationStatus.CANCELLED)


@dataclass(frozen=True)
class Feed:
    key: str
    name: str
    kind: str  # a key of PUBLIC_FILTERS, "user:all" or "user:consultations"
    params: dict

    @property
    def has_consultations(self) -> bool:
        return self.kind.startswith("user:")


def horizon() -> timedelta:
    """How far ahead feeds reach (FEED_HORIZON_MONTHS)."""
    return timedelta(days=round(current_app.config["FEED_HORIZON_MONTHS"] * DAYS_PER_MONTH))


def _params(now: datetime, **values) -> dict:
    return {"cutoff": now - CANCELLED_KEPT, "since": now - PAST_KEPT, "until": now + horizon(), **values}


def public_feed(kind: str, value=None, *, now: datetime) -> Feed | None:
    """The public schedule: all offerings, or those of one module, region or dimension."""
    if kind == "all":
        return Feed("public:all", str(_l("Qualifizierungsangebote")), "public:all", _params(now))
    if kind == "module":
        module = db.session.get(Module, value)
        if module is None or module.state != ModuleState.PUBLISHED:
            return None
        return Feed(f"public:module:{module.id}", module.title, "public:module", _params(now, value=module.id))
    if kind == "region":
        region = db.session.get(Region, value)
        if region is None:
            return None
        return Feed(f"public:region:{region.id}", str(_l("Qualifizierungsangebote %(region)s", region=region.name)),
                    "public:region", _params(now, value=region.id))
    if kind == "dimension" and value in ("internal", "performance"):
        name = str(_l("Qualifizierungsangebote %(dimension)s", dimension=DIMENSION_LABELS[Dimension(value)]))
        return Feed(f"public:dimension:{value}", name, "public:dimension", _params(now, value=value))
    return None


def body_feed(body_id: int, *, now: datetime) -> Feed | None:
    """The meetings of a public body of the network."""
    body = db.session.get(Body, body_id)
    if body is None or not body.public:
        return None
    return Feed(f"public:body:{body.id}", body.name, "public:body", _params(now, value=body.id))


def date_feed(date: OfferingDate, *, now: datetime) -> Feed:
    """One offering date, for its .ics download."""
    return Feed(f"date:{date.id}", date.offering.module.title, "date", _params(now, value=date.id))


def private_feed(user: User, scope: str, *, now: datetime) -> Feed:
    """A person's dates: offerings they are on (or were, for 30 days), the offerings they teach and their
    consultations; the "consultations" scope holds the consultations alone."""
    name = _l("Meine Fachberatungen") if scope == "consultations" else _l("Meine Termine")
    return Feed(f"user:{user.id}:{scope}", str(name), f"user:{scope}", _params(now, user_id=user.id))


def offers_consultations(user: User) -> bool:
    """Whether the settings page offers the consultations-only address: to experts and bookers."""
    return user.has_role(Role.EXPERT, *BOOKER_ROLES)


def _no_enrolment():
    return (literal("public").label("role"), literal(None, type_=Enrolment.updated_at.type).label("changed"),
            literal(0).label("changes"))


def _in_window(starts_at, ends_at) -> tuple[ColumnElement[bool], ...]:
    return ends_at > SINCE, starts_at < UNTIL


def _public_dates(*conditions) -> Select:
    """Published modules' offerings, and cancelled ones for 30 days after the cancellation."""
    return (select(OfferingDate.id, *_no_enrolment())
            .join(Offering, OfferingDate.offering_id == Offering.id).join(Module, Offering.module_id == Module.id)
            .where(Module.state == ModuleState.PUBLISHED, Offering.state != OfferingState.PLANNED,
                   or_(Offering.state != OfferingState.CANCELLED, Offering.cancelled_at > CUTOFF), *conditions))


def _personal_dates() -> Select:
    """The dates of the offerings a person is on (or was, for 30 days) and of those they teach."""
    status_changes = (select(func.count(EnrolmentEvent.id)).where(EnrolmentEvent.enrolment_id == Enrolment.id)
                      .correlate(Enrolment).scalar_subquery())
    kept = or_(Offering.state != OfferingState.CANCELLED, Offering.cancelled_at > CUTOFF)
    as_participant = (
        select(OfferingDate.id, Enrolment.status.label("role"), Enrolment.updated_at.label("changed"),
               status_changes.label("changes"))
        .join(Offering, OfferingDate.offering_id == Offering.id)
        .join(Enrolment, Enrolment.offering_id == Offering.id)
        .where(Enrolment.user_id == USER,
               or_(Enrolment.status.in_(ACTIVE_STATUSES), Enrolment.updated_at > CUTOFF), kept,
               *_in_window(OfferingDate.starts_at, OfferingDate.ends_at))
    )
    taught = select(Offering.id).where(Offering.taught_by(USER))
    as_trainer = (
        select(OfferingDate.id, literal("trainer").label("role"), literal(None, type_=Enrolment.updated_at.type),
               literal(0))
        .join(Offering, OfferingDate.offering_id == Offering.id)
        .where(Offering.id.in_(taught), Offering.state != OfferingState.PLANNED, kept,
               *_in_window(OfferingDate.starts_at, OfferingDate.ends_at))
    )
    return as_participant.union_all(as_trainer)


def _dates(kind: str) -> Select:
    """Rows of (date id, role, enrolment changed at, number of enrolment status changes)."""
    if kind == "user:all":
        return _personal_dates()
    if kind in ("user:consultations", "public:body"):
        return select(OfferingDate.id, *_no_enrolment()).where(literal(False))
    if kind == "date":
        return _public_dates(*PUBLIC_FILTERS[kind])
    return _public_dates(*PUBLIC_FILTERS[kind], *_in_window(OfferingDate.starts_at, OfferingDate.ends_at))


def _consultations() -> ColumnElement[bool]:
    """The person's bookings as booker or expert; declined and cancelled ones for 30 days after the change."""
    return and_(Consultation.is_party(USER),
                or_(Consultation.status.not_in(WITHDRAWN), Consultation.updated_at > CUTOFF),
                *_in_window(Consultation.starts_at, Consultation.ends_at))


def _meetings(kind: str) -> ColumnElement[bool] | None:
    """The meetings a feed holds: in the private feed those of the bodies the person sits in (as
    herself, delegate or deputy), in a body's feed that body's; cancelled ones for 30 days after the
    cancellation. None: the feed holds no meetings."""
    kept = (or_(Meeting.state != MeetingState.CANCELLED, Meeting.updated_at > CUTOFF),
            *_in_window(Meeting.starts_at, Meeting.ends_at))
    if kind == "user:all":
        return and_(Meeting.body_id.in_(BodyMember.bodies_of(USER)), *kept)
    if kind == "public:body":
        return and_(Meeting.body_id == bindparam("value", type_=Integer), *kept)
    return None


# --- stamp, build, cache --------------------------------------------------------------------

@cache
def _stamp_query(kind: str) -> Select:
    """Counts, latest changes and sums of SEQUENCE of what the feed holds, in one statement; the
    consultations' aggregates ride along as uncorrelated scalar subqueries."""
    rows = _dates(kind).subquery("feed_rows")
    consultations = () if not kind.startswith("user:") else tuple(
        select(aggregate).where(_consultations()).scalar_subquery()
        for aggregate in (func.count(Consultation.id), func.max(Consultation.updated_at),
                          func.sum(Consultation.sequence)))
    meetings = _meetings(kind)
    meeting_aggregates = () if meetings is None else tuple(
        select(aggregate).where(meetings).scalar_subquery()
        for aggregate in (func.count(Meeting.id), func.sum(Meeting.sequence), func.max(Meeting.updated_at)))
    return (select(func.count(), func.max(OfferingDate.updated_at), func.max(Offering.updated_at),
                   func.max(Module.updated_at), func.max(rows.c.changed), func.sum(rows.c.changes),
                   func.sum(OfferingDate.sequence), *consultations, func.sum(OfferingDate.id), *meeting_aggregates)
    # (`stamp` reads the consultations' latest change at index 8 and the meetings' last: keep new
    # aggregates at the end.)
            .select_from(rows)
            .join(OfferingDate, OfferingDate.id == rows.c.id)
            .join(Offering, Offering.id == OfferingDate.offering_id)
            .join(Module, Module.id == Offering.module_id))


@cache
def _date_query(kind: str) -> Select:
    rows = _dates(kind).subquery("feed_rows")
    # The offering and its module in the same statement, and nothing else of theirs (their trainers,
    # audiences and materials would be loaded in batches of 500: more statements for more offerings).
    return (select(OfferingDate, rows.c.role, rows.c.changed, rows.c.changes).join(rows, rows.c.id == OfferingDate.id)
            .options(joinedload(OfferingDate.offering).options(
                lazyload("*"), joinedload(Offering.module).lazyload("*")))
            .order_by(OfferingDate.starts_at, OfferingDate.id))


@cache
def _meeting_query(kind: str) -> Select:
    return (select(Meeting).where(_meetings(kind)).options(joinedload(Meeting.body).lazyload("*"), lazyload("*"))
            .order_by(Meeting.starts_at, Meeting.id))


@cache
def _consultation_query() -> Select:
    return select(Consultation).where(_consultations()).order_by(Consultation.starts_at, Consultation.id)


def stamp(feed: Feed) -> tuple[str, datetime]:
    """The feed's version stamp and last change time, from one aggregate query."""
    values = db.session.execute(_stamp_query(feed.kind), feed.params).one()
    consultations_changed = values[8:9] if feed.has_consultations else ()
    meetings_changed = values[-1:] if _meetings(feed.kind) is not None else ()
    changed = [value for value in (*values[1:5], *consultations_changed, *meetings_changed) if value is not None]
    last_modified = max(changed).replace(microsecond=0) if changed else EPOCH
    # The writer's version and the base URL too: a feed cached before the writer changed or the
    # installation moved to another address (its links) is rebuilt and its ETag renewed.
    written_by = (WRITER_VERSION, current_app.config["BASE_URL"])
    digest = hashlib.sha256(repr((feed.key, feed.name, written_by, [str(value) for value in values]))
                            .encode()).hexdigest()
    return digest[:32], last_modified


def _one_per_date(found) -> list[tuple]:
    """One row per date: the trainer's when the person also teaches it, with the highest count of
    changes and the latest change of either row, so SEQUENCE never goes back."""
    rows: dict[int, tuple] = {}
    for date, role, changed, changes in found:
        if date.id in rows:
            _, other_role, other_changed, other_changes = rows[date.id]
            role = "trainer" if "trainer" in (role, other_role) else role
            changed = max((value for value in (changed, other_changed) if value is not None), default=None)
            changes = max(changes or 0, other_changes or 0)
        rows[date.id] = (date, role, changed, changes)
    return list(rows.values())


def events(feed: Feed, *, now: datetime) -> list[CalendarEvent]:
    """The calendar events of *feed*: dates (with the person's status in them) and bookings."""
    found = db.session.execute(_date_query(feed.kind), feed.params).unique().all()
    records = [
        # Every status change of the person's enrolment (waitlist, seat, withdrawal) is an update.
        date_event(date, waiting=role in (EnrolmentStatus.WAITLISTED, EnrolmentStatus.REQUESTED),
                   withdrawn=role in (EnrolmentStatus.CANCELLED, EnrolmentStatus.REMOVED, EnrolmentStatus.DECLINED),
                   extra_sequence=changes or 0, changed=changed)
        for date, role, changed, changes in _one_per_date(found)
    ]
    if _meetings(feed.kind) is not None:
        public = feed.kind == "public:body"
        records += [meeting_event(meeting, public=public)
                    for meeting in db.session.scalars(_meeting_query(feed.kind), feed.params)]
        records.sort(key=lambda record: record.starts_at)
    if not feed.has_consultations:
        return records
    bookings = db.session.scalars(_consultation_query(), feed.params).all()
    neutral = feed.kind == "user:consultations"
    # A stable sort: dates keep their order, bookings are placed among them by their start.
    return sorted(records + [consultation_event(booking, neutral=neutral) for booking in bookings],
                  key=lambda record: record.starts_at)


class RecentBodies:
    """The bytes of recently served feeds in this process, keyed by feed and version stamp, up to a
    total size: the fast path in front of the shared cache table (a stamp names one content, so an
    entry is never stale, only replaced)."""

    def __init__(self, max_bytes: int = 16 * 1024 * 1024):
        self.max_bytes, self.size, self.entries, self.lock = max_bytes, 0, OrderedDict(), Lock()

    def get(self, key: str, version: str) -> bytes | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None or entry[0] != version:
                return None
            self.entries.move_to_end(key)
            return entry[1]

    def put(self, key: str, version: str, body: bytes) -> None:
        with self.lock:
            previous = self.entries.pop(key, None)
            if previous is not None:
                self.size -= len(previous[1])
            self.entries[key] = (version, body)
            self.size += len(body)
            while self.size > self.max_bytes and self.entries:
                self.size -= len(self.entries.popitem(last=False)[1][1])


def _recent_bodies() -> RecentBodies:
    return current_app.extensions.setdefault("lms.feed_bodies", RecentBodies())


def feed_body(feed: Feed, *, version: str, last_modified: datetime, now: datetime) -> bytes:
    """The feed's bytes: from this process's memory or the shared cache if the version stamp still
    holds, else built and cached."""
    recent = _recent_bodies()
    body = recent.get(feed.key, version)
    if body is not None:
        return body
    cached = db.session.get(FeedCache, feed.key)
    if cached is not None and cached.stamp == version:
        recent.put(feed.key, version, cached.body)
        return cached.body
    body = build_calendar(events(feed, now=now), name=feed.name, refresh=REFRESH)
    if cached is None:
        db.session.add(FeedCache(key=feed.key, stamp=version, body=body, last_modified=last_modified))
    else:
        cached.stamp, cached.body, cached.last_modified = version, body, last_modified
    try:
        db.session.flush()
    except IntegrityError:  # a parallel first poll cached this feed a moment ago; the answer stands
        db.session.rollback()
    recent.put(feed.key, version, body)
    return body
