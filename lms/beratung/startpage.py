"""The consultations' sections of the start page: bookers see their open and coming bookings;
experts the requests to answer, this week's consultations and time windows about to run out;
admins the month's count as the statistics publish it (no figure under the minimum group size).

Bookings show as the calendars show them: the neutral title, time, format and case code, never
the type or any case content (a start page is read over shoulders too)."""
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import url_for

from lms.auth.models import Role
from lms.beratung import services
from lms.beratung.catalogue import FORMAT_LABELS
from lms.beratung.forms import WEEKDAYS
from lms.beratung.models import AvailabilityWindow, Consultation, ConsultationStatus
from lms.beratung.slots import berlin
from lms.beratung.statistics import month_figure
from lms.i18n import _
from lms.ical import BERLIN
from lms.startpage import AHEAD, OVERVIEW, TODO, Link, Section

ENDING_WITHIN_DAYS = 14


@dataclass(frozen=True)
class Booking:
    """A booking as the start page lists it: nothing of it but what a calendar shows."""

    consultation: Consultation
    format_label: object
    today: bool


@dataclass(frozen=True)
class EndingWindow:
    window: AvailabilityWindow
    weekday_label: object


def _lines(bookings: list[Consultation], now: datetime) -> list[Booking]:
    today = now.astimezone(BERLIN).date()
    return [Booking(booking, FORMAT_LABELS.get(booking.format, booking.format),
                    booking.starts_at.astimezone(BERLIN).date() == today) for booking in bookings]


def sections(user, *, now: datetime) -> list[Section]:
    found = []
    if user.has_role(*services.BOOKER_ROLES):
        found.append(_booker_section(user, now))
    if user.has_role(Role.EXPERT):
        found += _expert_sections(user, now)
    if user.has_role(Role.ADMIN):
        found.append(_admin_section(user, now))
    return found


def _booker_section(user, now: datetime) -> Section:
    bookings, total = services.open_consultations(user, as_expert=False, now=now)
    return Section(
        "consultations", _("Ihre Fachberatungen"), "beratung/_start_consultations.html", AHEAD, order=40,
        items=_lines(bookings, now), count=total,
        empty=_("Sie haben keine angefragten oder anstehenden Fachberatungen."),
        links=(Link(_("Meine Beratungen"), url_for("beratung.mine")),
               Link(_("Fachberatung finden"), url_for("beratung.find"))),
    )


def end_of_week(now: datetime) -> datetime:
    """Monday 00:00 in Berlin after *now*: the end of the current calendar week."""
    today = now.astimezone(BERLIN).date()
    return berlin(today + timedelta(days=7 - today.weekday()), time(0))


def _expert_sections(user, now: datetime) -> list[Section]:
    requests, request_count = services.open_consultations(
        user, as_expert=True, now=now, statuses=(ConsultationStatus.REQUESTED,))
    week, week_count = services.open_consultations(user, as_expert=True, now=now, before=end_of_week(now), limit=10)
    today = now.astimezone(BERLIN).date()
    mine = Link(_("Meine Beratungen"), url_for("beratung.mine"))
    return [
        Section("consultation-requests", _("Beratungsanfragen beantworten"), "beratung/_start_requests.html", TODO,
                order=30, items=_lines(requests, now), count=request_count,
                links=(mine,) if request_count > len(requests) else ()),
        Section("windows-ending", _("Zeitfenster laufen aus"), "beratung/_start_windows.html", TODO, order=40,
                items=[EndingWindow(window, WEEKDAYS[window.weekday]) for window in
                       services.windows_ending(user, today=today, within_days=ENDING_WITHIN_DAYS)],
                links=(Link(_("Beratungszeiten"), url_for("beratung.availability")),)),
        Section("consultations-week", _("Ihre Beratungen diese Woche"), "beratung/_start_week.html", AHEAD,
                order=35, items=_lines(week, now),
                count=week_count, empty=_("Bis zum Ende der Woche stehen keine Beratungen an."), links=(mine,)),
    ]


def _admin_section(user, now: datetime) -> Section:
    return Section(
        "consultation-month", _("Fachberatungen in diesem Monat"), "beratung/_start_month.html", OVERVIEW, order=30,
        items=[month_figure(user, now=now)],
        links=(Link(_("Beratungsstatistik"), url_for("beratung.overview")),),
    )
