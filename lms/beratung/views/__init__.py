"""Expert consultation pages: finding experts, booking, "Meine Beratungen", the experts' own pages,
and statistics and the audit log for admins.

Who sees what: booker and expert see a booking and its case content (reading it is logged);
admins and coordinators see metadata and statistics; anybody else gets 404 for a booking and
trainers get 403 for the whole area.

The blueprint and what several pages share live here; the pages are in one module per aggregate:
`finding` (experts, their free slots, booking), `bookings` (a booking's page and its changes),
`availability` (the expert's profile, time windows and absences) and `oversight` (statistics, audit log)."""
from datetime import UTC, datetime

from flask import Blueprint, abort, redirect, url_for
from flask_babel import format_datetime, format_time
from flask_login import current_user

from lms.auth.models import SECTOR_LABELS, Role
from lms.beratung import services, startpage
from lms.beratung.catalogue import AGE_BANDS, CONCERNS, CONSULTATION_TYPES, FORMAT_LABELS, RESULTS, SETTINGS, URGENCIES
from lms.beratung.forms import WEEKDAYS
from lms.beratung.models import Consultation
from lms.extensions import db
from lms.i18n import _
from lms.startpage import register_section_provider

bp = Blueprint("beratung", __name__)
PER_PAGE = 20
FINDER_ROLES = (Role.PARTNER, Role.COORDINATOR, Role.EXPERT, Role.ADMIN)
MEMBER_ROLES = (*services.BOOKER_ROLES, Role.EXPERT)
OVERSEER_ROLES = (Role.ADMIN, Role.COORDINATOR)
LABELS = {"types": {code: kind.label for code, kind in CONSULTATION_TYPES.items()}, "formats": FORMAT_LABELS,
          "sectors": SECTOR_LABELS, "age_bands": AGE_BANDS, "concerns": CONCERNS, "settings": SETTINGS,
          "urgencies": URGENCIES, "results": RESULTS, "weekdays": WEEKDAYS}


@bp.record_once
def _register_start_sections(state) -> None:
    register_section_provider(state.app, startpage.sections)


@bp.context_processor
def _labels():
    return {"labels": LABELS, "booker_roles": services.BOOKER_ROLES}


def _profile_or_404(expert_id: int):
    profile = services.bookable_profile(expert_id)
    if profile is None:
        abort(404)
    return profile


def _visible(consultation_id: int) -> Consultation:
    """The booking if the current user may see it at all (`Consultation.can_view`); 404 otherwise,
    revealing nothing."""
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or not consultation.can_view(current_user):
        abort(404)
    return consultation


def _own(consultation_id: int) -> Consultation:
    """The booking if the current user is its booker or its expert."""
    consultation = services.booking_of(current_user, consultation_id)
    if consultation is None:
        abort(404)
    return consultation


def _when(starts_at: datetime, ends_at: datetime) -> str:
    return _("%(start)s–%(end)s Uhr", start=format_datetime(starts_at, "EEEE, dd.MM.yyyy, HH:mm"),
             end=format_time(ends_at, "HH:mm"))


def _back(consultation: Consultation):
    return redirect(url_for("beratung.consultation", consultation_id=consultation.id))


@bp.app_template_filter("slot_value")
def slot_value(moment: datetime) -> str:
    """A slot start as it travels in links and forms (UTC, ISO 8601)."""
    return moment.astimezone(UTC).isoformat()


# The pages, by aggregate; importing them registers their routes on `bp`.
from lms.beratung.views import availability, bookings, finding, oversight  # noqa: E402, F401
