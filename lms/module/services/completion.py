"""Attendance, completion and certificates: recording who was present, and the completion and
certificate that follow from it (or are revoked when a correction falls below the threshold).
"""
import secrets
from datetime import datetime

from babel.dates import format_datetime, format_time
from flask import current_app
from sqlalchemy import select

from lms.auth.models import User
from lms.errors import DomainError
from lms.extensions import db
from lms.i18n import _l
from lms.ical import BERLIN
from lms.module.models import Attendance, Certificate, Completion, Enrolment, EnrolmentStatus, Offering, OfferingDate
from lms.module.queries import required_dates
from lms.module.services.offerings import _require_manage
from lms.module.services.seats import _lock_offering
from lms.signals import completion_recorded, completion_revoked


def record_attendance(actor: User, offering: Offering, marks: dict[tuple[int, int], bool], *,
                      now: datetime) -> None:
    """Record who was present at which date, then settle completions.

    *marks* maps (enrolment id, date id) to presence. Only enrolled participants and dates that
    have begun can be marked. The offering's lock makes a form sent twice at once save once.
    """
    _require_manage(actor, offering)
    _lock_offering(offering)
    dates = {date.id: date for date in offering.dates}
    enrolments = {
        e.id: e for e in db.session.scalars(
            select(Enrolment).where(Enrolment.offering_id == offering.id, Enrolment.status == EnrolmentStatus.ENROLLED)
        )
    }
    if any(eid not in enrolments or did not in dates for eid, did in marks):
        raise DomainError(_l("Die Anwesenheit kann nur für Teilnehmende mit Platz und Termine dieser Durchführung erfasst werden."))
    if any(dates[did].starts_at > now for _eid, did in marks):
        raise DomainError(_l("Die Anwesenheit kann erst ab Beginn eines Termins erfasst werden."))
    existing = {
        (a.enrolment_id, a.date_id): a for a in db.session.scalars(
            select(Attendance).where(Attendance.date_id.in_(dates))
        )
    }
    for key, present in marks.items():
        row = existing.get(key)
        if row is None:
            db.session.add(Attendance(enrolment_id=key[0], date_id=key[1], present=present, recorded_by_id=actor.id,
                                      recorded_at=now))
        elif row.present != present:
            row.present, row.recorded_by_id, row.recorded_at = present, actor.id, now
    db.session.flush()
    for enrolment_id in {eid for eid, _did in marks}:
        _settle_completion(enrolments[enrolment_id], now=now)


def _settle_completion(enrolment: Enrolment, *, now: datetime) -> None:
    """Create or revoke the completion so that it matches the recorded attendance."""
    offering = enrolment.offering
    attended = [
        date for date in offering.dates
        if db.session.scalar(select(Attendance.present).where(
            Attendance.enrolment_id == enrolment.id, Attendance.date_id == date.id))
    ]
    completion = db.session.scalar(
        select(Completion).where(Completion.user_id == enrolment.user_id, Completion.offering_id == offering.id,
                                 Completion.revoked_at.is_(None))
    )
    complete = len(attended) >= required_dates(offering)
    if complete and completion is None:
        module = offering.module
        completion = Completion(
            user_id=enrolment.user_id, module=module, offering_id=offering.id,
            completed_on=max(date.ends_at for date in attended), teaching_units=module.teaching_units,
            dimension=module.dimension, recorded_at=now,
        )
        db.session.add(completion)
        db.session.flush()
        _issue_certificate(completion, enrolment.user, attended, now=now)
        completion_recorded.send(completion, user=enrolment.user, module=module, completed_at=completion.completed_on)
    elif not complete and completion is not None:
        completion.revoked_at = now
        if completion.certificate is not None:
            completion.certificate.revoked_at = now
        db.session.flush()
        completion_revoked.send(completion, user=enrolment.user, module=completion.module,
                                completed_at=completion.completed_on)


def _date_line(date: OfferingDate) -> str:
    day = format_datetime(date.starts_at, "EEE, dd.MM.yyyy", tzinfo=BERLIN, locale="de")
    start = format_time(date.starts_at, "HH:mm", tzinfo=BERLIN, locale="de")
    end = format_time(date.ends_at, "HH:mm", tzinfo=BERLIN, locale="de")
    return f"{day}, {start}–{end} Uhr"


def _issue_certificate(completion: Completion, user: User, attended: list[OfferingDate], *,
                       now: datetime) -> Certificate:
    module = completion.module
    certificate = Certificate(
        number=f"vorläufig-{secrets.token_hex(6)}", verification_token=secrets.token_urlsafe(24),
        completion_id=completion.id, user_id=user.id, holder_name=user.name, module_title=module.title,
        module_code=module.code or "", dimension=module.dimension,
        dates_text="\n".join(_date_line(date) for date in attended), teaching_units=module.teaching_units,
        issuer=current_app.config["CERTIFICATE_ISSUER"], issued_at=now,
    )
    db.session.add(certificate)
    db.session.flush()
    certificate.number = Certificate.number_for(now.astimezone(BERLIN).year, certificate.id)  # the year issued, here
    db.session.flush()
    return certificate
