"""Writing: a new instrument, editing a draft or proposing a published one's new version, the work in progress."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from lms.auth.permissions import role_required
from lms.db import utcnow
from lms.extensions import db
from lms.i18n import _
from lms.instrumente import queries, services
from lms.instrumente.forms import InstrumentForm
from lms.instrumente.models import EDITOR_ROLES, REVIEWER_ROLES, InstrumentState
from lms.instrumente.views import PER_PAGE, _editable, bp
from lms.submit import submit as submit_action


def _save_form(form: InstrumentForm, action) -> tuple[bool, object]:
    """Run *action* (one service call) and commit; a refused file (at the file field) or rule becomes a form error."""
    outcome = submit_action(action, form=form)
    return bool(outcome), outcome.value


@bp.route("/instrumente/neu", methods=["GET", "POST"])
@role_required(*EDITOR_ROLES)
def new():
    form = InstrumentForm()
    if form.validate_on_submit():
        saved, instrument = _save_form(form, lambda: services.create_instrument(
            current_user, form.to_input(), upload=form.upload(), now=utcnow()))
        if saved:
            flash(_("Das Instrument wurde als Entwurf gespeichert."), "success")
            return redirect(url_for("instrumente.detail", instrument_id=instrument.id))
    return render_template("instrumente/form.html", form=form, instrument=None), 422 if form.errors else 200


@bp.route("/instrumente/<int:instrument_id>/bearbeiten", methods=["GET", "POST"])
@role_required(*EDITOR_ROLES)
def edit(instrument_id: int):
    """Edit a draft, or propose (or rework) the new version of a published instrument."""
    instrument = _editable(instrument_id)
    proposal = services.open_proposal(instrument) if instrument.state == InstrumentState.PUBLISHED else None
    if proposal is not None and not proposal.can_rework(current_user):
        flash(_("Von diesem Instrument liegt bereits eine neue Fassung von %(name)s vor. Bitte prüfen Sie diese "
                "oder warten Sie, bis sie entschieden ist.", name=proposal.author.name if proposal.author else "–"),
              "error")
        return redirect(url_for("instrumente.proposal", instrument_id=instrument.id))
    # A posted form stands alone: a field it leaves out is empty, not the stored value (topics are a list there).
    submitted = request.method == "POST"
    shown = services.proposal_input(proposal) if proposal is not None else instrument
    form = InstrumentForm() if submitted else InstrumentForm(obj=shown)
    if not submitted:
        form.topics.data = ", ".join(shown.topics)
        form.sectors.data = list(shown.sectors)
        form.code.data = shown.code or ""
        if proposal is not None:
            form.change_note.data = proposal.change_note
    if form.validate_on_submit():
        saved, version = _save_form(form, lambda: services.update_instrument(
            current_user, instrument, form.to_input(), note=form.change_note.data or "", upload=form.upload(),
            now=utcnow()))
        if saved and version is not None and version.is_proposal:
            flash(_("Die neue Fassung (Version %(number)d) wartet auf die Prüfung durch eine zweite Person. Bis zur "
                    "Freigabe sehen alle anderen weiter die bisherige Version.", number=version.number), "success")
            return redirect(url_for("instrumente.proposal", instrument_id=instrument.id))
        if saved:
            flash(_("Version %(number)d wurde gespeichert.", number=version.number) if version
                  else _("Es gab nichts zu ändern."), "success")
            return redirect(url_for("instrumente.detail", instrument_id=instrument.id))
    return render_template("instrumente/form.html", form=form, instrument=instrument, proposal=proposal), \
        422 if form.errors or form.form_errors else 200


@bp.get("/instrumente/in-arbeit")
@role_required(*EDITOR_ROLES)
def drafts():
    """Drafts, reviews and proposed new versions; with ?ansicht=pruefen only what waits for the user's review."""
    waiting = request.args.get("ansicht") == "pruefen" and current_user.has_role(*REVIEWER_ROLES)  # else own drafts
    query = queries.waiting_for_review_query(current_user) if waiting else queries.drafts_query(current_user)
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    reviewer = current_user.has_role(*REVIEWER_ROLES)
    proposals = queries.open_proposals([item.id for item in page.items]) if reviewer else {}
    return render_template("instrumente/drafts.html", page=page, proposals=proposals, waiting=waiting)
