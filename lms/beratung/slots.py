"""Free slots of an expert, computed from weekly and one-off windows in Europe/Berlin.

Windows are wall-clock times: a Tuesday 9:00 window gives a 9:00 slot in winter and in summer
(08:00 UTC, then 07:00 UTC). Everything here is pure: the caller loads the rows.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from lms.ical import BERLIN, from_berlin


@dataclass(frozen=True)
class Slot:
    starts_at: datetime  # UTC
    ends_at: datetime

    @property
    def day(self) -> date:
        return self.starts_at.astimezone(BERLIN).date()


@dataclass(frozen=True)
class Rules:
    slot_minutes: int
    buffer_minutes: int
    notice_minutes: int
    horizon_days: int
    max_per_day: int | None


berlin = from_berlin


def window_slots(window, day: date, rules: Rules) -> list[Slot]:
    """The slots a window offers on *day*: back to back, each followed by the buffer."""
    start, end = berlin(day, window.start_time), berlin(day, window.end_time)
    length, step = timedelta(minutes=rules.slot_minutes), timedelta(minutes=rules.slot_minutes + rules.buffer_minutes)
    slots = []
    while start + length <= end:
        slots.append(Slot(start, start + length))
        start += step
    return slots


def offered_slots(windows, day: date, rules: Rules) -> list[Slot]:
    """Every slot the windows offer on *day*, before absences, bookings and the notice apply."""
    found = {slot for window in windows if window.applies_on(day) for slot in window_slots(window, day, rules)}
    return sorted(found, key=lambda slot: slot.starts_at)


def absent_on(absences, day: date) -> bool:
    return any(absence.first_day <= day <= absence.last_day for absence in absences)


def collides(slot: Slot, bookings, buffer: timedelta) -> bool:
    """True if *slot* overlaps a booking, or comes closer to one than the buffer."""
    return any(slot.starts_at < booking.ends_at + buffer and booking.starts_at < slot.ends_at + buffer
               for booking in bookings)


def bookable_window(rules: Rules, now: datetime) -> tuple[datetime, datetime]:
    """The earliest and latest start a booker may choose now."""
    return now + timedelta(minutes=rules.notice_minutes), now + timedelta(days=rules.horizon_days)


def free_slots(windows, absences, bookings, rules: Rules, *, first_day: date, last_day: date,
               now: datetime) -> list[Slot]:
    """The free slots between two Berlin days (inclusive), in time order.

    *bookings* are the expert's slot-holding bookings (objects with starts_at/ends_at).
    """
    earliest, latest = bookable_window(rules, now)
    buffer = timedelta(minutes=rules.buffer_minutes)
    per_day: dict[date, int] = {}
    for booking in bookings:
        key = booking.starts_at.astimezone(BERLIN).date()
        per_day[key] = per_day.get(key, 0) + 1
    result, day = [], first_day
    while day <= last_day:
        if not absent_on(absences, day) and (rules.max_per_day is None or per_day.get(day, 0) < rules.max_per_day):
            result.extend(slot for slot in offered_slots(windows, day, rules)
                          if earliest <= slot.starts_at <= latest and not collides(slot, bookings, buffer))
        day += timedelta(days=1)
    return result
