"""Meine Termine: a person's own dates, consultations and meetings in one list by time, grouped by day.

Dates are those of the offerings the person is on (a seat, the waitlist or a request: the latter
two marked, as the feed marks them tentative) and of those they teach (a date both taught and
attended counts once, as taught); consultations are their bookings as booker or expert that
still hold their slot; meetings those of the bodies the person sits in (as herself, delegate or
deputy), with her answer. Cancelled offerings, meetings and withdrawn bookings are left out: the
page lists what is coming, the feeds and the mails report what was called off.

One UNION ALL statement gives a page of both kinds with every column a line shows, a second one
counts them: two statements whatever the data volume. A consultation carries only what the
calendars show (lms/beratung/ical.py): time, format and case code, never its type or case content.
Days are Berlin days; a view ends at the end of the Berlin week or month.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from math import ceil

from sqlalchemy import Integer, String, cast, func, literal, null, select, union_all

from lms.beratung.models import HOLDING, Consultation
from lms.extensions import db
from lms.i18n import _l
from lms.ical import BERLIN
from lms.module.models import ACTIVE_STATUSES, Enrolment, EnrolmentStatus, Module, Offering, OfferingDate, OfferingState
from lms.netzwerk.models import Body, BodyMember, Meeting, MeetingReply, MeetingState

WEEK, MONTH, ALL = "woche", "monat", "alle"
VIEWS = {WEEK: _l("Diese Woche"), MONTH: _l("Dieser Monat"), ALL: _l("Alle kommenden")}
PER_PAGE = 25
DATE, CONSULTATION, MEETING = "date", "consultation", "meeting"
TRAINER = "trainer"


@dataclass(frozen=True)
class Entry:
    kind: str  # DATE, CONSULTATION or MEETING
    id: int  # of the offering date, the consultation or the meeting
    starts_at: datetime
    ends_at: datetime
    role: str  # a date's enrolment status or TRAINER; a consultation's status; a meeting's answer or ""
    offering_id: int | None
    title: str  # the module's or the body's name; consultations show the neutral title instead
    place: str  # a date's location; a consultation's format code
    online: bool
    case_code: str
    offering_state: str | None

    @property
    def is_consultation(self) -> bool:
        return self.kind == CONSULTATION

    @property
    def is_meeting(self) -> bool:
        return self.kind == MEETING

    @property
    def is_taught(self) -> bool:
        return self.kind == DATE and self.role == TRAINER

    @property
    def is_waiting(self) -> bool:
        """A place on the waitlist or a request, or a booking the expert has not confirmed yet."""
        return self.role in (EnrolmentStatus.WAITLISTED, EnrolmentStatus.REQUESTED)

    @property
    def ends_another_day(self) -> bool:
        return self.ends_at.astimezone(BERLIN).date() != self.starts_at.astimezone(BERLIN).date()


@dataclass(frozen=True)
class Day:
    day: date
    entries: list[Entry]


@dataclass(frozen=True)
class AgendaPage:
    """One page of the agenda; page, pages, total, has_prev/next, prev/next_num as the pager macro reads them."""

    days: list[Day]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def period_end(view: str, now: datetime) -> datetime | None:
    """Where a view ends: Monday 00:00 (Berlin) after *now*, the first of the next month, or never."""
    today = now.astimezone(BERLIN).date()
    if view == WEEK:
        day = today + timedelta(days=7 - today.weekday())
    elif view == MONTH:
        day = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    else:
        return None
    return datetime.combine(day, time(0), tzinfo=BERLIN)


def _rows(user, *, now: datetime, until: datetime | None):
    def window(starts_at, ends_at):
        return (ends_at > now, *(() if until is None else (starts_at < until,)))

    taught = Offering.taught_by(user)
    date_columns = (OfferingDate.id, OfferingDate.starts_at, OfferingDate.ends_at)
    place = (Offering.id, Module.title, OfferingDate.location, OfferingDate.online_url != "", literal(""),
             Offering.state)
    attended = (
        select(literal(DATE).label("kind"), *date_columns, Enrolment.status.label("role"), *place)
        .join(Offering, OfferingDate.offering_id == Offering.id).join(Module, Offering.module_id == Module.id)
        .join(Enrolment, Enrolment.offering_id == Offering.id)
        .where(Enrolment.user_id == user.id, Enrolment.status.in_(ACTIVE_STATUSES), ~taught,
               Offering.state != OfferingState.CANCELLED, *window(OfferingDate.starts_at, OfferingDate.ends_at))
    )
    teaching = (
        select(literal(DATE), *date_columns, literal(TRAINER), *place)
        .join(Offering, OfferingDate.offering_id == Offering.id).join(Module, Offering.module_id == Module.id)
        .where(taught, Offering.state != OfferingState.CANCELLED,
               *window(OfferingDate.starts_at, OfferingDate.ends_at))
    )
    bookings = (
        select(literal(CONSULTATION), Consultation.id, Consultation.starts_at, Consultation.ends_at,
               Consultation.status, cast(null(), Integer), literal(""), Consultation.format, literal(False),
               Consultation.case_code, cast(null(), String))
        .where(Consultation.is_party(user),
               Consultation.status.in_(HOLDING), *window(Consultation.starts_at, Consultation.ends_at))
    )
    answer = (select(MeetingReply.answer).where(MeetingReply.meeting_id == Meeting.id, MeetingReply.user_id == user.id)
              .scalar_subquery())
    sitting = (
        select(literal(MEETING), Meeting.id, Meeting.starts_at, Meeting.ends_at, func.coalesce(answer, ""),
               cast(null(), Integer), Body.name, Meeting.place, Meeting.online_url != "", literal(""),
               cast(null(), String))
        .join(Body, Body.id == Meeting.body_id)
        .where(Meeting.body_id.in_(BodyMember.bodies_of(user.id)), Meeting.state != MeetingState.CANCELLED,
               *window(Meeting.starts_at, Meeting.ends_at))
    )
    return union_all(attended, teaching, bookings, sitting).subquery("agenda")


def agenda(user, *, now: datetime, until: datetime | None = None, page: int = 1,
           per_page: int = PER_PAGE) -> AgendaPage:
    """*user*'s dates and consultations that are not over (and start before *until*), a page of
    them by start time, grouped by Berlin day."""
    rows = _rows(user, now=now, until=until)
    total = db.session.scalar(select(func.count()).select_from(rows))
    page = max(1, min(page, max(1, ceil(total / per_page))))
    found = db.session.execute(
        select(rows).order_by(rows.c.starts_at, rows.c.kind, rows.c.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    days: dict[date, list[Entry]] = {}
    for kind, id_, starts_at, ends_at, role, offering_id, title, place, online, case_code, offering_state in found:
        entry = Entry(kind, id_, starts_at, ends_at, role, offering_id, title or "", place or "", bool(online),
                      case_code or "", offering_state)
        days.setdefault(starts_at.astimezone(BERLIN).date(), []).append(entry)
    return AgendaPage([Day(day, entries) for day, entries in days.items()], page, per_page, total)
