"""The public catalogue, module and offering pages, and an offering's dates as iCalendar."""
from datetime import date

from flask import Response, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from lms import fragments
from lms.auth.services import all_regions
from lms.dimensions import DIMENSION_LABELS
from lms.errors import DomainError
from lms.extensions import db
from lms.forms import ActionForm
from lms.i18n import _
from lms.ical import build_calendar
from lms.module import queries, services
from lms.module.forms import AdmissionRequestForm
from lms.module.ical import date_event
from lms.module.models import AUDIENCE_LABELS
from lms.module.views import PER_PAGE, _panels, _visible_module, _visible_offering, bp, clock


def _date_arg(name: str, errors: dict) -> date | None:
    """A date filter of the catalogue; a value that is no date is ignored and named in *errors*."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = _("Bitte geben Sie ein gültiges Datum an (TT.MM.JJJJ).")
        return None


@bp.get("/qualifizierung")
def catalogue():
    now = clock()
    errors: dict[str, str] = {}
    date_from, date_to = _date_arg("von", errors), _date_arg("bis", errors)
    if date_from and date_to and date_from > date_to:
        # An impossible range would list nothing without saying why: say it, and filter by neither.
        errors["bis"] = _("„Beginn bis“ liegt vor „Beginn ab“. Bitte prüfen Sie den Zeitraum.")
        date_from = date_to = None
    filters = queries.CatalogueFilter(
        q=request.args.get("q", "")[:100].strip(),
        dimension=request.args.get("dimension", "") if request.args.get("dimension") in DIMENSION_LABELS else "",
        region_id=request.args.get("region", type=int),
        audience=request.args.get("zielgruppe", "") if request.args.get("zielgruppe") in AUDIENCE_LABELS else "",
        date_from=date_from, date_to=date_to, free_seats=request.args.get("frei") == "1",
    )

    def build():
        page = db.paginate(queries.catalogue_query(filters, now=now), per_page=PER_PAGE, error_out=False)
        offerings = queries.upcoming_offerings([module.id for module in page.items], filters, now=now)
        html = render_template(
            "module/_catalogue_content.html", page=page, offerings=offerings, filters=filters, now=now,
            errors=errors, raw={name: request.args.get(name, "") for name in ("von", "bis")},
            regions=all_regions(), dimensions=DIMENSION_LABELS, audiences=AUDIENCE_LABELS,
        )
        return html, queries.next_offering_start(now=now)  # then an offering leaves the list

    # Nothing in it depends on who asks: the filter (and page), the language and the site's path do.
    key = (tuple(sorted(request.args.items(multi=True))), str(get_locale()), request.script_root)
    content = fragments.cached(queries.CATALOGUE, key, now=now, build=build)
    return render_template("module/catalogue.html", content=Markup(content))


@bp.get("/qualifizierung/module/<int:module_id>")
def module_detail(module_id: int):
    now = clock()
    module = _visible_module(module_id)
    missing = services.missing_prerequisites(current_user, module) if current_user.is_authenticated else []
    return render_template(
        "module/module.html", module=module, offerings=queries.offerings_of_module(module, now=now), now=now,
        missing=missing, can_edit=module.can_edit(current_user), panels=_panels(module),
    )


@bp.get("/qualifizierung/angebote/<int:offering_id>")
def offering(offering_id: int):
    now = clock()
    offering = _visible_offering(offering_id)
    enrolment = position = blocker = None
    missing = []
    if current_user.is_authenticated:
        enrolment = services.enrolment_for(current_user, offering)
        position = services.waitlist_position(enrolment) if enrolment else None
        if enrolment is None or not enrolment.is_active:
            try:
                services.check_can_enrol(current_user, offering, now=now)
            except DomainError as error:
                blocker = error.message
                missing = error.modules if isinstance(error, services.PrerequisitesMissing) else []
    return render_template(
        "module/offering.html", offering=offering, module=offering.module, now=now, enrolment=enrolment,
        position=position, blocker=blocker, missing=missing, waitlist=queries.waitlist_length(offering),
        form=ActionForm(), admission_form=AdmissionRequestForm(), can_manage=offering.can_manage(current_user),
    )


@bp.get("/qualifizierung/angebote/<int:offering_id>/termine.ics")
def offering_ics(offering_id: int):
    offering = _visible_offering(offering_id)
    body = build_calendar([date_event(date) for date in offering.dates], name=offering.module.title)
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="durchfuehrung-{offering.id}.ics"',
    })
