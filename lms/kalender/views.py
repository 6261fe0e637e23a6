"""Feed endpoints (private, public, single events and bookings), the subscription settings page and
"Meine Termine"."""
from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from lms.auth.models import Role
from lms.auth.permissions import role_required
from lms.beratung.catalogue import FORMAT_LABELS
from lms.beratung.ical import TITLE as CONSULTATION_TITLE
from lms.beratung.ical import consultation_event
from lms.beratung.services import booking_of
from lms.confirmation import Confirmation, ask, is_confirmed
from lms.db import utcnow
from lms.extensions import db
from lms.forms import ActionForm
from lms.i18n import _
from lms.ical import BERLIN, build_calendar
from lms.kalender import agenda as agenda_model
from lms.kalender import services
from lms.kalender.polling import mark_feed_answer, not_modified
from lms.links import external_url
from lms.module.models import MANAGER_ROLES, OfferingDate
from lms.netzwerk.models import REPLY_LABELS
from lms.submit import submit

bp = Blueprint("kalender", __name__)
AGENDA_ROLES = (Role.COORDINATOR, Role.PARTNER, Role.EXPERT, Role.TRAINER)


def _serve(feed: services.Feed, *, private: bool) -> Response:
    """Answer a conditional GET from the version stamp alone; otherwise serve the (cached) bytes.
    Either answer is then kept for repeated polls (`lms.kalender.polling`)."""
    version, last_modified = services.stamp(feed)
    headers = {
        "ETag": f'"{version}"', "Last-Modified": last_modified.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        "Cache-Control": f"{'private' if private else 'public'}, max-age=300, must-revalidate",
        "Referrer-Policy": "no-referrer",
    }
    mark_feed_answer(version, last_modified)
    if not_modified(request.environ, version, last_modified):
        return Response(status=304, headers=headers)
    body = services.feed_body(feed, version=version, last_modified=last_modified, now=utcnow())
    db.session.commit()  # a poll changes nothing but the shared cache row it may have written
    return Response(body, headers=headers, content_type="text/calendar; charset=utf-8")


@bp.get("/kalender/<token>.ics")
def private(token: str):
    found = services.owner_of(token)
    if found is None:
        abort(404)
    user, row = found
    return _serve(services.private_feed(user, row.scope, now=utcnow()), private=True)


@bp.get("/kalender/angebote.ics")
def public_all():
    return _serve(services.public_feed("all", now=utcnow()), private=False)


@bp.get("/kalender/<any(module, regionen, dimension):kind>/<value>.ics")
def public(kind: str, value: str):
    now = utcnow()
    if kind == "dimension":
        feed = services.public_feed("dimension", value, now=now)
    else:
        feed = services.public_feed("module" if kind == "module" else "region", int(value), now=now) \
            if value.isdigit() else None
    if feed is None:
        abort(404)
    return _serve(feed, private=False)


@bp.get("/kalender/gremien/<int:body_id>.ics")
def body_meetings(body_id: int):
    """A public body's meetings; an internal body has no public feed (404)."""
    feed = services.body_feed(body_id, now=utcnow())
    if feed is None:
        abort(404)
    return _serve(feed, private=False)


@bp.get("/kalender/termine/<int:date_id>.ics")
def single_date(date_id: int):
    date = db.get_or_404(OfferingDate, date_id)
    if not date.offering.can_view(current_user):
        abort(404)
    feed = services.date_feed(date, now=utcnow())
    body = build_calendar(services.events(feed, now=utcnow()), name=date.offering.module.title)
    return Response(body, content_type="text/calendar; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="termin-{date.id}.ics"', "Referrer-Policy": "no-referrer"})


@bp.get("/kalender/beratungen/<int:consultation_id>.ics")
@login_required
def consultation(consultation_id: int):
    """One booking as an .ics file, for its booker and its expert only: 404 for everyone else."""
    booking = booking_of(current_user, consultation_id)
    if booking is None:
        abort(404)
    body = build_calendar([consultation_event(booking)], name=str(CONSULTATION_TITLE))
    return Response(body, content_type="text/calendar; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="beratung-{booking.id}.ics"', "Referrer-Policy": "no-referrer",
        "Cache-Control": "private, no-store"})


def _addresses(scope: str) -> tuple[str | None, str | None]:
    """The user's feed address for *scope* and its webcal:// form, or (None, None)."""
    row = services.active_token(current_user, scope)
    if row is None:
        return None, None
    url = external_url("kalender.private", token=services.token_value(row))
    return url, url.replace("https://", "webcal://").replace("http://", "webcal://")


@bp.get("/konto/kalender")
@login_required
def settings():
    url, webcal = _addresses("all")
    consultations = services.offers_consultations(current_user)
    consultations_url, consultations_webcal = _addresses("consultations") if consultations else (None, None)
    response = Response(render_template(
        "kalender/settings.html", url=url, webcal=webcal, consultations=consultations,
        consultations_url=consultations_url, consultations_webcal=consultations_webcal, form=ActionForm(),
        public_url=external_url("kalender.public_all"), horizon_months=current_app.config["FEED_HORIZON_MONTHS"]))
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.post("/konto/kalender")
@login_required
def new_address():
    if not ActionForm().validate_on_submit():
        abort(400)
    scope = request.form.get("scope", "all")
    if scope not in services.SCOPES or (scope == "consultations" and not services.offers_consultations(current_user)):
        abort(400)
    had_one = services.active_token(current_user, scope) is not None
    if had_one and not is_confirmed():
        return ask(Confirmation(
            title=_("Wirklich eine neue Kalender-Adresse erzeugen?"),
            subject=_("Adresse nur für Fachberatungen") if scope == "consultations" else _("Ihre Kalender-Adresse"),
            button=_("Neue Adresse erzeugen"), cancel_url=url_for("kalender.settings"), consequences=[
                _("Die bisherige Adresse funktioniert sofort nicht mehr: Kalender, die sie abonniert haben, zeigen "
                  "keine neuen Termine mehr."),
                _("Abonnieren Sie danach die neue Adresse in jedem Kalenderprogramm, das Ihre Termine zeigen soll."),
            ]))
    if not submit(lambda: services.new_token(current_user, scope=scope, now=utcnow())):
        return redirect(url_for("kalender.settings"))
    if scope == "consultations":
        flash(_("Ihre neue Kalender-Adresse für Fachberatungen ist bereit. Die bisherige funktioniert nicht mehr.")
              if had_one else _("Ihre Kalender-Adresse für Fachberatungen ist bereit."), "success")
    else:
        flash(_("Ihre neue Kalender-Adresse ist bereit. Die bisherige funktioniert nicht mehr.") if had_one
              else _("Ihre Kalender-Adresse ist bereit."), "success")
    return redirect(url_for("kalender.settings"))


@bp.get("/termine")
@role_required(*AGENDA_ROLES)
def agenda():
    """Meine Termine: one's own dates and consultations by day, this week, this month or all coming."""
    now = utcnow()
    view = request.args.get("ansicht", agenda_model.ALL)
    if view not in agenda_model.VIEWS:
        view = agenda_model.ALL
    page = agenda_model.agenda(current_user, now=now, until=agenda_model.period_end(view, now),
                               page=request.args.get("page", 1, type=int))
    feed_url, _webcal = _addresses("all")
    today = now.astimezone(BERLIN).date()
    response = Response(render_template(
        "kalender/agenda.html", agenda=page, view=view, views=agenda_model.VIEWS, feed_url=feed_url, today=today,
        tomorrow=today + timedelta(days=1), formats=FORMAT_LABELS, consultation_title=CONSULTATION_TITLE,
        manager_roles=MANAGER_ROLES, reply_labels=REPLY_LABELS))
    response.headers["Referrer-Policy"] = "no-referrer"  # the head links the feed address, a secret
    return response
