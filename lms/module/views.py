"""Catalogue, offering pages, enrolment, "Mein Lernen", certificates, and the trainers' pages."""
from datetime import date

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from lms.auth.models import Role, User
from lms.auth.permissions import require, role_required
from lms.auth.services import all_regions, find_user_by_email
from lms.confirmation import Confirmation, ask, is_confirmed
from lms.db import utcnow
from lms.dimensions import DIMENSION_LABELS
from lms.errors import DomainError
from lms.extensions import db, limiter
from lms.forms import ActionForm, ReasonForm
from lms.i18n import _, _l, ngettext
from lms.ical import build_calendar
from lms.instrumente.models import Instrument, InstrumentState
from lms.module import exports, queries, services, startpage
from lms.module.certificates import certificate_pdf
from lms.module.ical import date_event
from lms.module.forms import AdmissionRequestForm, CertificateCheckForm, ModuleForm, OfferingForm, PersonForm
from lms.module.models import (
    AUDIENCE_LABELS, Certificate, Enrolment, EnrolmentEvent, EnrolmentStatus, Module, ModuleState, Offering,
    OfferingState,
)
from lms.startpage import register_section_provider
from lms.submit import submit

bp = Blueprint("module", __name__)
PER_PAGE = 20
PARTICIPANT_ROLES = (Role.COORDINATOR, Role.PARTNER, Role.EXPERT)
MANAGER_ROLES = (Role.ADMIN, Role.TRAINER)


@bp.record_once
def _register_start_sections(state) -> None:
    register_section_provider(state.app, startpage.sections)


def _visible_module(module_id: int) -> Module:
    module = db.get_or_404(Module, module_id)
    if not module.can_view(current_user):
        abort(404)
    return module


def _visible_offering(offering_id: int) -> Offering:
    offering = db.get_or_404(Offering, offering_id)
    if not offering.can_view(current_user):
        abort(404)
    return offering


def _managed_offering(offering_id: int) -> Offering:
    offering = db.get_or_404(Offering, offering_id)
    require(offering.can_manage(current_user))
    return offering


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


# --- catalogue and offering pages (public) --------------------------------------------------

@bp.get("/qualifizierung")
def catalogue():
    now = utcnow()
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
    page = db.paginate(queries.catalogue_query(filters, now=now), per_page=PER_PAGE, error_out=False)
    offerings = queries.upcoming_offerings([module.id for module in page.items], filters, now=now)
    return render_template(
        "module/catalogue.html", page=page, offerings=offerings, filters=filters, now=now, errors=errors,
        raw={name: request.args.get(name, "") for name in ("von", "bis")},
        regions=all_regions(), dimensions=DIMENSION_LABELS, audiences=AUDIENCE_LABELS,
    )


def register_panel(app, provider) -> None:
    """Let a higher package add (label, detail) lines about a module to its page."""
    app.extensions.setdefault("module_panels", []).append(provider)


def _panels(module: Module) -> list[tuple[str, str]]:
    return [line for provider in current_app.extensions.get("module_panels", ()) for line in provider(module)]


def instrument_usage(instrument) -> list[tuple[str, str]]:
    """For the instrument pages: the modules that use an instrument as course material."""
    return [(module.title, url_for("module.module_detail", module_id=module.id))
            for module in services.modules_using(instrument)]


@bp.get("/qualifizierung/module/<int:module_id>")
def module_detail(module_id: int):
    now = utcnow()
    module = _visible_module(module_id)
    missing = services.missing_prerequisites(current_user, module) if current_user.is_authenticated else []
    return render_template(
        "module/module.html", module=module, offerings=queries.offerings_of_module(module, now=now), now=now,
        missing=missing, can_edit=module.can_edit(current_user), panels=_panels(module),
    )


@bp.get("/qualifizierung/angebote/<int:offering_id>")
def offering(offering_id: int):
    now = utcnow()
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


@bp.route("/nachweis", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"],
               deduct_when=lambda _response: g.get("certificate_not_found", False))
def verify_form():
    """Anyone checks a certificate by its number and the name on it; misses count against the
    address like failed sign-ins, so guessing pairs is slow."""
    form = CertificateCheckForm()
    certificate = None
    if form.validate_on_submit():
        certificate = services.certificate_by_number(form.number.data, form.name.data)
        if certificate is None:
            g.certificate_not_found = True
            form.form_errors.append(_("Zu dieser Nummer und diesem Namen gibt es keine Bescheinigung. Bitte prüfen "
                                      "Sie beide Angaben auf der Bescheinigung."))
    status = 200 if certificate is not None or not form.errors and not form.form_errors else 422
    return render_template("module/verify.html", certificate=certificate, form=form, checked=certificate is not None), \
        status


@bp.get("/nachweis/<token>")
def verify_certificate(token: str):
    certificate = services.certificate_by_token(token[:64])
    if certificate is None:
        return render_template("module/verify.html", certificate=None, checked=True), 404
    return render_template("module/verify.html", certificate=certificate, checked=True)


# --- participants ---------------------------------------------------------------------------

@bp.post("/qualifizierung/angebote/<int:offering_id>/anmelden")
@role_required(*PARTICIPANT_ROLES)
def enrol(offering_id: int):
    offering = _visible_offering(offering_id)
    if ActionForm().validate_on_submit() and (outcome := submit(
            lambda: services.enrol(current_user, offering, now=utcnow()))):
        messages = {
            EnrolmentStatus.ENROLLED: _("Ihr Platz ist gebucht. Eine Bestätigung kommt per E-Mail."),
            EnrolmentStatus.WAITLISTED: _("Die Durchführung ist ausgebucht. Sie stehen auf der Warteliste."),
            EnrolmentStatus.REQUESTED: _("Ihre Anfrage ist eingegangen. Die Referent*innen bestätigen sie."),
        }
        flash(messages[EnrolmentStatus(outcome.value.status)], "success")
    return redirect(url_for("module.offering", offering_id=offering.id))


@bp.post("/qualifizierung/angebote/<int:offering_id>/zulassung-anfragen")
@role_required(*PARTICIPANT_ROLES)
def request_admission(offering_id: int):
    """A missing prerequisite is no dead end: the request goes to the offering's trainers."""
    offering = _visible_offering(offering_id)
    form = AdmissionRequestForm()
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
    else:
        submit(lambda: services.request_admission(current_user, offering, note=form.note.data or "", now=utcnow()),
               success=_("Ihre Anfrage ist bei den Referent*innen. Sie erhalten eine E-Mail, sobald sie entschieden "
                         "haben."))
    return redirect(url_for("module.offering", offering_id=offering.id))


WITHDRAWN = {
    EnrolmentStatus.ENROLLED: _l("Sie haben Ihren Platz zurückgegeben."),
    EnrolmentStatus.WAITLISTED: _l("Sie stehen nicht mehr auf der Warteliste."),
    EnrolmentStatus.REQUESTED: _l("Ihre Anfrage ist zurückgezogen."),
}


def _offering_line(offering: Offering) -> str:
    """The offering named on a confirmation page: its module and first day."""
    return _("%(title)s, Beginn am %(date)s", title=offering.module.title,
             date=format_date(offering.first_starts_at, "dd.MM.yyyy"))


def _withdrawal_question(enrolment: Enrolment, back: str) -> Confirmation:
    """What giving back a seat, leaving the waitlist or withdrawing a request does, in the person's words."""
    offering = enrolment.offering
    subject = _offering_line(offering)
    if enrolment.status == EnrolmentStatus.ENROLLED:
        waiting = queries.waitlist_length(offering)
        return Confirmation(
            title=_("Wirklich Ihren Platz zurückgeben?"), subject=subject, button=_("Platz zurückgeben"),
            cancel_url=back, consequences=[
                _("Ihr Platz geht an die erste Person der Warteliste.") if waiting
                else _("Ihr Platz wird frei, und jemand anderes kann ihn buchen."),
                _("Die Termine werden aus Ihrem Kalender genommen; Sie erhalten eine Bestätigung per E-Mail."),
                _("Möchten Sie später doch teilnehmen, buchen Sie neu – sofern dann noch ein Platz frei ist."),
            ])
    if enrolment.status == EnrolmentStatus.WAITLISTED:
        return Confirmation(
            title=_("Wirklich die Warteliste verlassen?"), subject=subject, button=_("Warteliste verlassen"),
            cancel_url=back, consequences=[
                _("Sie verlieren Platz %(position)d auf der Warteliste und rücken nicht mehr nach.",
                  position=services.waitlist_position(enrolment) or 1),
                _("Tragen Sie sich später wieder ein, stehen Sie am Ende der Warteliste."),
            ])
    return Confirmation(
        title=_("Wirklich Ihre Anfrage zurückziehen?"), subject=subject, button=_("Anfrage zurückziehen"),
        cancel_url=back, consequences=[
            _("Die Referent*innen sehen Ihre Anfrage nicht mehr und entscheiden nicht mehr darüber."),
            _("Möchten Sie doch teilnehmen, stellen Sie eine neue Anfrage."),
        ])


@bp.post("/qualifizierung/anmeldungen/<int:enrolment_id>/abmelden")
@login_required
def cancel(enrolment_id: int):
    """Give back a seat, leave the waitlist or withdraw a request: after the confirmation page."""
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    if enrolment.user_id != current_user.id:
        abort(404)
    back = url_for("module.my_learning") if request.form.get("back") == "my_learning" \
        else url_for("module.offering", offering_id=enrolment.offering_id)
    if not ActionForm().validate_on_submit():
        return redirect(back)
    if enrolment.is_active and not is_confirmed():
        return ask(_withdrawal_question(enrolment, back))
    was = EnrolmentStatus(enrolment.status)
    submit(lambda: services.cancel_enrolment(current_user, enrolment, now=utcnow()), success=WITHDRAWN[was])
    return redirect(back)


@bp.get("/mein-lernen")
@role_required(*PARTICIPANT_ROLES)
def my_learning():
    now = utcnow()
    return render_template(
        "module/my_learning.html", enrolments=queries.my_enrolments(current_user, now=now),
        completions=services.completions_for(current_user), units=services.units_by_dimension(current_user),
        dimensions=DIMENSION_LABELS, now=now, form=ActionForm(),
    )


@bp.get("/qualifizierung/bescheinigungen/<int:certificate_id>.pdf")
@login_required
def certificate(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    if certificate.user_id != current_user.id and not current_user.has_role(Role.ADMIN):
        abort(404)
    return Response(certificate_pdf(certificate), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="teilnahmebescheinigung-{certificate.number}.pdf"',
    })


# --- trainers and admins --------------------------------------------------------------------

@bp.get("/qualifizierung/verwaltung")
@role_required(*MANAGER_ROLES)
def manage():
    now = utcnow()
    modules = db.paginate(queries.managed_modules_query(current_user), per_page=PER_PAGE, error_out=False,
                          page=request.args.get("module_seite", 1, type=int))
    offerings = db.paginate(queries.managed_offerings_query(current_user, now=now), per_page=PER_PAGE,
                            error_out=False, page=request.args.get("seite", 1, type=int))
    return render_template("module/manage.html", modules=modules, offerings=offerings, now=now)


def _module_form(module: Module | None = None) -> ModuleForm:
    # Only published modules can be chosen as prerequisites (never someone's draft); an archived one
    # the module already requires stays in the list so that saving the form keeps it.
    linked = [m.id for m in module.prerequisites if m.state == ModuleState.ARCHIVED] if module is not None else []
    others = db.session.scalars(
        select(Module).where(or_(Module.state == ModuleState.PUBLISHED, Module.id.in_(linked)))
        .order_by(Module.title, Module.id))
    trainers = db.session.scalars(
        select(User).where(User.active.is_(True), User.role_rows.any(role=Role.TRAINER)).order_by(User.name)
    )
    instruments = db.session.scalars(
        select(Instrument).where(Instrument.state == InstrumentState.PUBLISHED).order_by(Instrument.title))
    form = ModuleForm(obj=module, modules=[m for m in others if module is None or m.id != module.id],
                      trainers=list(trainers), instruments=list(instruments))
    if module is not None and request.method == "GET":
        form.audiences.data = sorted(module.audiences)
        form.prerequisites.data = [m.id for m in module.prerequisites]
        form.trainers.data = [t.id for t in module.trainers]
        form.materials.data = [i.id for i in module.materials]
    return form


@bp.route("/qualifizierung/verwaltung/module/neu", methods=["GET", "POST"])
@role_required(*MANAGER_ROLES)
def new_module():
    form = _module_form()
    if request.method == "GET" and current_user.has_role(Role.TRAINER):
        form.trainers.data = [current_user.id]
    if form.validate_on_submit() and (outcome := submit(
            lambda: services.create_module(current_user, form.to_input(), now=utcnow()), form=form,
            success=_("Das Modul wurde als Entwurf angelegt."))):
        return redirect(url_for("module.edit_module", module_id=outcome.value.id))
    return render_template("module/module_form.html", form=form, module=None), 422 if form.errors else 200


@bp.route("/qualifizierung/verwaltung/module/<int:module_id>", methods=["GET", "POST"])
@role_required(*MANAGER_ROLES)
def edit_module(module_id: int):
    module = db.get_or_404(Module, module_id)
    require(module.can_edit(current_user))
    form = _module_form(module)
    if form.validate_on_submit() and submit(
            lambda: services.update_module(current_user, module, form.to_input(), now=utcnow()), form=form,
            success=_("Das Modul wurde gespeichert.")):
        return redirect(url_for("module.edit_module", module_id=module.id))
    offerings = queries.offerings_of_module(module, now=utcnow(), include_past=True)
    return render_template("module/module_form.html", form=form, module=module, offerings=offerings,
                           state_form=ActionForm(), now=utcnow()), 422 if form.errors else 200


@bp.post("/qualifizierung/verwaltung/module/<int:module_id>/status")
@role_required(*MANAGER_ROLES)
def module_state(module_id: int):
    module = db.get_or_404(Module, module_id)
    require(module.can_edit(current_user))
    if ActionForm().validate_on_submit() and submit(
            lambda: services.set_module_state(current_user, module, request.form.get("state", ""), now=utcnow())):
        flash(_("Der Status des Moduls ist jetzt: %(state)s.", state=module.state_label), "success")
    return redirect(url_for("module.edit_module", module_id=module.id))


def _offering_form(offering: Offering | None = None) -> OfferingForm:
    trainers = db.session.scalars(
        select(User).where(User.active.is_(True), User.role_rows.any(role=Role.TRAINER)).order_by(User.name)
    )
    form = OfferingForm(regions=all_regions(), trainers=list(trainers))
    if request.method == "GET":
        if offering is not None:
            form.fill_from(offering)
        elif current_user.has_role(Role.TRAINER):
            form.trainers.data = [current_user.id]
    return form


@bp.route("/qualifizierung/verwaltung/module/<int:module_id>/durchfuehrungen/neu", methods=["GET", "POST"])
@role_required(*MANAGER_ROLES)
def new_offering(module_id: int):
    module = db.get_or_404(Module, module_id)
    require(module.can_edit(current_user))
    form = _offering_form()
    if form.add_date.data:  # "Weiteren Termin hinzufügen": the same form with one more row, nothing saved
        form.add_row()
    elif form.validate_on_submit() and (outcome := submit(
            lambda: services.create_offering(current_user, module, form.to_input(),
                                             open_registration=form.open_now.data, now=utcnow()),
            form=form, success=_("Die Durchführung wurde angelegt."))):
        return redirect(url_for("module.participants", offering_id=outcome.value.id))
    return render_template("module/offering_form.html", form=form, module=module, offering=None), \
        422 if form.errors else 200


@bp.route("/qualifizierung/verwaltung/angebote/<int:offering_id>", methods=["GET", "POST"])
@role_required(*MANAGER_ROLES)
def edit_offering(offering_id: int):
    offering = _managed_offering(offering_id)
    form = _offering_form(offering)
    if form.add_date.data:
        form.add_row()
    elif form.validate_on_submit() and submit(
            lambda: services.update_offering(current_user, offering, form.to_input(), now=utcnow()), form=form,
            success=_("Die Durchführung wurde gespeichert.")):
        return redirect(url_for("module.participants", offering_id=offering.id))
    return render_template("module/offering_form.html", form=form, module=offering.module, offering=offering,
                           cancel_form=ReasonForm(prefix="cancel")), 422 if form.errors else 200


@bp.post("/qualifizierung/verwaltung/angebote/<int:offering_id>/oeffnen")
@role_required(*MANAGER_ROLES)
def open_offering(offering_id: int):
    offering = _managed_offering(offering_id)
    if ActionForm().validate_on_submit():
        submit(lambda: services.open_registration(current_user, offering, now=utcnow()),
               success=_("Die Buchung ist geöffnet."))
    return redirect(url_for("module.participants", offering_id=offering.id))


@bp.post("/qualifizierung/verwaltung/angebote/<int:offering_id>/absagen")
@role_required(*MANAGER_ROLES)
def cancel_offering(offering_id: int):
    offering = _managed_offering(offering_id)
    form = ReasonForm(prefix="cancel")
    if not form.validate_on_submit():
        flash(_("Bitte geben Sie einen Grund für die Absage an."), "error")
        return redirect(url_for("module.edit_offering", offering_id=offering.id))
    if offering.state != OfferingState.CANCELLED and not is_confirmed():
        affected = queries.participants(offering)
        return ask(Confirmation(
            title=_("Wirklich die Durchführung absagen?"), subject=_offering_line(offering),
            button=_("Durchführung absagen"), cancel_url=url_for("module.edit_offering", offering_id=offering.id),
            quoted=form.reason.data, quoted_label=_("Ihre Begründung"), consequences=[
                ngettext("%(num)d Person mit Platz, auf der Warteliste oder mit Anfrage erhält eine E-Mail mit "
                         "Ihrer Begründung.",
                         "%(num)d Personen mit Platz, auf der Warteliste oder mit Anfrage erhalten eine E-Mail mit "
                         "Ihrer Begründung.", len(affected)) if affected
                else _("Niemand hat einen Platz, wartet oder fragt an: es geht keine E-Mail hinaus."),
                _("Alle Plätze, die Warteliste und die Anfragen verfallen; die Termine werden aus den Kalendern "
                  "genommen."),
                _("Eine abgesagte Durchführung lässt sich nicht wieder öffnen oder ändern."),
            ]))
    submit(lambda: services.cancel_offering(current_user, offering, reason=form.reason.data, now=utcnow()),
           success=_("Die Durchführung wurde abgesagt. Alle mit Platz, auf der Warteliste oder mit Anfrage werden "
                     "benachrichtigt."))
    return redirect(url_for("module.participants", offering_id=offering.id))


@bp.get("/qualifizierung/verwaltung/angebote/<int:offering_id>/teilnehmende")
@role_required(*MANAGER_ROLES)
def participants(offering_id: int):
    offering = _managed_offering(offering_id)
    rows = queries.participants(offering)
    history = db.session.scalars(
        select(EnrolmentEvent).join(Enrolment, EnrolmentEvent.enrolment_id == Enrolment.id)
        .where(Enrolment.offering_id == offering.id).order_by(EnrolmentEvent.at.desc(), EnrolmentEvent.id.desc())
        .limit(200)
    ).all()
    names = {row.enrolment.id: row.enrolment.user.name for row in rows}
    if not {event.enrolment_id for event in history} | {event.freed_by_id for event in history if event.freed_by_id} \
            <= names.keys():
        names.update({e.id: e.user.name for e in db.session.scalars(
            select(Enrolment).where(Enrolment.offering_id == offering.id))})
    return render_template(
        "module/participants.html", offering=offering, module=offering.module, rows=rows, history=history,
        names=names, now=utcnow(), action_form=ActionForm(), reason_form=ReasonForm(),
        person_form=PersonForm(prefix="person"), cancel_form=ReasonForm(prefix="cancel"),
        statuses=EnrolmentStatus,
    )


def _form_errors(form) -> str:
    """The form's error messages (lazy strings) as one text for a flash message."""
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def _person(form: PersonForm) -> User | None:
    person = find_user_by_email(form.email.data)
    if person is None or not person.is_active:
        flash(_("Unter dieser E-Mail-Adresse gibt es kein aktives Konto."), "error")
        return None
    return person


@bp.post("/qualifizierung/verwaltung/angebote/<int:offering_id>/teilnehmende/hinzufuegen")
@role_required(*MANAGER_ROLES)
def add_participant(offering_id: int):
    offering = _managed_offering(offering_id)
    form = PersonForm(prefix="person")
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
    elif (person := _person(form)) is not None:
        submit(lambda: services.enrol(person, offering, actor=current_user, reason=form.reason.data or "",
                                      now=utcnow()),
               success=_("%(name)s wurde eingetragen.", name=person.name))
    return redirect(url_for("module.participants", offering_id=offering.id))


@bp.post("/qualifizierung/verwaltung/angebote/<int:offering_id>/zulassen")
@role_required(*MANAGER_ROLES)
def admit(offering_id: int):
    offering = _managed_offering(offering_id)
    form = PersonForm(prefix="person")
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
    elif (person := _person(form)) is not None:
        submit(lambda: services.admit(current_user, offering, person, reason=form.reason.data or "", now=utcnow()),
               success=_("%(name)s darf trotz fehlender Voraussetzungen einen Platz buchen.", name=person.name))
    return redirect(url_for("module.participants", offering_id=offering.id))


def _managed_enrolment(enrolment_id: int) -> Enrolment:
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    require(enrolment.offering.can_manage(current_user))
    return enrolment


@bp.post("/qualifizierung/verwaltung/anmeldungen/<int:enrolment_id>/bestaetigen")
@role_required(*MANAGER_ROLES)
def approve(enrolment_id: int):
    enrolment = _managed_enrolment(enrolment_id)
    if ActionForm().validate_on_submit():
        submit(lambda: services.approve_request(current_user, enrolment, now=utcnow()),
               success=_("Die Anfrage wurde angenommen."))
    return redirect(url_for("module.participants", offering_id=enrolment.offering_id))


def _taking_off_question(enrolment: Enrolment, reason: str) -> Confirmation:
    """What declining a request or taking someone off the list does."""
    name, offering = enrolment.user.name, enrolment.offering
    back = url_for("module.participants", offering_id=offering.id)
    mail = _("%(name)s erhält eine E-Mail mit Ihrer Begründung.", name=name)
    if enrolment.status == EnrolmentStatus.REQUESTED:
        return Confirmation(
            title=_("Wirklich die Anfrage von %(name)s ablehnen?", name=name), subject=_offering_line(offering),
            button=_("Anfrage ablehnen"), cancel_url=back, quoted=reason, quoted_label=_("Ihre Begründung"),
            consequences=[mail, _("Die Anfrage ist damit entschieden; eine neue Anfrage ist möglich.")])
    consequences = [mail]
    if enrolment.status == EnrolmentStatus.ENROLLED:
        consequences += [
            _("Der Platz geht an die erste Person der Warteliste.") if queries.waitlist_length(offering)
            else _("Der Platz wird frei, und jemand anderes kann ihn buchen."),
            _("Die Termine werden aus dem Kalender von %(name)s genommen.", name=name),
        ]
    elif enrolment.status == EnrolmentStatus.WAITLISTED:
        consequences.append(_("%(name)s verliert den Platz auf der Warteliste.", name=name))
    consequences.append(_("Das lässt sich nicht rückgängig machen: Soll %(name)s doch teilnehmen, tragen Sie die "
                          "Person neu ein.", name=name))
    return Confirmation(
        title=_("Wirklich %(name)s von der Liste nehmen?", name=name), subject=_offering_line(offering),
        button=_("Von der Liste nehmen"), cancel_url=back, quoted=reason, quoted_label=_("Ihre Begründung"),
        consequences=consequences)


def _take_off(enrolment: Enrolment, action, success: str):
    """Decline or remove with the reason form: the reason first, then the confirmation page, then *action*."""
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Bitte geben Sie eine Begründung an."), "error")
    elif enrolment.is_active and not is_confirmed():
        return ask(_taking_off_question(enrolment, form.reason.data))
    else:
        submit(lambda: action(form.reason.data), success=success)
    return redirect(url_for("module.participants", offering_id=enrolment.offering_id))


@bp.post("/qualifizierung/verwaltung/anmeldungen/<int:enrolment_id>/ablehnen")
@role_required(*MANAGER_ROLES)
def decline(enrolment_id: int):
    enrolment = _managed_enrolment(enrolment_id)
    return _take_off(enrolment, lambda reason: services.decline_request(
        current_user, enrolment, reason=reason, now=utcnow()), _("Die Anfrage wurde abgelehnt."))


@bp.post("/qualifizierung/verwaltung/anmeldungen/<int:enrolment_id>/entfernen")
@role_required(*MANAGER_ROLES)
def remove(enrolment_id: int):
    enrolment = _managed_enrolment(enrolment_id)
    return _take_off(enrolment, lambda reason: services.remove_participant(
        current_user, enrolment, reason=reason, now=utcnow()),
        _("%(name)s wurde von der Liste genommen.", name=enrolment.user.name))


@bp.get("/qualifizierung/verwaltung/angebote/<int:offering_id>/teilnehmende.xlsx", defaults={"kind": "xlsx"})
@bp.get("/qualifizierung/verwaltung/angebote/<int:offering_id>/teilnehmende.csv", defaults={"kind": "csv"})
@bp.get("/qualifizierung/verwaltung/angebote/<int:offering_id>/teilnehmende-rfc4180.csv",
        defaults={"kind": "rfc4180"})
@role_required(*MANAGER_ROLES)
def export(offering_id: int, kind: str):
    """The participant list as XLSX, CSV for German Excel (teilnehmende.csv) or RFC 4180 CSV."""
    offering = _managed_offering(offering_id)
    export_format = exports.FORMATS[kind]
    participant_list = exports.participant_list(offering, exported_by=current_user, now=utcnow())
    return Response(export_format.render(participant_list), content_type=export_format.content_type, headers={
        "Content-Disposition": exports.content_disposition(exports.filename(participant_list, export_format)),
    })


@bp.route("/qualifizierung/verwaltung/angebote/<int:offering_id>/anwesenheit", methods=["GET", "POST"])
@role_required(*MANAGER_ROLES)
def attendance(offering_id: int):
    now = utcnow()
    offering = _managed_offering(offering_id)
    rows = queries.participants(offering, statuses=(EnrolmentStatus.ENROLLED,))
    started = [date for date in offering.dates if date.starts_at <= now]
    form = ActionForm()
    if form.validate_on_submit():
        marks = {
            (row.enrolment.id, date.id): f"a-{row.enrolment.id}-{date.id}" in request.form
            for row in rows for date in started
        }
        if submit(lambda: services.record_attendance(current_user, offering, marks, now=now),
                  success=_("Die Anwesenheit wurde gespeichert.")):
            return redirect(url_for("module.attendance", offering_id=offering.id))
    return render_template(
        "module/attendance.html", offering=offering, module=offering.module, rows=rows, started=started,
        marks=services.attendance_map(offering), form=form, required=services.required_dates(offering),
        completed={completion.user_id for completion in services.completions_of(offering)},
    )
