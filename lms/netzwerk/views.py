"""The emergency view ("Kinderschutz-Notfall in <Region>", public, for phones and paper), the
keepers' pages for a region's emergency numbers, and the directory of institutions with their
binding contacts (each contact field shown by its own visibility, `Institution.shows`)."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from lms.auth.models import SECTOR_LABELS, Region, Role
from lms.auth.permissions import permitted, role_required, visible_or_404
from lms.confirmation import Confirmation, ask, is_confirmed
from lms.db import utcnow
from lms.extensions import db
from lms.forms import ActionForm
from lms.i18n import _
from lms.netzwerk import directory as directory_services
from lms.netzwerk import queries, services, upkeep
from lms.netzwerk.forms import ContactForm, EmergencyNumberForm, InstitutionForm
from lms.netzwerk.hours import lines
from lms.netzwerk.models import (
    INSTITUTION_KIND_LABELS,
    KEEPER_ROLES,
    VISIBILITY_LABELS,
    BindingContact,
    EmergencyNumber,
    Institution,
)
from lms.submit import submit

bp = Blueprint("netzwerk", __name__)
PER_PAGE = 25


@bp.app_template_global()
def emergency_url() -> str:
    """The header links the emergency view on every page: the own region's at once, else the choice."""
    region_id = current_user.region_id if current_user and current_user.is_authenticated else None
    if region_id:
        return url_for("netzwerk.emergency", region_id=region_id)
    return url_for("netzwerk.choose_region")


@bp.app_template_global()
def unconfirmed(entry) -> bool:
    """Shown as "nicht bestätigt": its owner did not confirm it in the grace after the reminder."""
    after, grace = upkeep.confirm_periods()
    return entry.is_unconfirmed(utcnow(), after=after, grace=grace)


@bp.app_template_global()
def confirmation_due(entry) -> bool:
    """Old enough that its keepers are offered "Stimmt noch" beside it."""
    return entry.is_due(utcnow(), after=upkeep.confirm_periods()[0])


@bp.get("/notfall")
def choose_region():
    return render_template("netzwerk/choose_region.html", regions=queries.regions())


@bp.get("/notfall/<int:region_id>")
def emergency(region_id: int):
    """Public: whoever needs the numbers at 17:00 may not have an account, or not at hand."""
    region = db.get_or_404(Region, region_id)
    now = utcnow()
    return render_template("netzwerk/emergency.html", page=queries.emergency_page(region, now=now), now=now,
                           regions=queries.regions(), lines=lines, can_keep=services.may_keep(current_user, region.id))


def _own_regions() -> list[Region]:
    if current_user.has_role(Role.ADMIN):
        return queries.regions()
    return [current_user.region] if current_user.region else []


@bp.get("/netzwerk/notrufnummern")
@role_required(*KEEPER_ROLES)
def numbers():
    regions = _own_regions()
    chosen = request.args.get("region", type=int)
    region_id = chosen if chosen in {region.id for region in regions} else None
    if not current_user.has_role(Role.ADMIN):
        region_id = regions[0].id if regions else -1
    page = db.paginate(queries.numbers_query(region_id=region_id), per_page=PER_PAGE, error_out=False)
    return render_template("netzwerk/numbers.html", page=page, regions=regions, region_id=region_id, lines=lines,
                           action_form=ActionForm())


def _form(number: EmergencyNumber | None) -> EmergencyNumberForm:
    form = EmergencyNumberForm(obj=number) if request.method == "GET" and number else EmergencyNumberForm()
    form.region_id.choices = [SelectChoice(region.id, region.name) for region in _own_regions()]
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


# --- the directory -----------------------------------------------------------------------------

@bp.get("/netzwerk")
def directory():
    """Institutions by name, searchable and filtered by sector, kind and region; visitors see the public ones."""
    args = request.args
    filters = queries.DirectoryFilter(
        q=args.get("q", "")[:200], sector=args.get("sektor", "") if args.get("sektor") in SECTOR_LABELS else "",
        kind=args.get("art", "") if args.get("art") in INSTITUTION_KIND_LABELS else "",
        region_id=args.get("region", type=int))
    page = db.paginate(queries.directory_query(filters, signed_in=current_user.is_authenticated), per_page=PER_PAGE,
                       error_out=False)
    return render_template("netzwerk/directory.html", page=page, filters=filters,
                           region_options=[(region.id, region.name) for region in queries.regions()],
                           sectors=SECTOR_LABELS, kinds=INSTITUTION_KIND_LABELS,
                           can_create=directory_services.may_create(current_user))


@bp.get("/netzwerk/einrichtungen/<int:institution_id>")
def institution(institution_id: int):
    found = visible_or_404(Institution, institution_id)
    return render_template("netzwerk/institution.html", institution=found, action_form=ActionForm(),
                           can_edit=found.can_edit(current_user), labels=VISIBILITY_LABELS)


def _institution_form(institution: Institution | None) -> InstitutionForm:
    form = InstitutionForm(obj=institution) if request.method == "GET" and institution else InstitutionForm()
    form.region_ids.choices = [SelectChoice(region.id, region.name) for region in queries.regions()]
    if request.method == "GET":
        if institution:
            form.region_ids.data = [region.id for region in institution.regions]
        elif current_user.region_id:
            form.region_ids.data = [current_user.region_id]
    return form


def _save_institution(institution: Institution | None):
    form = _institution_form(institution)
    if form.validate_on_submit():
        outcome = submit(lambda: directory_services.save_institution(current_user, institution, form.to_input(),
                                                                     now=utcnow()),
                         form=form, success=_("Die Einrichtung ist gespeichert."))
        if outcome:
            return redirect(url_for("netzwerk.institution", institution_id=outcome.value.id))
    return render_template("netzwerk/institution_form.html", form=form, institution=institution,
                           action_form=ActionForm()), \
        422 if form.errors or form.form_errors else 200


@bp.route("/netzwerk/einrichtungen/neu", methods=["GET", "POST"])
@role_required(*KEEPER_ROLES)
def new_institution():
    return _save_institution(None)


@bp.route("/netzwerk/einrichtungen/<int:institution_id>/bearbeiten", methods=["GET", "POST"])
@role_required(*KEEPER_ROLES)
def edit_institution(institution_id: int):
    return _save_institution(permitted(Institution, institution_id, Institution.can_edit))


@bp.post("/netzwerk/einrichtungen/<int:institution_id>/bestaetigen")
@role_required(*KEEPER_ROLES)
def confirm_institution(institution_id: int):
    found = permitted(Institution, institution_id, Institution.can_edit)
    if ActionForm().validate_on_submit():
        submit(lambda: upkeep.confirm(current_user, found, now=utcnow()),
               success=_("Die Angaben zu „%(name)s“ sind als bestätigt vermerkt.", name=found.name))
    return redirect(url_for("netzwerk.institution", institution_id=found.id))


def _save_contact(institution: Institution, contact: BindingContact | None):
    form = ContactForm(obj=contact) if request.method == "GET" and contact else ContactForm()
    if form.validate_on_submit():
        outcome = submit(lambda: directory_services.save_contact(current_user, institution, contact, form.to_input(),
                                                                 now=utcnow()),
                         form=form, success=_("Die Ansprechperson ist gespeichert."))
        if outcome:
            return redirect(url_for("netzwerk.institution", institution_id=institution.id))
    return render_template("netzwerk/contact_form.html", form=form, institution=institution, contact=contact,
                           action_form=ActionForm()), 422 if form.errors or form.form_errors else 200


@bp.route("/netzwerk/einrichtungen/<int:institution_id>/ansprechpersonen/neu", methods=["GET", "POST"])
@role_required(*KEEPER_ROLES)
def new_contact(institution_id: int):
    return _save_contact(permitted(Institution, institution_id, Institution.can_edit), None)


def _contact(contact_id: int) -> BindingContact:
    return permitted(BindingContact, contact_id, BindingContact.can_edit)


@bp.route("/netzwerk/ansprechpersonen/<int:contact_id>", methods=["GET", "POST"])
@role_required(*KEEPER_ROLES)
def edit_contact(contact_id: int):
    contact = _contact(contact_id)
    return _save_contact(contact.institution, contact)


@bp.post("/netzwerk/ansprechpersonen/<int:contact_id>/bestaetigen")
@role_required(*KEEPER_ROLES)
def confirm_contact(contact_id: int):
    contact = _contact(contact_id)
    if ActionForm().validate_on_submit():
        submit(lambda: upkeep.confirm(current_user, contact, now=utcnow()),
               success=_("„%(topic)s: %(name)s“ ist als bestätigt vermerkt.", topic=contact.topic, name=contact.name))
    return redirect(url_for("netzwerk.institution", institution_id=contact.institution_id))


@bp.post("/netzwerk/ansprechpersonen/<int:contact_id>/loeschen")
@role_required(*KEEPER_ROLES)
def delete_contact(contact_id: int):
    contact = _contact(contact_id)
    institution_id = contact.institution_id
    if not ActionForm().validate_on_submit():
        return redirect(url_for("netzwerk.edit_contact", contact_id=contact.id))
    if not is_confirmed():
        return ask(Confirmation(
            title=_("Wirklich die Ansprechperson entfernen?"), subject=f"{contact.topic}: {contact.name}",
            button=_("Ansprechperson entfernen"), cancel_url=url_for("netzwerk.edit_contact", contact_id=contact.id),
            consequences=[_("Sie verschwindet von der Seite von %(name)s.", name=contact.institution.name),
                          _("Das lässt sich nicht rückgängig machen.")]))
    submit(lambda: directory_services.delete_contact(current_user, contact),
           success=_("Die Ansprechperson wurde entfernt."))
    return redirect(url_for("netzwerk.institution", institution_id=institution_id))
