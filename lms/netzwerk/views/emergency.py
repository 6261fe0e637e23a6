"""The emergency view ("Kinderschutz-Notfall in <Region>", public, for phones and paper) and the
keepers' pages for a region's emergency numbers."""
from flask import redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from lms.auth.models import Region, Role
from lms.auth.permissions import permitted, role_required
from lms.confirmation import Confirmation, ask, is_confirmed
from lms.db import utcnow
from lms.extensions import db
from lms.forms import ActionForm
from lms.i18n import _
from lms.netzwerk import queries, services, upkeep
from lms.netzwerk.forms import EmergencyNumberForm
from lms.netzwerk.hours import lines
from lms.netzwerk.models import KEEPER_ROLES, EmergencyNumber, keeps_region
from lms.netzwerk.views import PER_PAGE, bp, own_regions
from lms.submit import submit


@bp.get("/notfall")
def choose_region():
    return render_template("netzwerk/choose_region.html", regions=queries.regions())


@bp.get("/notfall/<int:region_id>")
def emergency(region_id: int):
    """Public: whoever needs the numbers at 17:00 may not have an account, or not at hand."""
    region = db.get_or_404(Region, region_id)
    now = utcnow()
    return render_template("netzwerk/emergency.html", page=queries.emergency_page(region, now=now), now=now,
                           regions=queries.regions(), lines=lines, can_keep=keeps_region(current_user, region.id))



@bp.get("/netzwerk/notrufnummern")
@role_required(*KEEPER_ROLES)
def numbers():
    regions = own_regions()
    chosen = request.args.get("region", type=int)
    region_id = chosen if chosen in {region.id for region in regions} else None
    if not current_user.has_role(Role.ADMIN):
        region_id = regions[0].id if regions else -1
    page = db.paginate(queries.numbers_query(region_id=region_id), per_page=PER_PAGE, error_out=False)
    return render_template("netzwerk/numbers.html", page=page, regions=regions, region_id=region_id, lines=lines,
                           action_form=ActionForm())


def _form(number: EmergencyNumber | None) -> EmergencyNumberForm:
    form = EmergencyNumberForm(obj=number) if request.method == "GET" and number else EmergencyNumberForm()
    form.region_id.choices = [SelectChoice(region.id, region.name) for region in own_regions()]
    if request.method == "GET":
        if number:
            form.hours.data = "\n".join(lines(number.windows))
        elif current_user.region_id:
            form.region_id.data = current_user.region_id
    return form


def _save(form: EmergencyNumberForm, number: EmergencyNumber | None):
    if form.validate_on_submit():
        outcome = submit(lambda: services.save_number(current_user, number, form.to_input(), now=utcnow()), form=form,
                         success=_("Die Nummer ist gespeichert und als bestätigt vermerkt."))
        if outcome:
            return redirect(url_for("netzwerk.emergency", region_id=outcome.value.region_id))
    return render_template("netzwerk/number_form.html", form=form, number=number,
                           action_form=ActionForm()), 422 if form.errors or form.form_errors else 200


@bp.route("/netzwerk/notrufnummern/neu", methods=["GET", "POST"])
@role_required(*KEEPER_ROLES)
def new_number():
    return _save(_form(None), None)


@bp.route("/netzwerk/notrufnummern/<int:number_id>", methods=["GET", "POST"])
@role_required(*KEEPER_ROLES)
def edit_number(number_id: int):
    """Correct a number (saving confirms it); the link in the confirmation mail leads here."""
    number = permitted(EmergencyNumber, number_id, EmergencyNumber.can_edit)
    return _save(_form(number), number)


@bp.post("/netzwerk/notrufnummern/<int:number_id>/bestaetigen")
@role_required(*KEEPER_ROLES)
def confirm_number(number_id: int):
    number = permitted(EmergencyNumber, number_id, EmergencyNumber.can_edit)
    if ActionForm().validate_on_submit():
        submit(lambda: upkeep.confirm(current_user, number, now=utcnow()),
               success=_("„%(name)s“ ist als bestätigt vermerkt.", name=number.name))
    return redirect(request.form.get("next") == "list" and url_for("netzwerk.numbers")
                    or url_for("netzwerk.edit_number", number_id=number.id))


@bp.post("/netzwerk/notrufnummern/<int:number_id>/loeschen")
@role_required(*KEEPER_ROLES)
def delete_number(number_id: int):
    number = permitted(EmergencyNumber, number_id, EmergencyNumber.can_edit)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("netzwerk.edit_number", number_id=number.id))
    if not is_confirmed():
        return ask(Confirmation(
            title=_("Wirklich die Nummer löschen?"), subject=f"{number.name}, {number.phone}",
            button=_("Nummer löschen"), cancel_url=url_for("netzwerk.edit_number", number_id=number.id),
            consequences=[_("Die Nummer verschwindet aus der Notfallansicht von %(region)s.",
                            region=number.region.name),
                          _("Das lässt sich nicht rückgängig machen.")]))
    region_id = number.region_id
    submit(lambda: services.delete_number(current_user, number), success=_("Die Nummer wurde gelöscht."))
    return redirect(url_for("netzwerk.numbers", region=region_id))
