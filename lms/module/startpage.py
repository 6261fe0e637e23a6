"""The qualification's sections of the start page: participants see their next dates and their
places on waitlists or requests; trainers the requests to decide, the attendance still to record
and their coming offerings. Each section is one statement, its read model below. The statements are
built once per process with bound parameters (:user_id, :now, :limit), as the feeds' are: building
one costs more than SQLite takes to run it."""
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask import url_for
from sqlalchemy import Integer, bindparam, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload, raiseload

from lms.auth.models import Role, User
from lms.extensions import db
from lms.i18n import _
from lms.module.models import (
    PARTICIPANT_ROLES,
    Attendance,
    Enrolment,
    EnrolmentStatus,
    Module,
    Offering,
    OfferingDate,
    OfferingState,
)
from lms.module.queries import count_ahead_column
from lms.startpage import AHEAD, TODO, Link, Section

# --- the read models: one statement each, plain rows (a template cannot load more) --------------

USER_ID, NOW, LIMIT = bindparam("user_id", type_=Integer), bindparam("now"), bindparam("limit", type_=Integer)


def _not_over():
    return or_(Offering.last_ends_at.is_(None), Offering.last_ends_at > NOW)


def _run(statement, user, now: datetime, limit: int):
    return db.session.execute(statement, {"user_id": user.id, "now": now, "limit": limit})


@dataclass(frozen=True)
class DateRow:
    """One date of an offering, with what a list of dates shows about it."""

    date_id: int
    offering_id: int
    module_title: str
    starts_at: datetime
    ends_at: datetime
    location: str
    online: bool


def next_dates(user, *, now: datetime, limit: int = 5) -> list[DateRow]:
    """The next dates (not yet over) of the offerings in which *user* holds a seat, soonest first."""
    rows = _run(_next_dates(), user, now, limit)
    return [DateRow(date_id, offering_id, title, starts_at, ends_at, location or "", bool(online))
            for date_id, offering_id, title, starts_at, ends_at, location, online in rows]


@cache
def _next_dates():
    return (
        select(OfferingDate.id, Offering.id, Module.title, OfferingDate.starts_at, OfferingDate.ends_at,
               OfferingDate.location, OfferingDate.online_url)
        .join(Offering, OfferingDate.offering_id == Offering.id)
        .join(Module, Offering.module_id == Module.id)
        .join(Enrolment, Enrolment.offering_id == Offering.id)
        .where(Enrolment.user_id == USER_ID, Enrolment.status == EnrolmentStatus.ENROLLED,
               Offering.state != OfferingState.CANCELLED, OfferingDate.ends_at > NOW)
        .order_by(OfferingDate.starts_at, OfferingDate.id).limit(LIMIT)
    )


@dataclass(frozen=True)
class WaitingPlace:
    """A place on a waitlist, or a request that waits for the trainers' approval."""

    enrolment_id: int
    offering_id: int
    module_title: str
    status: str
    position: int | None  # on the waitlist
    first_starts_at: datetime | None

    @property
    def is_request(self) -> bool:
        return self.status == EnrolmentStatus.REQUESTED


def waiting_places(user, *, now: datetime, limit: int = 10) -> list[WaitingPlace]:
    """*user*'s places on waitlists (with the position in line) and requests awaiting approval, in
    offerings that are not over, soonest first."""
    rows = _run(_waiting_places(), user, now, limit)
    return [WaitingPlace(enrolment_id, offering_id, title, status,
                         ahead + 1 if status == EnrolmentStatus.WAITLISTED else None, first_starts_at)
            for enrolment_id, offering_id, title, status, ahead, first_starts_at in rows]


@cache
def _waiting_places():
    return (
        select(Enrolment.id, Offering.id, Module.title, Enrolment.status, count_ahead_column(),
               Offering.first_starts_at)
        .select_from(Enrolment)
        .join(Offering, Enrolment.offering_id == Offering.id)
        .join(Module, Offering.module_id == Module.id)
        .where(Enrolment.user_id == USER_ID,
               Enrolment.status.in_((EnrolmentStatus.WAITLISTED, EnrolmentStatus.REQUESTED)),
               Offering.state != OfferingState.CANCELLED, _not_over())
        .order_by(Offering.first_starts_at, Enrolment.id).limit(LIMIT)
    )


@dataclass(frozen=True)
class TaughtOffering:
    offering: Offering  # with its module and region; nothing else of it is loaded
    waitlist: int
    requests: int


def taught_offerings(user, *, now: datetime, limit: int = 5) -> list[TaughtOffering]:
    """The offerings *user* teaches that are not over or cancelled, soonest first, with how many
    wait and how many requests wait for approval."""
    rows = _run(_taught_offerings(), user, now, limit).unique().all()
    return [TaughtOffering(offering, waitlist, requests) for offering, waitlist, requests in rows]


@cache
def _taught_offerings():
    def waiting(status):
        return (select(func.count(Enrolment.id)).where(Enrolment.offering_id == Offering.id, Enrolment.status == status)
                .correlate(Offering).scalar_subquery())

    return (
        select(Offering, waiting(EnrolmentStatus.WAITLISTED), waiting(EnrolmentStatus.REQUESTED))
        .options(raiseload("*"), joinedload(Offering.module).raiseload("*"), joinedload(Offering.region))
        .where(Offering.taught_by(USER_ID), Offering.state != OfferingState.CANCELLED, _not_over())
        .order_by(Offering.first_starts_at.is_(None), Offering.first_starts_at, Offering.id).limit(LIMIT)
    )


@dataclass(frozen=True)
class RequestRow:
    """A request (moderated offering, or admission despite a missing prerequisite) for a trainer to decide."""

    enrolment_id: int
    offering_id: int
    person_name: str
    module_title: str
    first_starts_at: datetime | None
    queued_at: datetime
    first_in_line: bool  # requests are approved in the order they came in (`services.approve_request`)
    admission: bool  # the offering is not moderated: the person asks to be admitted


def requests_to_approve(user, *, now: datetime, limit: int = 10) -> tuple[list[RequestRow], int]:
    """The requests waiting in offerings *user* teaches (not over, not cancelled), by offering and
    in the order they came in; and how many there are in all."""
    rows = _run(_requests_to_approve(), user, now, limit).all()
    total = rows[0][-1] if rows else 0
    return [RequestRow(enrolment_id, offering_id, name, title, first_starts_at, queued_at, not ahead_count,
                       not moderated)
            for enrolment_id, offering_id, name, title, first_starts_at, queued_at, ahead_count, moderated, _total
            in rows], total


@cache
def _requests_to_approve():
    earlier = aliased(Enrolment)
    ahead = (
        select(func.count(earlier.id))
        .where(earlier.offering_id == Enrolment.offering_id, earlier.status == EnrolmentStatus.REQUESTED,
               Enrolment.ahead_in_line(earlier, Enrolment))
        .correlate(Enrolment).scalar_subquery()
    )
    person = aliased(User)
    return (
        select(Enrolment.id, Offering.id, person.name, Module.title, Offering.first_starts_at, Enrolment.queued_at,
               ahead, Offering.moderated, func.count().over())
        .select_from(Enrolment)
        .join(Offering, Enrolment.offering_id == Offering.id)
        .join(Module, Offering.module_id == Module.id)
        .join(person, Enrolment.user_id == person.id)
        .where(Enrolment.status == EnrolmentStatus.REQUESTED, Offering.taught_by(USER_ID),
               Offering.state != OfferingState.CANCELLED, _not_over())
        .order_by(Offering.first_starts_at, Offering.id, *Enrolment.queue_order()).limit(LIMIT)
    )


@dataclass(frozen=True)
class AttendanceDue:
    """A date that has begun, of which some enrolled participants have no attendance record yet."""

    date_id: int
    offering_id: int
    module_title: str
    starts_at: datetime
    ends_at: datetime
    missing: int  # enrolled participants without a record for the date


def attendance_due(user, *, now: datetime, limit: int = 5) -> tuple[list[AttendanceDue], int]:
    """Dates of offerings *user* teaches that have begun and still lack attendance records, oldest
    first; and how many there are in all."""
    rows = _run(_attendance_due(), user, now, limit).all()
    total = rows[0][-1] if rows else 0
    return [AttendanceDue(*row[:-1]) for row in rows], total


@cache
def _attendance_due():
    # Correlated to the outer date as well: auto-correlation reaches only the enclosing count, so the
    # date would otherwise be a FROM of its own, and a record for any date would count for all.
    recorded = (exists().where(Attendance.enrolment_id == Enrolment.id, Attendance.date_id == OfferingDate.id)
                .correlate(Enrolment, OfferingDate))
    missing = (
        select(func.count(Enrolment.id))
        .where(Enrolment.offering_id == OfferingDate.offering_id, Enrolment.status == EnrolmentStatus.ENROLLED,
               ~recorded)
        .correlate(OfferingDate).scalar_subquery()
    )
    return (
        select(OfferingDate.id, Offering.id, Module.title, OfferingDate.starts_at, OfferingDate.ends_at, missing,
               func.count().over())
        .join(Offering, OfferingDate.offering_id == Offering.id)
        .join(Module, Offering.module_id == Module.id)
        .where(OfferingDate.starts_at <= NOW, Offering.taught_by(USER_ID), Offering.state != OfferingState.CANCELLED,
               missing > 0)
        .order_by(OfferingDate.starts_at, OfferingDate.id).limit(LIMIT)
    )


def sections(user, *, now: datetime) -> list[Section]:
    found = []
    if user.has_role(*PARTICIPANT_ROLES):
        found += _participant_sections(user, now)
    if user.has_role(Role.TRAINER):
        found += _trainer_sections(user, now)
    return found


def _participant_sections(user, now: datetime) -> list[Section]:
    # Experts take part now and then: their empty list of dates is left out, not announced.
    empty = _("Sie haben derzeit keine anstehenden Termine.") if user.has_role(Role.COORDINATOR, Role.PARTNER) else ""
    dates = Section(
        "next-dates", _("Ihre nächsten Termine"), "module/_start_dates.html", AHEAD, order=10,
        items=next_dates(user, now=now), empty=empty,
        links=(Link(_("Mein Lernen"), url_for("module.my_learning")),
               Link(_("Qualifizierungsangebote finden"), url_for("module.catalogue"))),
    )
    waiting = Section(
        "waiting", _("Wartelisten und Anfragen"), "module/_start_waiting.html", AHEAD, order=20,
        items=waiting_places(user, now=now),
        links=(Link(_("Alle Plätze in „Mein Lernen“"), url_for("module.my_learning")),),
    )
    return [dates, waiting]


def _trainer_sections(user, now: datetime) -> list[Section]:
    requests, request_count = requests_to_approve(user, now=now)
    due, due_count = attendance_due(user, now=now)
    manage = Link(_("Module verwalten"), url_for("module.manage"))
    return [
        Section("requests", _("Anfragen entscheiden"), "module/_start_requests.html", TODO, order=10,
                items=requests, count=request_count, links=(manage,) if request_count > len(requests) else ()),
        Section("attendance", _("Anwesenheit erfassen"), "module/_start_attendance.html", TODO, order=20,
                items=due, count=due_count),
        Section("taught", _("Ihre Durchführungen"), "module/_start_taught.html", AHEAD, order=30,
                items=taught_offerings(user, now=now),
                empty=_("Derzeit steht keine Durchführung an, die Sie leiten."), links=(manage,)),
    ]
