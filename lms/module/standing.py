"""A person's standing in qualification: their places, admissions, completed modules and units.

Reads only (nothing here changes the database): the enrolment rules, the pages and the competence
profiles ask them.
"""
from datetime import datetime

from sqlalchemy import func, or_, select

from lms.auth.models import User
from lms.dimensions import Dimension
from lms.extensions import db
from lms.module.models import (
    ACTIVE_STATUSES,
    Admission,
    Completion,
    Enrolment,
    EnrolmentStatus,
    Module,
    Offering,
    OfferingState,
)


def enrolment_for(user: User, offering: Offering) -> Enrolment | None:
    """*user*'s enrolment in *offering* in whatever status (one per person and offering), or None."""
    return db.session.scalar(
        select(Enrolment).where(Enrolment.offering_id == offering.id, Enrolment.user_id == user.id)
    )


def completed_module_ids(user: User) -> set[int]:
    """The modules *user* has completed (revoked completions do not count): what prerequisites ask."""
    return set(db.session.scalars(
        select(Completion.module_id).where(Completion.user_id == user.id, Completion.revoked_at.is_(None))
    ))


def missing_prerequisites(user: User, module: Module) -> list[Module]:
    """The published prerequisites of *module* that *user* has not completed (drafts and archived
    modules never block)."""
    done = completed_module_ids(user)
    return [required for required in module.published_prerequisites if required.id not in done]


def is_admitted(user: User, offering: Offering) -> bool:
    """Whether the trainers admitted *user* to *offering* despite a missing prerequisite."""
    return db.session.scalar(
        select(Admission.id).where(Admission.offering_id == offering.id, Admission.user_id == user.id)
    ) is not None


def other_place_in_module(user: User, offering: Offering, *, now: datetime) -> Enrolment | None:
    """The person's active place (requested, waitlisted, enrolled) in another offering of the same
    module that is neither cancelled nor over: one such place at a time."""
    return db.session.scalar(
        select(Enrolment).join(Offering, Enrolment.offering_id == Offering.id)
        .where(Enrolment.user_id == user.id, Enrolment.status.in_(ACTIVE_STATUSES),
               Offering.module_id == offering.module_id, Offering.id != offering.id,
               Offering.state != OfferingState.CANCELLED,
               or_(Offering.last_ends_at.is_(None), Offering.last_ends_at > now))
        .order_by(Offering.first_starts_at, Offering.id).limit(1)
    )


def modules_in_progress(user: User, *, now: datetime) -> set[int]:
    """The modules in which *user* holds an active place in an offering that is neither cancelled
    nor over (see `other_place_in_module`)."""
    return set(db.session.scalars(
        select(Offering.module_id).join(Enrolment, Enrolment.offering_id == Offering.id)
        .where(Enrolment.user_id == user.id, Enrolment.status.in_(ACTIVE_STATUSES),
               Offering.state != OfferingState.CANCELLED,
               or_(Offering.last_ends_at.is_(None), Offering.last_ends_at > now))
    ))


def admitted_offering_ids(user: User) -> set[int]:
    """The offerings *user* was admitted to despite a missing prerequisite."""
    return set(db.session.scalars(select(Admission.offering_id).where(Admission.user_id == user.id)))


def waitlist_position(enrolment: Enrolment) -> int | None:
    """1 for the first in line; None when not on the waitlist."""
    if enrolment.status != EnrolmentStatus.WAITLISTED:
        return None
    return 1 + db.session.scalar(
        select(func.count(Enrolment.id)).where(
            Enrolment.offering_id == enrolment.offering_id, Enrolment.status == EnrolmentStatus.WAITLISTED,
            Enrolment.ahead_in_line(Enrolment, enrolment),
        )
    )


def completions_for(user: User) -> list[Completion]:
    """The modules *user* has completed (newest first): the evidence for competence profiles."""
    return list(db.session.scalars(
        select(Completion).where(Completion.user_id == user.id, Completion.revoked_at.is_(None))
        .order_by(Completion.completed_on.desc())
    ).unique())


def units_by_dimension(user: User) -> dict[str, int]:
    """*user*'s completed teaching units per dimension (every dimension present, 0 if none)."""
    rows = db.session.execute(
        select(Completion.dimension, func.sum(Completion.teaching_units))
        .where(Completion.user_id == user.id, Completion.revoked_at.is_(None))
        .group_by(Completion.dimension)
    ).all()
    totals = {dimension.value: 0 for dimension in Dimension}
    totals.update({dimension: int(total) for dimension, total in rows})
    return totals
