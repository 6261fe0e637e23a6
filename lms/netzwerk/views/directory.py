"""The directory of institutions with their binding contacts (each contact field shown by its own
visibility, `Institution.shows`), and the keepers' forms for both."""
from flask import redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from lms.auth.models import SECTOR_LABELS
from lms.auth.permissions import permitted, role_required, visible_or_404
from lms.confirmation import Confirmation, ask, is_confirmed
from lms.db import utcnow
from lms.extensions import db
from lms.forms import ActionForm
from lms.i18n import _
from lms.netzwerk import directory as directory_services
from lms.netzwerk import queries, upkeep
from lms.netzwerk.forms import ContactForm, InstitutionForm
from lms.netzwerk.models import (
    INSTITUTION_KIND_LABELS,
    KEEPER_ROLES,
    VISIBILITY_LABELS,
    BindingContact,
    Institution,
)
from lms.netzwerk.views import PER_PAGE, bp
from lms.submit import submit


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
    bound = [agreement for agreement in queries.agreements_of(found.id) if agreement.can_view(current_user)] \
        if current_user.is_authenticated else []
    return render_template("netzwerk/institution.html", institution=found, action_form=ActionForm(),
                           can_edit=found.can_edit(current_user), labels=VISIBILITY_LABELS, agreements=bound,
                           today=utcnow().date())


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
