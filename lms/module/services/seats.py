"""An offering's lock, its seats and its line: taking and giving back seats, the waitlist, the history.

Every change to an offering's seats or line first takes the offering's lock (`_lock_offering`); why,
and what that means for the figures in the mails, is told in the package docstring
(`lms.module.services`). The enrolment, offering and attendance services all build on these helpers.
"""
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from lms.auth.models import User
from lms.extensions import db
from lms.i18n import _l
from lms.locks import lock_row
from lms.module.models import Enrolment, EnrolmentEvent, EnrolmentStatus, Offering, OfferingDate, OfferingState
from lms.module.services.mail import _notify
from lms.module.standing import waitlist_position


def _lock_offering(offering: Offering) -> None:
    """Serialise changes to one offering's seats and queue until the transaction ends (lms/locks.py),
    and reread the offering: what follows sees every change committed before the lock was granted."""
    lock_row(Offering, offering.id)
    db.session.refresh(offering, attribute_names=[
        "seats_taken", "capacity", "state", "registration_deadline", "registration_closed", "moderated",
        "first_starts_at", "last_ends_at",
    ])
    dates = db.session.scalars(
        select(OfferingDate).where(OfferingDate.offering_id == offering.id).order_by(OfferingDate.starts_at)
        .execution_options(populate_existing=True)  # also overwrite dates this session loaded before
    ).all()
    set_committed_value(offering, "dates", list(dates))


QUEUE_STEP = timedelta(microseconds=1)


def _queue_time(offering: Offering, *, now: datetime) -> datetime:
    """The place at the end of the offering's line, to be called under `_lock_offering`: *now*, or
    just after the latest place given if that is later (a request whose clock ran earlier but whose
    turn came later still queues behind)."""
    latest = db.session.scalar(select(func.max(Enrolment.queued_at)).where(Enrolment.offering_id == offering.id))
    return now if latest is None or latest < now else latest + QUEUE_STEP


_CURRENT = object()  # "the status the enrolment has now", as opposed to None for a new enrolment


def _place(enrolment: Enrolment, *, actor: User, now: datetime, previous=_CURRENT, reason="") -> None:
    """Give *enrolment* a seat if one is free and nobody waits, else put it on the waitlist.

    The caller holds `_lock_offering` and gave *enrolment* the last place in line, so the position
    stated in the waitlist mail is the one the database holds at commit (see the package docstring).
    """
    offering = enrolment.offering
    nobody_waiting = db.session.scalar(
        select(func.count(Enrolment.id)).where(
            Enrolment.offering_id == offering.id, Enrolment.status == EnrolmentStatus.WAITLISTED,
            Enrolment.id != enrolment.id,
        )
    ) == 0
    if nobody_waiting and _take_seat(offering):
        _record(enrolment, EnrolmentStatus.ENROLLED, actor=actor, now=now, previous=previous, reason=reason)
        _notify(enrolment, "enrolled", now=now, method="REQUEST")
    else:
        _record(enrolment, EnrolmentStatus.WAITLISTED, actor=actor, now=now, previous=previous, reason=reason)
        _notify(enrolment, "waitlisted", now=now, position=waitlist_position(enrolment))


def _take_seat(offering: Offering) -> bool:
    """Take one seat if one is free: a single conditional update, safe under concurrency."""
    taken = db.session.execute(
        update(Offering)
        .where(Offering.id == offering.id, Offering.seats_taken < Offering.capacity)
        .values(seats_taken=Offering.seats_taken + 1)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.expire(offering, ["seats_taken"])
    return taken


def _release_seat(offering: Offering) -> None:
    db.session.execute(
        update(Offering)
        .where(Offering.id == offering.id, Offering.seats_taken > 0)
        .values(seats_taken=Offering.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(offering, ["seats_taken"])


def _record(enrolment: Enrolment, to: EnrolmentStatus, *, actor: User | None, now: datetime, reason="",
            previous=_CURRENT) -> None:
    """Change the status and write the history row."""
    from_status = enrolment.status if previous is _CURRENT else previous
    enrolment.status = to
    enrolment.updated_at = now
    db.session.add(EnrolmentEvent(
        enrolment_id=enrolment.id, from_status=from_status, to_status=to, at=now,
        actor_id=actor.id if actor else None, reason=str(reason)[:500],
    ))
    db.session.flush()


def _claim_status(enrolment: Enrolment, expected: str, to: EnrolmentStatus, *, actor: User | None,
                  now: datetime, reason="", freed_by: Enrolment | None = None) -> bool:
    """Move *enrolment* from *expected* to *to* unless someone else changed it first. *actor* None
    is the system; *freed_by* the enrolment whose seat it took."""
    changed = db.session.execute(
        update(Enrolment)
        .where(Enrolment.id == enrolment.id, Enrolment.status == expected)
        .values(status=to, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if changed:
        db.session.add(EnrolmentEvent(
            enrolment_id=enrolment.id, from_status=expected, to_status=to, at=now,
            actor_id=actor.id if actor else None, reason=str(reason)[:500],
            freed_by_id=freed_by.id if freed_by else None,
        ))
        db.session.flush()
    db.session.expire(enrolment, ["status", "updated_at"])
    return changed


def _next_waiting(offering: Offering) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment)
        .where(Enrolment.offering_id == offering.id, Enrolment.status == EnrolmentStatus.WAITLISTED)
        .order_by(*Enrolment.queue_order())
        .limit(1)
    )


def _hand_on_seat(offering: Offering, *, freed_by: Enrolment, cause, now: datetime) -> None:
    """A seat became free: the first on the waitlist gets it, unless the offering has started.

    The move is the system's (no person made it), and its history row says why: *cause*, and the
    enrolment that gave the seat back (the page shows that person's name to the trainers)."""
    while not offering.has_started(now) and offering.state != OfferingState.CANCELLED:
        candidate = _next_waiting(offering)
        if candidate is None:
            break
        if _claim_status(candidate, EnrolmentStatus.WAITLISTED, EnrolmentStatus.ENROLLED, actor=None, now=now,
                         reason=cause, freed_by=freed_by):
            _notify(candidate, "promoted", now=now, method="REQUEST")
            return
    _release_seat(offering)


def _fill_free_seats(offering: Offering, *, now: datetime) -> None:
    """After a capacity increase: the system promotes from the waitlist while seats are free."""
    if offering.has_started(now):
        return
    while (candidate := _next_waiting(offering)) is not None and _take_seat(offering):
        if _claim_status(candidate, EnrolmentStatus.WAITLISTED, EnrolmentStatus.ENROLLED, actor=None, now=now,
                         reason=_l("Platz frei geworden: mehr Plätze in der Durchführung")):
            _notify(candidate, "promoted", now=now, method="REQUEST")
        else:
            _release_seat(offering)
