"""The expert's availability: weekly and one-off windows, and absences.

Windows and absences change only the slots offered, never a booking (see `queries.conflicts`).
"""
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import update

from lms.auth.models import User
from lms.beratung.models import Absence, AvailabilityWindow, ExpertProfile
from lms.beratung.queries import windows_of
from lms.beratung.services.profiles import _require_self_or_admin
from lms.errors import Conflict, DomainError
from lms.extensions import db
from lms.i18n import _l
from lms.ical import BERLIN


@dataclass
class WindowInput:
    start_time: time
    end_time: time
    weekday: int | None = None
    day: date | None = None
    valid_from: date | None = None
    valid_until: date | None = None


def _periods_overlap(a_from, a_until, b_from, b_until) -> bool:
    return (a_from or date.min) <= (b_until or date.max) and (b_from or date.min) <= (a_until or date.max)


def _windows_clash(new: AvailabilityWindow, old: AvailabilityWindow) -> bool:
    if not (new.start_time < old.end_time and old.start_time < new.end_time):
        return False
    if new.day is not None and old.day is not None:
        return new.day == old.day
    if new.day is not None:
        return old.applies_on(new.day)
    if old.day is not None:
        return new.applies_on(old.day)
    return new.weekday == old.weekday and _periods_overlap(new.valid_from, new.valid_until,
                                                         old.valid_from, old.valid_until)


def add_window(actor: User, expert: User, data: WindowInput, *, now: datetime) -> AvailabilityWindow:
    """Add a weekly or one-off window; it must end after it starts and overlap no other window."""
    _require_self_or_admin(actor, expert)
    if (data.weekday is None) == (data.day is None) or data.weekday not in (None, *range(7)):
        raise DomainError(_l("Bitte wählen Sie entweder einen Wochentag oder ein Datum."))
    if data.end_time <= data.start_time:
        raise DomainError(_l("Das Zeitfenster muss nach seinem Beginn enden."))
    if data.valid_from and data.valid_until and data.valid_until < data.valid_from:
        raise DomainError(_l("Das Ende der Gültigkeit liegt vor ihrem Beginn."))
    if data.day is not None and data.day < now.astimezone(BERLIN).date():
        raise DomainError(_l("Das Datum liegt in der Vergangenheit."))
    window = AvailabilityWindow(
        expert_id=expert.id, weekday=data.weekday, day=data.day, start_time=data.start_time, end_time=data.end_time,
        valid_from=data.valid_from if data.day is None else None,
        valid_until=data.valid_until if data.day is None else None, created_at=now,
    )
    if any(_windows_clash(window, other) for other in windows_of(expert)):
        raise Conflict(_l("Das Zeitfenster überschneidet sich mit einem bestehenden Zeitfenster."))
    db.session.add(window)
    _touch(expert, now)
    db.session.flush()
    return window


def remove_window(actor: User, window: AvailabilityWindow, *, now: datetime) -> None:
    """Remove a window. Bookings in it stay; they show up as conflicts."""
    _remove(actor, window, now=now)


def _remove(actor: User, row: AvailabilityWindow | Absence, *, now: datetime) -> None:
    """Delete one of an expert's windows or absences, by the expert or an admin; the slots change."""
    expert = db.session.get(User, row.expert_id)
    _require_self_or_admin(actor, expert)
    db.session.delete(row)
    _touch(expert, now)
    db.session.flush()


def add_absence(actor: User, expert: User, first_day: date, last_day: date, note: str, *,
                now: datetime) -> Absence:
    """Add an absence; it hides slots but never deletes a booking (see `conflicts`)."""
    _require_self_or_admin(actor, expert)
    if last_day < first_day:
        raise DomainError(_l("Der letzte Tag der Abwesenheit liegt vor dem ersten."))
    if last_day < now.astimezone(BERLIN).date():
        raise DomainError(_l("Die Abwesenheit liegt ganz in der Vergangenheit."))
    absence = Absence(expert_id=expert.id, first_day=first_day, last_day=last_day, note=note.strip()[:200],
                      created_at=now)
    db.session.add(absence)
    _touch(expert, now)
    db.session.flush()
    return absence


def remove_absence(actor: User, absence: Absence, *, now: datetime) -> None:
    """Remove an absence; its days offer slots again."""
    _remove(actor, absence, now=now)


def _touch(expert: User, now: datetime) -> None:
    db.session.execute(update(ExpertProfile).where(ExpertProfile.user_id == expert.id).values(updated_at=now)
                       .execution_options(synchronize_session=False))
