"""The offering form: creating, editing, opening and cancelling an offering."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from lms.auth.models import Role
from lms.auth.permissions import permitted, role_required
from lms.auth.queries import trainer_candidates
from lms.auth.services import all_regions
from lms.confirmation import Confirmation, ask, is_confirmed
from lms.forms import ActionForm, ReasonForm, searching
from lms.i18n import _, ngettext
from lms.module import queries, services
from lms.module.forms import OfferingForm
from lms.module.models import MANAGER_ROLES, Module, Offering, OfferingState
from lms.module.views import _managed_offering, _offering_line, bp, clock
from lms.submit import submit


def _offering_form(offering: Offering | None = None) -> OfferingForm:
    form = OfferingForm(regions=all_regions())
    if request.method == "GET":
        if offering is not None:
            form.fill_from(offering)
        elif current_user.has_role(Role.TRAINER):
            form.trainers.data = [current_user.id]
    form.trainers.offer(trainer_candidates())
    return form


@bp.route("/qualifizierung/verwaltung/module/<int:module_id>/durchfuehrungen/neu", methods=["GET", "POST"])
@role_required(*MANAGER_ROLES)
def new_offering(module_id: int):
    module = permitted(Module, module_id, Module.can_edit)
    form = _offering_form()
    if form.add_date.data:  # "Weiteren Termin hinzufügen": the same form with one more row, nothing saved
        form.add_row()
    elif searching(form):  # a trainer searched for: the same form with the matches, nothing saved
        pass
    elif form.validate_on_submit() and (outcome := submit(
            lambda: services.create_offering(current_user, module, form.to_input(),
                                             open_registration=form.open_now.data, now=clock()),
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
    elif searching(form):
        pass
    elif form.validate_on_submit() and submit(
            lambda: services.update_offering(current_user, offering, form.to_input(), now=clock()), form=form,
            success=_("Die Durchführung wurde gespeichert.")):
        return redirect(url_for("module.participants", offering_id=offering.id))
    return render_template("module/offering_form.html", form=form, module=offering.module, offering=offering,
                           cancel_form=ReasonForm(prefix="cancel")), 422 if form.errors else 200


@bp.post("/qualifizierung/verwaltung/angebote/<int:offering_id>/oeffnen")
@role_required(*MANAGER_ROLES)
def open_offering(offering_id: int):
    offering = _managed_offering(offering_id)
    if ActionForm().validate_on_submit():
        submit(lambda: services.open_registration(current_user, offering, now=clock()),
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
    submit(lambda: services.cancel_offering(current_user, offering, reason=form.reason.data, now=clock()),
           success=_("Die Durchführung wurde abgesagt. Alle mit Platz, auf der Warteliste oder mit Anfrage werden "
                     "benachrichtigt."))
    return redirect(url_for("module.participants", offering_id=offering.id))
