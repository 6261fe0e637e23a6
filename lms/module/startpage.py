"""The qualification's sections of the start page: participants see their next dates and their
places on waitlists or requests; trainers the requests to decide, the attendance still to record
and their coming offerings. Each section is one statement (lms/module/queries.py)."""
from datetime import datetime

from flask import url_for

from lms.auth.models import Role
from lms.i18n import _
from lms.module import queries
from lms.module.models import PARTICIPANT_ROLES
from lms.startpage import AHEAD, TODO, Link, Section


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
        items=queries.next_dates(user, now=now), empty=empty,
        links=(Link(_("Mein Lernen"), url_for("module.my_learning")),
               Link(_("Qualifizierungsangebote finden"), url_for("module.catalogue"))),
    )
    waiting = Section(
        "waiting", _("Wartelisten und Anfragen"), "module/_start_waiting.html", AHEAD, order=20,
        items=queries.waiting_places(user, now=now),
        links=(Link(_("Alle Plätze in „Mein Lernen“"), url_for("module.my_learning")),),
    )
    return [dates, waiting]


def _trainer_sections(user, now: datetime) -> list[Section]:
    requests, request_count = queries.requests_to_approve(user, now=now)
    due, due_count = queries.attendance_due(user, now=now)
    manage = Link(_("Module verwalten"), url_for("module.manage"))
    return [
        Section("requests", _("Anfragen entscheiden"), "module/_start_requests.html", TODO, order=10,
                items=requests, count=request_count, links=(manage,) if request_count > len(requests) else ()),
        Section("attendance", _("Anwesenheit erfassen"), "module/_start_attendance.html", TODO, order=20,
                items=due, count=due_count),
        Section("taught", _("Ihre Durchführungen"), "module/_start_taught.html", AHEAD, order=30,
                items=queries.taught_offerings(user, now=now),
                empty=_("Derzeit steht keine Durchführung an, die Sie leiten."), links=(manage,)),
    ]
