"""The four-eyes rule at work: submitting for review, approving or returning, a published instrument's
proposed new version, withdrawing, republishing and deleting."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from lms.auth.models import Role
from lms.auth.permissions import permitted, role_required
from lms.confirmation import Confirmation, ask, is_confirmed
from lms.db import utcnow
from lms.errors import Conflict, PermissionDenied
from lms.extensions import db
from lms.forms import ActionForm, ReasonForm
from lms.i18n import _, ngettext
from lms.instrumente import queries, services
from lms.instrumente.forms import ReviewForm
from lms.instrumente.models import (
    EDITOR_ROLES,
    REVIEWER_ROLES,
    Instrument,
    InstrumentReview,
    InstrumentState,
    InstrumentVersion,
)
from lms.instrumente.views import _act, _editable, bp, usages
from lms.submit import submit as submit_action


@bp.post("/instrumente/<int:instrument_id>/pruefung")
@role_required(*EDITOR_ROLES)
def submit(instrument_id: int):
    instrument = _editable(instrument_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _act(instrument, lambda: services.submit_for_review(current_user, instrument, now=utcnow()),
                _("Das Instrument wurde zur Prüfung gegeben."))


@bp.post("/instrumente/<int:instrument_id>/freigabe")
@role_required(*REVIEWER_ROLES)
def review(instrument_id: int):
    instrument = db.get_or_404(Instrument, instrument_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    approve = request.form.get("decision") == "approve"
    return _act(instrument, lambda: services.review(current_user, instrument, approve=approve,
                                                    comment=form.comment.data or "", now=utcnow(),
                                                    seen_version=form.seen.data),
                _("Das Instrument ist veröffentlicht.") if approve else _("Das Instrument wurde zur Überarbeitung zurückgegeben."))


def _open_proposal(instrument_id: int) -> tuple[Instrument, InstrumentVersion | None]:
    instrument = permitted(Instrument, instrument_id, Instrument.can_see_proposals)
    return instrument, services.open_proposal(instrument)


def _proposal_page(instrument: Instrument, proposal: InstrumentVersion, form: ReviewForm, status: int = 200):
    reviews = db.session.scalars(
        select(InstrumentReview).where(InstrumentReview.version_id == proposal.id)
        .order_by(InstrumentReview.at.desc(), InstrumentReview.id.desc())
    ).all()
    return render_template(
        "instrumente/proposal.html", instrument=instrument, proposal=proposal,
        current=services.current_version(instrument), changes=services.compare(instrument, proposal),
        reviews=reviews, review_form=form, action_form=ActionForm(),
    ), status


@bp.get("/instrumente/<int:instrument_id>/neue-fassung")
@role_required(*REVIEWER_ROLES)
def proposal(instrument_id: int):
    """The proposed new version beside the current one: what changed, its file, the review."""
    instrument, proposal = _open_proposal(instrument_id)
    if proposal is None:
        return redirect(url_for("instrumente.detail", instrument_id=instrument.id))
    return _proposal_page(instrument, proposal, ReviewForm(seen=proposal.revision))


@bp.post("/instrumente/<int:instrument_id>/neue-fassung/freigabe")
@role_required(*REVIEWER_ROLES)
def review_proposal(instrument_id: int):
    instrument, proposal = _open_proposal(instrument_id)
    form = ReviewForm()
    if not form.validate_on_submit() or form.seen.data is None:
        abort(400)
    if proposal is None:
        flash(services.DECIDED_MEANWHILE, "error")
        return redirect(url_for("instrumente.detail", instrument_id=instrument.id))
    approve = request.form.get("decision") == "approve"
    outcome = submit_action(lambda: services.review_proposal(
        current_user, proposal, approve=approve, comment=form.comment.data or "", now=utcnow(),
        seen_revision=form.seen.data), form=form, field="comment", view_handles=(PermissionDenied, Conflict))
    if isinstance(outcome.error, PermissionDenied):
        raise outcome.error  # a German 403 page with the reason (the author cannot review their own version)
    if isinstance(outcome.error, Conflict):
        flash(outcome.error.message, "error")
        return redirect(url_for("instrumente.proposal", instrument_id=instrument.id))
    if not outcome:
        return _proposal_page(instrument, db.session.get(InstrumentVersion, proposal.id), form, 422)
    if approve:
        flash(_("Die neue Fassung ist freigegeben: Version %(number)d ist jetzt die aktuelle.",
                number=proposal.number), "success")
        return redirect(url_for("instrumente.detail", instrument_id=instrument.id))
    flash(_("Die neue Fassung wurde zur Überarbeitung zurückgegeben. Die bisherige Version bleibt aktuell."),
          "success")
    return redirect(url_for("instrumente.proposal", instrument_id=instrument.id))


@bp.post("/instrumente/<int:instrument_id>/neue-fassung/verwerfen")
@role_required(*REVIEWER_ROLES)
def discard_proposal(instrument_id: int):
    instrument, proposal = _open_proposal(instrument_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if proposal is None:
        flash(services.CHANGED_MEANWHILE, "error")
        return redirect(url_for("instrumente.detail", instrument_id=instrument.id))
    if not is_confirmed():
        return ask(Confirmation(
            title=_("Wirklich die neue Fassung verwerfen?"), subject=_("%(title)s, neue Fassung (Version %(number)d)",
                                                                        title=instrument.title, number=proposal.number),
            button=_("Neue Fassung verwerfen"), cancel_url=url_for("instrumente.proposal", instrument_id=instrument.id),
            consequences=[
                _("Die neue Fassung wird mit ihrer Datei gelöscht; sie war nie öffentlich. Die Prüfungen dazu "
                  "bleiben im Verlauf."),
                _("Die bisherige Version bleibt aktuell."),
                _("Das lässt sich nicht rückgängig machen: Für Änderungen legen Sie eine neue Fassung an."),
            ]))
    return _act(instrument, lambda: services.discard_proposal(current_user, proposal),
                _("Die neue Fassung wurde verworfen. Die bisherige Version bleibt aktuell."))


@bp.post("/instrumente/<int:instrument_id>/zurueckziehen")
@role_required(*REVIEWER_ROLES)
def withdraw(instrument_id: int):
    instrument = db.get_or_404(Instrument, instrument_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Bitte geben Sie einen Grund an."), "error")
        return redirect(url_for("instrumente.detail", instrument_id=instrument.id))
    if instrument.state == InstrumentState.PUBLISHED and instrument.is_editor(current_user) and not is_confirmed():
        used = usages(instrument)
        consequences = [
            _("Das Instrument verschwindet aus der Sammlung und der Suche. Seine Seite bleibt erreichbar und "
              "nennt Ihre Begründung; es wird nicht mehr empfohlen."),
        ]
        if used:
            consequences.append(_("Es bleibt verknüpft mit: %(places)s. Prüfen Sie, ob es dort ersetzt werden soll.",
                                  places=", ".join(label for label, _url in used)))
        consequences.append(_("Sie können es später wieder veröffentlichen."))
        return ask(Confirmation(
            title=_("Wirklich das Instrument zurückziehen?"), subject=instrument.title,
            button=_("Zurückziehen"), cancel_url=url_for("instrumente.detail", instrument_id=instrument.id),
            quoted=form.reason.data, quoted_label=_("Ihre Begründung"), consequences=consequences))
    return _act(instrument, lambda: services.withdraw(current_user, instrument, reason=form.reason.data, now=utcnow()),
                _("Das Instrument wurde zurückgezogen."))


@bp.post("/instrumente/<int:instrument_id>/wiederveroeffentlichen")
@role_required(*REVIEWER_ROLES)
def republish(instrument_id: int):
    instrument = db.get_or_404(Instrument, instrument_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _act(instrument, lambda: services.republish(current_user, instrument, now=utcnow()),
                _("Das Instrument ist wieder veröffentlicht."))


@bp.post("/instrumente/<int:instrument_id>/loeschen")
@role_required(Role.ADMIN)
def remove(instrument_id: int):
    instrument = db.get_or_404(Instrument, instrument_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if not is_confirmed():
        marks, used = queries.bookmark_count(instrument), usages(instrument)
        consequences = [ngettext("Das Instrument wird mit seiner Version und seinen Prüfungen endgültig gelöscht.",
                                 "Das Instrument wird mit allen %(num)d Versionen und seinen Prüfungen endgültig "
                                 "gelöscht.", instrument.version_count)]
        if marks:
            consequences.append(ngettext("Es verschwindet von %(num)d Merkliste.", "Es verschwindet von %(num)d "
                                         "Merklisten.", marks))
        if used:
            consequences.append(_("Die Verknüpfungen entfallen: %(places)s.",
                                  places=", ".join(label for label, _url in used)))
        consequences.append(_("Das lässt sich nicht rückgängig machen. Soll es nur nicht mehr empfohlen werden, "
                              "ziehen Sie es stattdessen zurück."))
        return ask(Confirmation(
            title=_("Wirklich das Instrument endgültig löschen?"), subject=instrument.title,
            button=_("Endgültig löschen"), cancel_url=url_for("instrumente.detail", instrument_id=instrument.id),
            consequences=consequences))
    services.delete_instrument(current_user, instrument)
    db.session.commit()
    flash(_("Das Instrument wurde gelöscht."), "success")
    return redirect(url_for("instrumente.library"))
