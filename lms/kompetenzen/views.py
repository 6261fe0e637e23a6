"""The competence profile, self-assessment, confirmations and module mappings."""
import json

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from lms.auth.models import Role, User
from lms.auth.permissions import permitted, role_required
from lms.auth.services import all_regions, find_user_by_email
from lms.confirmation import Confirmation, ask, is_confirmed
from lms.db import utcnow
from lms.extensions import db
from lms.forms import ActionForm
from lms.i18n import _
from lms.instrumente.models import Instrument
from lms.kompetenzen import services, startpage
from lms.kompetenzen.chart import area_chart
from lms.kompetenzen.forms import CompetenceForm, ConfirmationForm, NewCompetenceForm, NoteForm, SelfAssessmentForm
from lms.kompetenzen.models import LEVEL_LABELS, LEVELS, Competence, CompetenceArea, FrameworkVersion
from lms.kompetenzen.record import record_data, record_pdf
from lms.module.models import Module
from lms.module.services import completions_for
from lms.startpage import register_section_provider
from lms.submit import submit

bp = Blueprint("kompetenzen", __name__)


@bp.record_once
def _register_start_sections(state) -> None:
    register_section_provider(state.app, startpage.sections)


def _profile_page(person: User, *, own: bool):
    now = utcnow()
    summaries = services.profile(person, now=now)
    gap_rows = services.gaps(summaries)
    chart = area_chart(
        summaries, title=_("Soll und Ist je Kompetenzbereich"),
        description=_("Balkendiagramm: durchschnittliche Soll- und Ist-Stufe je Bereich; die Tabelle daneben enthält dieselben Werte."),
        target_label=_("Soll"), current_label=_("Ist"))
    return render_template(
        "kompetenzen/profile.html", person=person, own=own, summaries=summaries, gaps=gap_rows,
        recommendations=services.recommendations(person, gap_rows, now=now), chart=chart,
        instruments=services.recommended_instruments(person, gap_rows),
        dimensions=services.dimension_summary(summaries), history=services.evidence_of(person)[:50],
        levels=LEVEL_LABELS, now=now, action_form=ActionForm(),
        form=SelfAssessmentForm(competences=services.competences()) if own else None,
    )


@bp.get("/kompetenzen")
@role_required(Role.COORDINATOR)
def my_profile():
    return _profile_page(current_user, own=True)


@bp.get("/kompetenzen/personen/<int:user_id>")
@role_required(Role.ADMIN)
def person_profile(user_id: int):
    return _profile_page(db.get_or_404(User, user_id), own=False)


def _record(person: User) -> dict:
    now = utcnow()
    return record_data(person, completions_for(person), services.profile(person, now=now), now=now)


@bp.get("/kompetenzen/nachweis.<any(json, pdf):kind>")
@role_required(Role.COORDINATOR)
def my_record(kind: str):
    return _record_response(current_user, kind)


@bp.get("/kompetenzen/personen/<int:user_id>/nachweis.<any(json, pdf):kind>")
@role_required(Role.ADMIN)
def person_record(user_id: int, kind: str):
    return _record_response(db.get_or_404(User, user_id), kind)


def _record_response(person: User, kind: str) -> Response:
    data = _record(person)
    if kind == "json":
        return Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json",
                        headers={"Content-Disposition": 'attachment; filename="qualifizierungsnachweis.json"'})
    return Response(record_pdf(data, issuer=current_app.config["CERTIFICATE_ISSUER"]), mimetype="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="qualifizierungsnachweis.pdf"'})


@bp.get("/kompetenzen/uebersicht")
@role_required(Role.ADMIN)
def overview():
    regions, uncovered = services.region_overview(now=utcnow())
    return render_template("kompetenzen/overview.html", regions=regions, uncovered=uncovered,
                           competences=services.competences())


@bp.post("/kompetenzen/selbsteinschaetzung")
@role_required(Role.COORDINATOR)
def self_assessment():
    form = SelfAssessmentForm(competences=services.competences())
    if form.validate_on_submit():
        competence = db.get_or_404(Competence, form.competence.data)
        submit(lambda: services.self_assess(current_user, current_user, competence, level=form.level.data,
                                            comment=form.comment.data or "", now=utcnow()),
               success=_("Ihre Selbsteinschätzung wurde gespeichert."))
    else:
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("kompetenzen.my_profile"))


@bp.route("/kompetenzen/bestaetigungen", methods=["GET", "POST"])
@role_required(Role.ADMIN, Role.TRAINER)
def confirmations():
    form = ConfirmationForm(competences=services.competences())
    if form.validate_on_submit():
        person = find_user_by_email(form.email.data)
        competence = db.session.get(Competence, form.competence.data)
        if person is None or not person.is_active:
            form.email.errors.append(_("Unter dieser E-Mail-Adresse gibt es kein aktives Konto."))
        elif submit(lambda: services.confirm(current_user, person, competence, level=form.level.data,
                                             comment=form.comment.data or "", now=utcnow()),
                    form=form, success=_("Die Bestätigung für %(name)s wurde gespeichert.", name=person.name)):
            return redirect(url_for("kompetenzen.confirmations"))
    return render_template("kompetenzen/confirmations.html", form=form,
                           given=services.confirmations_given_by(current_user)), 422 if form.errors else 200


@bp.route("/kompetenzen/module/<int:module_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN, Role.TRAINER)
def module_mapping(module_id: int):
    module = permitted(Module, module_id, Module.can_edit)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            levels = {int(key[2:]): int(value) for key, value in request.form.items()
                      if key.startswith("c-") and value not in ("", "0")}
        except ValueError:
            abort(400)
        if submit(lambda: services.map_module(current_user, module, levels),
                  success=_("Die Kompetenzen des Moduls wurden gespeichert.")):
            return redirect(url_for("module.edit_module", module_id=module.id))
    current = {row.competence_id: row.level for row in services.module_mapping(module)}
    return render_template("kompetenzen/module_mapping.html", module=module, competences=services.competences(),
                           current=current, levels=LEVELS, form=form)


def module_panel(module: Module) -> list[tuple[str, str]]:
    """For the module page: the competences the module builds, as (label, detail)."""
    return [(f"{row.competence.code} {row.competence.label}", _("bis Stufe %(level)d", level=row.level))
            for row in services.module_mapping(module)]


# --- framework, targets and instrument links (admins; trainers for instruments) ---------------

def _new_competence_form(area_id: int) -> NewCompetenceForm:
    """Each area's form has its own field names, so that labels, hints and errors belong to one area."""
    return NewCompetenceForm(prefix=f"bereich{area_id}")


def _framework_page(failed: NewCompetenceForm | None = None, failed_area_id: int | None = None):
    areas = db.session.scalars(select(CompetenceArea).order_by(CompetenceArea.position)).unique().all()
    versions = db.session.scalars(select(FrameworkVersion).order_by(FrameworkVersion.number.desc())).all()
    new_forms = {area.id: failed if area.id == failed_area_id else _new_competence_form(area.id) for area in areas}
    return render_template("kompetenzen/framework.html", areas=areas, versions=versions,
                           new_forms=new_forms, note_form=NoteForm())


@bp.get("/kompetenzen/rahmen")
@role_required(Role.ADMIN)
def framework():
    return _framework_page()


@bp.route("/kompetenzen/rahmen/<int:competence_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_competence(competence_id: int):
    competence = db.get_or_404(Competence, competence_id)
    form = CompetenceForm(obj=competence)
    if request.method == "GET":
        form.note.data = ""
    if form.validate_on_submit() and submit(
            lambda: services.edit_competence(current_user, competence, name=form.name.data,
                                             dimension=form.dimension.data, descriptors=form.descriptors,
                                             validity_months=form.validity_months.data, note=form.note.data,
                                             now=utcnow()),
            form=form, success=_("Der Kompetenzrahmen wurde geändert (neue Version).")):
        return redirect(url_for("kompetenzen.framework"))
    return render_template("kompetenzen/competence_form.html", form=form, competence=competence), \
        422 if form.errors else 200


@bp.post("/kompetenzen/rahmen/bereiche/<int:area_id>/kompetenzen")
@role_required(Role.ADMIN)
def add_competence(area_id: int):
    area = db.get_or_404(CompetenceArea, area_id)
    form = _new_competence_form(area.id)
    if form.validate_on_submit() and submit(
            lambda: services.add_competence(current_user, area, code=form.code.data, name=form.name.data,
                                            dimension=form.dimension.data, descriptors=form.descriptors,
                                            target=form.target.data, note=form.note.data, now=utcnow()),
            form=form, success=_("Die Kompetenz wurde aufgenommen (neue Version).")):
        return redirect(url_for("kompetenzen.framework"))
    return _framework_page(failed=form, failed_area_id=area.id), 422


@bp.post("/kompetenzen/rahmen/<int:competence_id>/<any(auslaufen, loeschen):action>")
@role_required(Role.ADMIN)
def end_competence(competence_id: int, action: str):
    competence = db.get_or_404(Competence, competence_id)
    form = NoteForm()
    if not form.validate_on_submit():
        flash(_("Bitte beschreiben Sie die Änderung des Kompetenzrahmens."), "error")
        return redirect(url_for("kompetenzen.framework"))
    if competence.is_current and not is_confirmed():
        retire = action == "auslaufen"
        return ask(Confirmation(
            title=_("Wirklich die Kompetenz auslaufen lassen?") if retire else _("Wirklich die Kompetenz löschen?"),
            subject=f"{competence.code} {competence.label}", button=_("Auslaufen lassen") if retire else _("Löschen"),
            cancel_url=url_for("kompetenzen.framework"), quoted=form.note.data,
            quoted_label=_("Begründung der Änderung"), consequences=[
                _("Der Kompetenzrahmen erhält eine neue Version mit Ihrer Begründung."),
                _("Die Kompetenz nimmt nichts Neues mehr auf; vorhandene Nachweise bleiben in den Profilen.")
                if retire else _("Die Kompetenz wird mit ihren Zuordnungen und Sollstufen entfernt; das geht nur, "
                                 "solange es keine Nachweise für sie gibt."),
                _("Das lässt sich nicht rückgängig machen."),
            ]))
    change = services.retire_competence if action == "auslaufen" else services.remove_competence
    submit(lambda: change(current_user, competence, note=form.note.data, now=utcnow()),
           success=_("Der Kompetenzrahmen wurde geändert (neue Version)."))
    return redirect(url_for("kompetenzen.framework"))


@bp.route("/kompetenzen/soll", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def targets():
    regions = all_regions()
    region_id = request.values.get("region", type=int)
    if region_id is not None and region_id not in {r.id for r in regions}:
        abort(404)
    form = ActionForm()
    now = utcnow()

    def save():
        for competence in services.competences():
            raw = request.form.get(f"t-{competence.id}", "")
            services.set_target(current_user, competence, level=int(raw) if raw.isdigit() else None,
                                region_id=region_id, now=now)

    if form.validate_on_submit() and submit(save, success=_("Die Sollstufen wurden gespeichert.")):
        return redirect(url_for("kompetenzen.targets", region=region_id))
    return render_template("kompetenzen/targets.html", competences=services.competences(), regions=regions,
                           region_id=region_id, general=services.target_table(None),
                           overrides=services.target_table(region_id) if region_id else {}, levels=LEVELS, form=form)


@bp.route("/kompetenzen/instrumente/<int:instrument_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN, Role.TRAINER)
def instrument_links(instrument_id: int):
    instrument = permitted(Instrument, instrument_id, Instrument.is_editor)
    form = ActionForm()
    def save():
        for competence in services.competences():
            raw = request.form.get(f"c-{competence.id}", "0")
            services.link_instrument(current_user, instrument, competence,
                                     level=int(raw) if raw.isdigit() and raw != "0" else None)

    if form.validate_on_submit() and submit(save, success=_("Die Verknüpfungen wurden gespeichert.")):
        return redirect(url_for("instrumente.detail", instrument_id=instrument.id))
    return render_template("kompetenzen/instrument_links.html", instrument=instrument,
                           competences=services.competences(), current=services.instrument_links(instrument),
                           levels=LEVELS, form=form)
