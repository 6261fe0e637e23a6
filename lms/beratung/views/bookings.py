"""The bookings: "Meine Beratungen" and a booking's page, with confirming, declining, cancelling,
moving, the outcome, and an admin's look at the booker."""
from datetime import datetime

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from lms.auth.models import Role
from lms.auth.permissions import role_required
from lms.beratung import services
from lms.beratung.catalogue import CONSULTATION_TYPES
from lms.beratung.forms import CaseReasonForm, OutcomeForm, RescheduleForm, parse_slot
from lms.beratung.models import Consultation
from lms.beratung.views import MEMBER_ROLES, PER_PAGE, _back, _own, _visible, _when, bp
from lms.confirmation import Confirmation, ask, is_confirmed
from lms.db import utcnow
from lms.extensions import db
from lms.forms import ActionForm, ReasonForm
from lms.i18n import _, _l
from lms.submit import submit


@bp.get("/beratung/buchungen")
@role_required(*MEMBER_ROLES)
def mine():
    now = utcnow()
    upcoming = request.args.get("ansicht") != "vergangen"
    as_expert = current_user.has_role(Role.EXPERT) and request.args.get("als") != "buchende"
    query = services.consultations_of(current_user, as_expert=as_expert, upcoming=upcoming, now=now)
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    return render_template("beratung/mine.html", page=page, upcoming=upcoming, as_expert=as_expert, now=now,
                           conflicts=services.conflicts(current_user, now=now) if as_expert else [])


@bp.get("/beratung/buchungen/<int:consultation_id>")
@role_required(*MEMBER_ROLES, Role.ADMIN)
def consultation(consultation_id: int):
    consultation = _visible(consultation_id)
    now = utcnow()
    case = None
    if consultation.is_party(current_user):
        case = services.read_case(current_user, consultation, now=now)
        db.session.commit()  # the audit entry of this read
    return _consultation_page(consultation, case=case, now=now)


def _consultation_page(consultation: Consultation, *, case=None, now: datetime, reveal_form=None,
                       booker_shown: bool = False, status: int = 200, forms=None, checks=None):
    """The booking's page; *forms* and *checks* (by form name) re-show a refused free text with the
    guard's findings."""
    forms = forms or {}
    outcome_form = forms.get("outcome") or OutcomeForm()
    if case and case.outcome_visible and "outcome" not in forms:
        outcome_form.outcome.data, outcome_form.result.data = case.outcome, case.result or ""
    return render_template(
        "beratung/consultation.html", consultation=consultation, case=case, now=now,
        type=CONSULTATION_TYPES[consultation.type_code],
        decline_form=forms.get("decline") or CaseReasonForm(prefix="decline"),
        cancel_form=forms.get("cancel") or CaseReasonForm(prefix="cancel"), action_form=ActionForm(),
        reveal_form=reveal_form or ReasonForm(prefix="reveal"), outcome_form=outcome_form, checks=checks or {},
        is_expert=current_user.id == consultation.expert_id, is_booker=current_user.id == consultation.booker_id,
        is_party=consultation.is_party(current_user), booker_shown=booker_shown or consultation.is_party(current_user),
    ), status


def _refused(consultation: Consultation, name: str, form, check=None):
    """The booking's page again (422) with the refused form: its errors at their fields, or the guard's
    findings in its free text (*check*). Nothing is saved; the case shown is a logged read."""
    now = utcnow()
    case = services.read_case(current_user, consultation, now=now)
    db.session.commit()  # the audit entry of this read
    return _consultation_page(consultation, case=case, now=now, forms={name: form},
                              checks={name: check} if check else None, status=422)


def _save_free_text(consultation: Consultation, name: str, form, action, success: str):
    """Run *action*; when the guard refuses the form's free text, show the page again (422) with
    the text and its findings, saving nothing. Other refusals are flashed, as elsewhere."""
    outcome = submit(action, success=success, view_handles=services.IdentifiersFound)
    if isinstance(outcome.error, services.IdentifiersFound):
        return _refused(consultation, name, form, outcome.error)
    return _back(consultation)


def _with_reason(consultation: Consultation, name: str, form, question, action, success: str):
    """Decline or cancel with a reason: the reason is checked (given, and passing the guard), then the
    confirmation page names what happens (*question*, None when the action is no longer possible and
    the service should say why), and only its answer runs *action*."""
    if not form.validate_on_submit():
        return _refused(consultation, name, form)
    if question is not None and not is_confirmed():
        try:
            services.check_free_text(form.reason.data, field=_l("Begründung"), confirmed=form.confirmed.confirmed())
        except services.IdentifiersFound as error:
            return _refused(consultation, name, form, error)
        return ask(question)
    return _save_free_text(consultation, name, form, action, success)


@bp.post("/beratung/buchungen/<int:consultation_id>/buchende-person")
@role_required(Role.ADMIN)
def reveal_booker(consultation_id: int):
    """An admin has the booker's name shown, for this answer only, with a reason the audit log keeps."""
    consultation = _visible(consultation_id)
    now = utcnow()
    form = ReasonForm(prefix="reveal")
    if not form.validate_on_submit():
        return _consultation_page(consultation, now=now, reveal_form=form, status=422)
    services.reveal_booker(current_user, consultation, reason=form.reason.data, now=now)
    db.session.commit()
    return _consultation_page(consultation, now=now, booker_shown=True)


@bp.post("/beratung/buchungen/<int:consultation_id>/bestaetigen")
@role_required(Role.EXPERT)
def confirm(consultation_id: int):
    consultation = _own(consultation_id)
    submit(lambda: services.confirm(current_user, consultation, now=utcnow()), success=_("Der Termin ist bestätigt."))
    return _back(consultation)


def _reason_question(consultation: Consultation, form: CaseReasonForm, title: str, button: str,
                     consequences: list[str]) -> Confirmation:
    """The confirmation step of an action that ends a booking with the person's reason."""
    return Confirmation(
        title=title, button=button, consequences=consequences,
        subject=_("Fachberatung %(code)s am %(when)s", code=consultation.case_code,
                  when=_when(consultation.starts_at, consultation.ends_at)),
        cancel_url=url_for("beratung.consultation", consultation_id=consultation.id),
        quoted=form.reason.data or "", quoted_label=_("Ihre Begründung"))


@bp.post("/beratung/buchungen/<int:consultation_id>/ablehnen")
@role_required(Role.EXPERT)
def decline(consultation_id: int):
    consultation = _own(consultation_id)
    form = CaseReasonForm(prefix="decline")
    question = _reason_question(consultation, form, _("Wirklich die Anfrage ablehnen?"), _("Anfrage ablehnen"), [
        _("Die buchende Person erhält eine E-Mail, dass Sie abgelehnt haben, und sieht Ihre Begründung auf "
          "der Buchungsseite."),
        _("Der Termin ist sofort wieder frei und wird aus den Kalendern genommen."),
        _("Eine Ablehnung lässt sich nicht zurücknehmen."),
    ]) if consultation.status == "requested" and consultation.starts_at > utcnow() else None
    return _with_reason(consultation, "decline", form, question, lambda: services.decline(
        current_user, consultation, reason=form.reason.data or "", now=utcnow(), confirmed=form.confirmed.confirmed()),
        _("Die Anfrage ist abgelehnt."))


@bp.post("/beratung/buchungen/<int:consultation_id>/absagen")
@role_required(*MEMBER_ROLES)
def cancel(consultation_id: int):
    consultation = _own(consultation_id)
    form = CaseReasonForm(prefix="cancel")
    other = _("Die Fachkraft") if current_user.id == consultation.booker_id else _("Die buchende Person")
    question = _reason_question(consultation, form, _("Wirklich den Termin absagen?"), _("Termin absagen"), [
        _("%(other)s erhält eine E-Mail über die Absage und sieht Ihre Begründung auf der Buchungsseite.",
          other=other),
        _("Der Termin ist sofort wieder frei, auch für andere, und wird aus den Kalendern genommen."),
        _("Eine Absage lässt sich nicht zurücknehmen: Für eine Beratung buchen Sie einen neuen Termin."),
    ]) if consultation.holds_slot and consultation.starts_at > utcnow() else None
    return _with_reason(consultation, "cancel", form, question, lambda: services.cancel(
        current_user, consultation, reason=form.reason.data or "", now=utcnow(), confirmed=form.confirmed.confirmed()),
        _("Der Termin ist abgesagt."))


def _move_question(consultation: Consultation, slot, choose_again: str) -> Confirmation:
    consequences = [
        _("Ihr bisheriger Termin wird sofort frei und kann von anderen gebucht werden."),
        _("Die Fachkraft erhält eine E-Mail; der Termin wird in den Kalendern verlegt."),
    ]
    if not services.profile_of(consultation.expert).auto_confirm:
        consequences.append(_("Der neue Termin wartet wieder auf die Bestätigung der Fachkraft."))
    return Confirmation(
        title=_("Wirklich den Termin verschieben?"),
        subject=_("Fachberatung %(code)s bei %(name)s", code=consultation.case_code, name=consultation.expert.name),
        details=[(_("Bisher"), _when(consultation.starts_at, consultation.ends_at)),
                 (_("Neu"), _when(slot.starts_at, slot.ends_at))],
        button=_("Termin verschieben"), cancel_url=choose_again, consequences=consequences)


@bp.post("/beratung/buchungen/<int:consultation_id>/verschieben")
@role_required(*services.BOOKER_ROLES)
def reschedule(consultation_id: int):
    consultation = _own(consultation_id)
    starts_at = parse_slot(RescheduleForm().starts_at.data)
    if starts_at is None:
        abort(400)
    choose_again = url_for("beratung.expert", expert_id=consultation.expert_id, verschieben=consultation.id)
    if not is_confirmed():
        outcome = submit(lambda: services.check_move(current_user, consultation, starts_at, now=utcnow()))
        return ask(_move_question(consultation, outcome.value, choose_again)) if outcome else redirect(choose_again)
    if not submit(lambda: services.reschedule(current_user, consultation, starts_at, now=utcnow()),
                  success=_("Der Termin ist verschoben.")):
        return redirect(choose_again)
    return _back(consultation)


@bp.post("/beratung/buchungen/<int:consultation_id>/ergebnis")
@role_required(Role.EXPERT)
def outcome(consultation_id: int):
    consultation = _own(consultation_id)
    form = OutcomeForm()
    if not form.validate():
        return _refused(consultation, "outcome", form)
    return _save_free_text(consultation, "outcome", form, lambda: services.record_outcome(
        current_user, consultation, outcome=form.outcome.data or "", result=form.result.data or None, now=utcnow(),
        confirmed=form.confirmed.confirmed()), _("Die Dokumentation ist gespeichert."))
