"""Free slots computed from windows, absences and bookings: pure functions, fixed dates, no database."""
import itertools
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

import pytest

from lms.beratung.models import Absence, AvailabilityWindow
from lms.beratung.slots import (
    Rules,
    Slot,
    bookable_window,
    collides,
    free_slots,
    offered_slots,
    window_slots,
)
from lms.ical import BERLIN

HOURLY = Rules(slot_minutes=60, buffer_minutes=15, notice_minutes=0, horizon_days=400, max_per_day=None)
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


class Booking(NamedTuple):
    starts_at: datetime
    ends_at: datetime


def weekly(weekday, start=time(9), end=time(12), valid_from=None, valid_until=None) -> AvailabilityWindow:
    return AvailabilityWindow(weekday=weekday, day=None, start_time=start, end_time=end, valid_from=valid_from,
                              valid_until=valid_until)


def once(day, start=time(9), end=time(12)) -> AvailabilityWindow:
    return AvailabilityWindow(weekday=None, day=day, start_time=start, end_time=end)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def wall(slots) -> list[str]:
    return [slot.starts_at.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M") for slot in slots]


def slots_between(windows, first_day, last_day, *, rules=HOURLY, absences=(), bookings=(), now=LONG_AGO):
    return free_slots(windows, absences, bookings, rules, first_day=first_day, last_day=last_day, now=now)


# --- the grid ---------------------------------------------------------------------------------

def test_tuesday_morning_gives_nine_and_quarter_past_ten():
    tuesday = date(2026, 6, 16)
    slots = offered_slots([weekly(1)], tuesday, HOURLY)
    assert wall(slots) == ["2026-06-16 09:00", "2026-06-16 10:15"]  # 11:30 would end after 12:00
    assert [slot.ends_at - slot.starts_at for slot in slots] == [timedelta(minutes=60)] * 2
    assert offered_slots([weekly(1)], tuesday + timedelta(days=1), HOURLY) == []  # a Wednesday


def test_slot_length_and_buffer_shape_the_grid():
    rules = Rules(slot_minutes=30, buffer_minutes=0, notice_minutes=0, horizon_days=10, max_per_day=None)
    slots = window_slots(weekly(1, time(9), time(10, 30)), date(2026, 6, 16), rules)
    assert wall(slots) == ["2026-06-16 09:00", "2026-06-16 09:30", "2026-06-16 10:00"]


def test_a_slot_that_does_not_fit_into_the_window_is_not_offered():
    assert offered_slots([weekly(1, time(9), time(9, 59))], date(2026, 6, 16), HOURLY) == []


def test_two_windows_offering_the_same_slot_offer_it_once():
    tuesday = date(2026, 6, 16)
    assert wall(offered_slots([weekly(1), once(tuesday, time(9), time(10))], tuesday, HOURLY)) == [
        "2026-06-16 09:00", "2026-06-16 10:15"]


def test_slot_day_is_the_berlin_day():
    late = Slot(utc(2026, 6, 15, 22, 30), utc(2026, 6, 15, 23, 30))  # 00:30 on the 16th in Berlin
    assert late.day == date(2026, 6, 16)


# --- daylight saving time ---------------------------------------------------------------------

def test_tuesday_slot_stays_at_nine_berlin_across_the_march_change():
    slots = slots_between([weekly(1)], date(2026, 3, 23), date(2026, 4, 1))
    assert [slot.starts_at for slot in slots] == [
        utc(2026, 3, 24, 8, 0), utc(2026, 3, 24, 9, 15),  # CET, UTC+1
        utc(2026, 3, 31, 7, 0), utc(2026, 3, 31, 8, 15),  # CEST, UTC+2
    ]
    assert wall(slots) == ["2026-03-24 09:00", "2026-03-24 10:15", "2026-03-31 09:00", "2026-03-31 10:15"]


def test_tuesday_slot_stays_at_nine_berlin_across_the_october_change():
    slots = slots_between([weekly(1)], date(2026, 10, 19), date(2026, 10, 28))
    assert [slot.starts_at for slot in slots] == [
        utc(2026, 10, 20, 7, 0), utc(2026, 10, 20, 8, 15),  # CEST
        utc(2026, 10, 27, 8, 0), utc(2026, 10, 27, 9, 15),  # CET
    ]


@pytest.mark.parametrize(("sunday", "first_utc"), [
    (date(2026, 3, 29), utc(2026, 3, 29, 7, 0)),  # clocks went forward at 02:00: CEST all morning
    (date(2026, 10, 25), utc(2026, 10, 25, 8, 0)),  # clocks went back at 03:00: CET all morning
])
def test_window_on_the_switch_sunday_keeps_its_wall_clock(sunday, first_utc):
    for window in (weekly(6), once(sunday)):
        slots = slots_between([window], sunday, sunday)
        assert [slot.starts_at for slot in slots] == [first_utc, first_utc + timedelta(minutes=75)]
        assert wall(slots) == [f"{sunday} 09:00", f"{sunday} 10:15"]


@pytest.mark.parametrize(("sunday", "real_hours"), [(date(2026, 3, 29), 2), (date(2026, 10, 25), 4)])
def test_a_window_over_the_switch_night_gives_real_length_slots_inside_it(sunday, real_hours):
    window = weekly(6, time(1), time(4))  # 01:00-04:00 wall clock: 2 real hours in March, 4 in October
    start = datetime.combine(sunday, time(1), tzinfo=BERLIN)
    end = datetime.combine(sunday, time(4), tzinfo=BERLIN)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=real_hours)
    slots = offered_slots([window], sunday, HOURLY)
    assert len(slots) == {2: 1, 4: 3}[real_hours]
    for slot in slots:
        assert slot.ends_at - slot.starts_at == timedelta(minutes=60)
        assert start <= slot.starts_at and slot.ends_at <= end
    steps = [later.starts_at - earlier.starts_at for earlier, later in itertools.pairwise(slots)]
    assert steps == [timedelta(minutes=75)] * (len(slots) - 1)


# --- which windows apply ----------------------------------------------------------------------

def test_one_off_window_applies_on_its_day_only():
    day = date(2026, 6, 18)
    windows = [once(day, time(14), time(16))]
    slots = slots_between(windows, day - timedelta(days=7), day + timedelta(days=7))
    assert wall(slots) == ["2026-06-18 14:00"]


def test_weekly_window_applies_within_its_validity_only():
    window = weekly(1, valid_from=date(2026, 6, 9), valid_until=date(2026, 6, 23))
    slots = slots_between([window], date(2026, 6, 1), date(2026, 7, 5))
    assert sorted({slot.day for slot in slots}) == [date(2026, 6, 9), date(2026, 6, 16), date(2026, 6, 23)]


def test_absences_hide_the_slots_of_their_days():
    windows = [weekly(weekday) for weekday in range(7)]
    absence = Absence(first_day=date(2026, 6, 16), last_day=date(2026, 6, 17))
    slots = slots_between(windows, date(2026, 6, 15), date(2026, 6, 18), absences=[absence])
    assert sorted({slot.day for slot in slots}) == [date(2026, 6, 15), date(2026, 6, 18)]


# --- notice, horizon, day cap and buffer ------------------------------------------------------

def test_notice_hides_slots_starting_too_soon():
    rules = Rules(slot_minutes=60, buffer_minutes=15, notice_minutes=120, horizon_days=56, max_per_day=None)
    now = utc(2026, 6, 16, 6, 0)  # 08:00 Berlin: 09:00 is one hour ahead, 10:15 two and a quarter
    slots = slots_between([weekly(1)], date(2026, 6, 16), date(2026, 6, 16), rules=rules, now=now)
    assert wall(slots) == ["2026-06-16 10:15"]
    assert bookable_window(rules, now) == (utc(2026, 6, 16, 8, 0), utc(2026, 8, 11, 6, 0))


def test_slots_in_the_past_are_never_free():
    now = utc(2026, 6, 16, 7, 30)  # 09:30 Berlin
    slots = slots_between([weekly(1)], date(2026, 6, 16), date(2026, 6, 16), now=now)
    assert wall(slots) == ["2026-06-16 10:15"]


def test_horizon_hides_slots_too_far_ahead():
    rules = Rules(slot_minutes=60, buffer_minutes=15, notice_minutes=0, horizon_days=7, max_per_day=None)
    now = utc(2026, 6, 15, 6, 0)  # Monday 08:00 Berlin; the last start allowed is Monday a week later, 08:00
    windows = [weekly(weekday) for weekday in range(7)]
    slots = slots_between(windows, date(2026, 6, 15), date(2026, 6, 30), rules=rules, now=now)
    assert sorted({slot.day for slot in slots}) == [date(2026, 6, 15) + timedelta(days=n) for n in range(7)]
    assert max(slot.starts_at for slot in slots) <= now + timedelta(days=7)


def test_max_per_day_closes_a_day_with_enough_bookings():
    rules = Rules(slot_minutes=60, buffer_minutes=15, notice_minutes=0, horizon_days=400, max_per_day=1)
    windows = [weekly(weekday) for weekday in range(7)]
    booked = Booking(utc(2026, 6, 16, 7, 0), utc(2026, 6, 16, 8, 0))  # Tuesday 09:00 Berlin
    slots = slots_between(windows, date(2026, 6, 16), date(2026, 6, 17), rules=rules, bookings=[booked])
    assert wall(slots) == ["2026-06-17 09:00", "2026-06-17 10:15"]
    two = Rules(slot_minutes=60, buffer_minutes=15, notice_minutes=0, horizon_days=400, max_per_day=2)
    slots = slots_between(windows, date(2026, 6, 16), date(2026, 6, 16), rules=two, bookings=[booked])
    assert wall(slots) == ["2026-06-16 10:15"]


def test_a_booking_takes_its_own_slot_only_when_it_sits_on_the_grid():
    booked = Booking(utc(2026, 6, 16, 7, 0), utc(2026, 6, 16, 8, 0))
    slots = slots_between([weekly(1)], date(2026, 6, 16), date(2026, 6, 16), bookings=[booked])
    assert wall(slots) == ["2026-06-16 10:15"]


@pytest.mark.parametrize(("start", "end", "free"), [
    ((8, 0), (8, 50), ["10:15"]),  # ends 10 minutes before 09:00: closer than the 15-minute buffer
    ((8, 0), (8, 45), ["09:00", "10:15"]),  # ends exactly one buffer before 09:00
    ((11, 20), (11, 50), ["09:00"]),  # starts 5 minutes after 10:15-11:15 ends
    ((11, 30), (12, 0), ["09:00", "10:15"]),  # starts exactly one buffer after 11:15
])
def test_buffer_keeps_slots_away_from_bookings(start, end, free):
    day = date(2026, 6, 16)
    booked = Booking(datetime.combine(day, time(*start), tzinfo=BERLIN).astimezone(UTC),
                     datetime.combine(day, time(*end), tzinfo=BERLIN).astimezone(UTC))
    slots = slots_between([weekly(1)], day, day, bookings=[booked])
    assert [label[-5:] for label in wall(slots)] == free


def test_collides_is_symmetric_around_the_buffer():
    slot = Slot(utc(2026, 6, 16, 7, 0), utc(2026, 6, 16, 8, 0))
    buffer = timedelta(minutes=15)
    assert collides(slot, [Booking(utc(2026, 6, 16, 7, 30), utc(2026, 6, 16, 8, 30))], buffer)
    assert collides(slot, [Booking(utc(2026, 6, 16, 8, 14), utc(2026, 6, 16, 9, 0))], buffer)
    assert not collides(slot, [Booking(utc(2026, 6, 16, 8, 15), utc(2026, 6, 16, 9, 0))], buffer)
    assert not collides(slot, [Booking(utc(2026, 6, 16, 6, 0), utc(2026, 6, 16, 6, 45))], buffer)
    assert collides(slot, [Booking(utc(2026, 6, 16, 6, 0), utc(2026, 6, 16, 6, 46))], buffer)
    assert not collides(slot, [], buffer)
