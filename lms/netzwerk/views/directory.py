"""The directory of institutions with their binding contacts (each contact field shown by its own
visibility, `Institution.shows`), and the keepers' forms for both."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from lms.auth.models import SECTOR_LABELS
from lms.auth.permissions import permitted, require, role_required, visible_or_404
from lms.confirmation import Confirmation, ask, is_confirmed
from lms.db import utcnow
from lms.errors import Conflict
from lms.extensions import db
from lms.forms import ActionForm, ReasonForm
from lms.i18n import _
from lms.ical import berlin_today
from lms.netzwerk import directory as directory_services
from lms.netzwerk import proposals as proposal_services
from lms.netzwerk import queries, upkeep
from lms.netzwerk.forms import (
    PROPOSED_FIELD_LABELS,
    ContactForm,
    InstitutionForm,
    MemberForm,
    ProposalForm,
    decline_form,
)
from lms.netzwerk.map import network_map as draw_map
from lms.netzwerk.models import (
    INSTITUTION_KIND_LABELS,
    KEEPER_ROLES,
    VISIBILITY_LABELS,
    BindingContact,
    Institution,
    InstitutionProposal,
)
from lms.netzwerk.views import PER_PAGE, bp, choose_region
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
    return _institution_page(visible_or_404(Institution, institution_id))


def _institution_page(found: Institution, *, member_form: MemberForm | None = None,
                      refused: tuple[int, ReasonForm] | None = None, status: int = 200):
    """The institution's page; its keepers also see its people and the proposals waiting for them
    (*refused*: a proposal's id and its decline form that came back with an error)."""
    can_edit = found.can_edit(current_user)
    proposals = proposal_services.open_proposals(found.id) if can_edit else []
    bound = [agreement for agreement in queries.agreements_of(found.id) if agreement.can_view(current_user)] \
        if current_user.is_authenticated else []
    return render_template(
        "netzwerk/institution.html", institution=found, action_form=ActionForm(), can_edit=can_edit,
        labels=VISIBILITY_LABELS, agreements=bound, today=berlin_today(),
        may_propose=proposal_services.may_propose(current_user, found),
        proposals=[(proposal, refused[1] if refused and refused[0] == proposal.id else decline_form(proposal.id))
                   for proposal in proposals],
        field_labels=PROPOSED_FIELD_LABELS, member_form=member_form or MemberForm()), status


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


# --- the institution's people and their proposals ---------------------------------------------------

@bp.post("/netzwerk/einrichtungen/<int:institution_id>/personen")
@role_required(*KEEPER_ROLES)
def add_member(institution_id: int):
    found = permitted(Institution, institution_id, Institution.can_edit)
    form = MemberForm()
    if form.validate_on_submit():
        outcome = submit(lambda: directory_services.add_member(current_user, found, form.email.data,
                                                               follow=form.follow.data),
                         form=form, lost_race=Conflict(_("Die Person gehört inzwischen schon dazu.")))
        if outcome:
            flash(_("%(name)s gehört jetzt zu %(institution)s.", name=outcome.value.name, institution=found.name),
                  "success")
            return redirect(url_for("netzwerk.institution", institution_id=found.id) + "#personen")
    return _institution_page(found, member_form=form, status=422)


@bp.post("/netzwerk/einrichtungen/<int:institution_id>/personen/<int:user_id>/entfernen")
@role_required(*KEEPER_ROLES)
def remove_member(institution_id: int, user_id: int):
    found = permitted(Institution, institution_id, Institution.can_edit)
    person = next((member for member in found.members if member.id == user_id), None)
    if person is None:
        abort(404)
    if ActionForm().validate_on_submit():
        submit(lambda: directory_services.remove_member(current_user, found, person),
               success=_("%(name)s gehört nicht mehr zu %(institution)s.", name=person.name, institution=found.name))
    return redirect(url_for("netzwerk.institution", institution_id=found.id) + "#personen")


@bp.route("/netzwerk/einrichtungen/<int:institution_id>/vorschlag", methods=["GET", "POST"])
@login_required
def propose(institution_id: int):
    """The institution's own people propose a change; everybody else gets 403 (404 if they cannot see it)."""
    found = visible_or_404(Institution, institution_id)
    require(proposal_services.may_propose(current_user, found))
    form = ProposalForm(obj=found) if request.method == "GET" else ProposalForm()
    if form.validate_on_submit():
        outcome = submit(lambda: proposal_services.propose(current_user, found, form.to_input(), now=utcnow()),
                         form=form, success=_("Ihr Vorschlag ist bei der Koordination. Sie bekommen eine E-Mail, "
                                              "sobald darüber entschieden ist."))
        if outcome:
            return redirect(url_for("netzwerk.institution", institution_id=found.id))
    return render_template("netzwerk/proposal_form.html", form=form, institution=found), \
        422 if form.errors or form.form_errors else 200


def _proposal(proposal_id: int) -> InstitutionProposal:
    proposal = db.get_or_404(InstitutionProposal, proposal_id)
    require(proposal.institution.can_edit(current_user))
    return proposal


@bp.post("/netzwerk/vorschlaege/<int:proposal_id>/uebernehmen")
@role_required(*KEEPER_ROLES)
def accept_proposal(proposal_id: int):
    proposal = _proposal(proposal_id)
    if ActionForm().validate_on_submit():
        submit(lambda: proposal_services.accept(current_user, proposal, now=utcnow()),
               success=_("Der Vorschlag ist übernommen und die Einrichtung als bestätigt vermerkt."))
    return redirect(url_for("netzwerk.institution", institution_id=proposal.institution_id))


@bp.post("/netzwerk/vorschlaege/<int:proposal_id>/ablehnen")
@role_required(*KEEPER_ROLES)
def decline_proposal(proposal_id: int):
    proposal = _proposal(proposal_id)
    form = decline_form(proposal.id)
    if form.validate_on_submit():
        outcome = submit(lambda: proposal_services.decline(current_user, proposal, reason=form.reason.data,
                                                           now=utcnow()),
                         form=form, success=_("Der Vorschlag ist abgelehnt; die Person bekommt Ihre Begründung."),
                         view_handles=Conflict)
        if outcome or isinstance(outcome.error, Conflict):  # decided by someone else meanwhile: no form to show
            if outcome.error:
                flash(outcome.error.message, "error")
            return redirect(url_for("netzwerk.institution", institution_id=proposal.institution_id))
    return _institution_page(proposal.institution, refused=(proposal.id, form), status=422)


# --- the Netzwerkkarte -----------------------------------------------------------------------------

MAP_NAMES_PER_SECTOR = 10


@bp.get("/netzwerk/karte")
@login_required
def network_map():
    """A region's institutions by sector and which an agreement in force binds; for everyone signed
    in (which partner is bound is network knowledge, not public)."""
    regions = queries.regions()
    region = choose_region(regions, request.args.get("region", type=int))
    if region is None:
        abort(404)
    today = berlin_today()
    coverage = queries.sector_coverage(region.id, today=today)
    picture = draw_map(
        coverage, title=_("Netzwerkkarte %(region)s", region=region.name),
        description=_("Das Jugendamt in der Mitte, ringsum die Sektoren mit der Zahl ihrer Einrichtungen. Eine "
                      "durchgezogene Linie: mindestens eine Einrichtung ist durch eine geltende Vereinbarung "
                      "gebunden; gestrichelt: Partner ohne Vereinbarung; grau: noch kein Partner. Die Tabelle "
                      "unter der Karte nennt dieselben Zahlen."),
        hub_label=_("Jugendamt\nKoordination"), no_partner=_("noch kein Partner"),
        figures=lambda row: _("%(bound)d von %(count)d gebunden", bound=row.bound, count=row.institutions))
    return render_template("netzwerk/map.html", region=region, regions=regions, coverage=coverage, picture=picture,
                           names=queries.first_of_each_sector(region.id, today=today, per_sector=MAP_NAMES_PER_SECTOR))
