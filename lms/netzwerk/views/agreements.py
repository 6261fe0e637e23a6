"""Cooperation agreements: the register per region (for its keepers), an agreement's page (also for
the people of its parties), the keepers' form, state moves, signatures and files.

An agreement's region is fixed when it is made: a coordinator's own region, for admins the region
chosen in the register (`?region=`). The parties offered are the institutions serving that region,
and the ones already bound."""

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from lms.auth.models import Region
from lms.auth.permissions import require, role_required, visible_or_404
from lms.confirmation import Confirmation, ask, is_confirmed
from lms.db import utcnow
from lms.errors import Conflict
from lms.extensions import db
from lms.forms import ActionForm, searching
from lms.i18n import _, _l
from lms.ical import BERLIN, berlin_today
from lms.instrumente.models import Kind
from lms.instrumente.queries import published_of_kind
from lms.instrumente.services.files import Upload
from lms.netzwerk import agreements as services
from lms.netzwerk import queries
from lms.netzwerk.forms import AgreementFileForm, AgreementForm, signatures_form
from lms.netzwerk.models import (
    AGREEMENT_MOVES,
    AGREEMENT_STATE_LABELS,
    KEEPER_ROLES,
    Agreement,
    AgreementFile,
    AgreementState,
)
from lms.netzwerk.views import PER_PAGE, bp, choose_region, download, own_regions
from lms.submit import submit

# What the button that moves an agreement into a state says.
MOVE_LABELS = {
    AgreementState.DRAFT: _l("Zurück zum Entwurf"),
    AgreementState.CONSULTATION: _l("In Abstimmung geben"),
    AgreementState.SIGNED: _l("Als unterzeichnet vermerken"),
    AgreementState.TERMINATED: _l("Als gekündigt vermerken"),
}


def _move_label(start: str, to: str):
    if start == AgreementState.SIGNED and to == AgreementState.CONSULTATION:
        return _l("Neue Fassung abstimmen")
    return MOVE_LABELS[to]


def _region(region_id: int | None) -> Region | None:
    """The region of the register or a new agreement: one the keeper keeps, her own by default."""
    return choose_region(own_regions(), region_id)


@bp.get("/netzwerk/vereinbarungen")
@role_required(*KEEPER_ROLES)
def agreements():
    region = _region(request.args.get("region", type=int))
    if region is None:
        return render_template("netzwerk/agreements.html", region=None, regions=[])
    today = berlin_today()
    page = db.paginate(queries.agreements_query(region.id), per_page=PER_PAGE, error_out=False)
    return render_template(
        "netzwerk/agreements.html", region=region, regions=own_regions(), page=page, today=today,
        expiring=queries.expiring(region.id, today=today, days=services.notice_days()),
        coverage=queries.sector_coverage(region.id, today=today), notice_days=services.notice_days())


def _form(agreement: Agreement | None, region: Region) -> AgreementForm:
    form = AgreementForm(obj=agreement) if request.method == "GET" and agreement else AgreementForm()
    form.instrument_id.choices = [SelectChoice(0, _("Keine Vorlage"))] + [
        SelectChoice(instrument.id, instrument.title) for instrument in published_of_kind(Kind.AGREEMENT)]
    if request.method == "GET" and agreement:
        form.party_ids.data = services.agreement_party_ids(agreement)
        form.instrument_id.data = agreement.instrument_id or 0
    form.party_ids.offer(services.offered_parties(region.id, agreement))
    return form


def _save(agreement: Agreement | None, region: Region):
    form = _form(agreement, region)
    if not searching(form) and form.validate_on_submit():
        outcome = submit(lambda: services.save_agreement(current_user, agreement, form.to_input(region.id),
                                                         now=utcnow()),
                         form=form, success=_("Die Vereinbarung ist gespeichert."),
                         lost_race=Conflict(services.CHANGED_MEANWHILE))
        if outcome:
            return redirect(url_for("netzwerk.agreement", agreement_id=outcome.value.id))
    return render_template("netzwerk/agreement_form.html", form=form, agreement=agreement, region=region), \
        422 if form.errors or form.form_errors else 200


@bp.route("/netzwerk/vereinbarungen/neu", methods=["GET", "POST"])
@role_required(*KEEPER_ROLES)
def new_agreement():
    region = _region(request.args.get("region", type=int))
    if region is None:
        abort(403)
    return _save(None, region)


@bp.route("/netzwerk/vereinbarungen/<int:agreement_id>/bearbeiten", methods=["GET", "POST"])
@role_required(*KEEPER_ROLES)
def edit_agreement(agreement_id: int):
    agreement = _kept(agreement_id)
    return _save(agreement, agreement.region)


def _kept(agreement_id: int) -> Agreement:
    """An agreement its keeper changes: 404 for whoever may not see it, 403 for who sees but does not keep it."""
    agreement = visible_or_404(Agreement, agreement_id)
    require(agreement.can_edit(current_user))
    return agreement


def _page(agreement: Agreement, *, signatures=None, file_form=None, status: int = 200):
    today = berlin_today()
    can_edit = agreement.can_edit(current_user)
    moves = [(state, _move_label(agreement.state, state)) for state in AGREEMENT_MOVES[AgreementState(agreement.state)]] \
        if can_edit else []
    versions = agreement.versions
    review_on = agreement.review_due(versions[0].created_at.astimezone(BERLIN).date()) if versions else None
    return render_template(
        "netzwerk/agreement.html", agreement=agreement, today=today, can_edit=can_edit, moves=moves,
        versions=versions, review_on=review_on,
        action_form=ActionForm(),
        signatures=signatures or signatures_form(agreement.parties), file_form=file_form or AgreementFileForm(),
    ), status


@bp.get("/netzwerk/vereinbarungen/<int:agreement_id>")
def agreement(agreement_id: int):
    """Network-internal: its keepers and the people of its parties; 404 for everybody else."""
    return _page(visible_or_404(Agreement, agreement_id))


def _leaving_signed(agreement: Agreement, to: str) -> Confirmation:
    """Ending a signed agreement, or taking it back for a new version, is asked first."""
    if to == AgreementState.TERMINATED:
        title = _("Wirklich die Vereinbarung kündigen?")
        consequences = [_("Sie gilt ab heute nicht mehr; das lässt sich nicht rückgängig machen.")]
    else:
        title = _("Wirklich eine neue Fassung abstimmen?")
        consequences = [_("Die Unterschriften aller Partner werden entfernt: Sie galten der bisherigen Fassung."),
                        _("Bis alle erneut unterschreiben, ist die Vereinbarung „in Abstimmung“.")]
    return Confirmation(title=title, consequences=consequences, subject=agreement.title,
                        button=str(_move_label(agreement.state, to)),
                        cancel_url=url_for("netzwerk.agreement", agreement_id=agreement.id))


@bp.post("/netzwerk/vereinbarungen/<int:agreement_id>/status")
@role_required(*KEEPER_ROLES)
def move_agreement(agreement_id: int):
    agreement = _kept(agreement_id)
    to = request.form.get("to", "")
    if not ActionForm().validate_on_submit() or to not in MOVE_LABELS:
        return redirect(url_for("netzwerk.agreement", agreement_id=agreement.id))
    if agreement.state == AgreementState.SIGNED and not is_confirmed():  # signatures or validity end here
        return ask(_leaving_signed(agreement, to))
    now = utcnow()
    submit(lambda: services.move(current_user, agreement, to, today=berlin_today(now), now=now),
           success=_("Die Vereinbarung ist jetzt „%(state)s“.", state=AGREEMENT_STATE_LABELS[to]))
    return redirect(url_for("netzwerk.agreement", agreement_id=agreement.id))


@bp.post("/netzwerk/vereinbarungen/<int:agreement_id>/unterschriften")
@role_required(*KEEPER_ROLES)
def sign_agreement(agreement_id: int):
    agreement = _kept(agreement_id)
    form = signatures_form(agreement.parties)
    if form.validate_on_submit():
        signed = {party.institution_id: form[f"party_{party.institution_id}"].data for party in agreement.parties}
        errors: list = []
        now = utcnow()
        outcome = submit(lambda: services.record_signatures(current_user, agreement, signed, today=berlin_today(now),
                                                            now=now),
                         errors=errors, success=_("Die Unterschriften sind eingetragen."))
        if outcome:
            return redirect(url_for("netzwerk.agreement", agreement_id=agreement.id))
        form.form_errors.extend(errors)
    return _page(agreement, signatures=form, status=422)


@bp.post("/netzwerk/vereinbarungen/<int:agreement_id>/dateien")
@role_required(*KEEPER_ROLES)
def attach_file(agreement_id: int):
    agreement = _kept(agreement_id)
    form = AgreementFileForm()
    if form.validate_on_submit():
        upload = Upload(filename=form.file.data.filename or "", data=form.file.data.read())
        outcome = submit(lambda: services.attach_file(current_user, agreement, upload, now=utcnow()), form=form,
                         success=_("Die Datei ist an Fassung %(number)d angehängt.",
                                   number=agreement.versions[0].number))
        if outcome:
            return redirect(url_for("netzwerk.agreement", agreement_id=agreement.id))
    return _page(agreement, file_form=form, status=422)


@bp.get("/netzwerk/vereinbarungen/dateien/<int:file_id>")
def agreement_file(file_id: int):
    """A version's file, for whoever sees the agreement (404 for everybody else); never cached."""
    attached = db.get_or_404(AgreementFile, file_id)
    if not attached.version.agreement.can_view(current_user):
        abort(404)
    return download(attached.file, attached.filename)
