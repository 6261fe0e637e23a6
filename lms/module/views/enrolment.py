"""Participants: signing up, asking for admission, withdrawing, and "Mein Lernen"."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.auth.permissions import role_required
from lms.confirmation import Confirmation, ask, is_confirmed
from lms.dimensions import DIMENSION_LABELS
from lms.extensions import db
from lms.forms import ActionForm
from lms.i18n import _, _l
from lms.module import queries, services
from lms.module.forms import AdmissionRequestForm
from lms.module.models import PARTICIPANT_ROLES, Enrolment, EnrolmentStatus
from lms.module.views import _form_errors, _offering_line, _visible_offering, bp, clock
from lms.submit import submit


@bp.post("/qualifizierung/angebote/<int:offering_id>/anmelden")
@role_required(*PARTICIPANT_ROLES)
def enrol(offering_id: int):
    offering = _visible_offering(offering_id)
    if ActionForm().validate_on_submit() and (outcome := submit(
            lambda: services.enrol(current_user, offering, now=clock()))):
        messages = {
            EnrolmentStatus.ENROLLED: _("Ihr Platz ist gebucht. Eine Bestätigung kommt per E-Mail."),
            EnrolmentStatus.WAITLISTED: _("Die Durchführung ist ausgebucht. Sie stehen auf der Warteliste."),
            EnrolmentStatus.REQUESTED: _("Ihre Anfrage ist eingegangen. Die Referent*innen bestätigen sie."),
        }
        flash(messages[EnrolmentStatus(outcome.value.status)], "success")
    return redirect(url_for("module.offering", offering_id=offering.id))


@bp.post("/qualifizierung/angebote/<int:offering_id>/zulassung-anfragen")
@role_required(*PARTICIPANT_ROLES)
def request_admission(offering_id: int):
    """A missing prerequisite is no dead end: the request goes to the offering's trainers."""
    offering = _visible_offering(offering_id)
    form = AdmissionRequestForm()
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
    else:
        submit(lambda: services.request_admission(current_user, offering, note=form.note.data or "", now=clock()),
               success=_("Ihre Anfrage ist bei den Referent*innen. Sie erhalten eine E-Mail, sobald sie entschieden "
                         "haben."))
    return redirect(url_for("module.offering", offering_id=offering.id))


WITHDRAWN = {
    EnrolmentStatus.ENROLLED: _l("Sie haben Ihren Platz zurückgegeben."),
    EnrolmentStatus.WAITLISTED: _l("Sie stehen nicht mehr auf der Warteliste."),
    EnrolmentStatus.REQUESTED: _l("Ihre Anfrage ist zurückgezogen."),
}


def _withdrawal_question(enrolment: Enrolment, back: str) -> Confirmation:
    """What giving back a seat, leaving the waitlist or withdrawing a request does, in the person's words."""
    offering = enrolment.offering
    subject = _offering_line(offering)
    if enrolment.status == EnrolmentStatus.ENROLLED:
        waiting = queries.waitlist_length(offering)
        return Confirmation(
            title=_("Wirklich Ihren Platz zurückgeben?"), subject=subject, button=_("Platz zurückgeben"),
            cancel_url=back, consequences=[
                _("Ihr Platz geht an die erste Person der Warteliste.") if waiting
                else _("Ihr Platz wird frei, und jemand anderes kann ihn buchen."),
                _("Die Termine werden aus Ihrem Kalender genommen; Sie erhalten eine Bestätigung per E-Mail."),
                _("Möchten Sie später doch teilnehmen, buchen Sie neu – sofern dann noch ein Platz frei ist."),
            ])
    if enrolment.status == EnrolmentStatus.WAITLISTED:
        return Confirmation(
            title=_("Wirklich die Warteliste verlassen?"), subject=subject, button=_("Warteliste verlassen"),
            cancel_url=back, consequences=[
                _("Sie verlieren Platz %(position)d auf der Warteliste und rücken nicht mehr nach.",
                  position=services.waitlist_position(enrolment) or 1),
                _("Tragen Sie sich später wieder ein, stehen Sie am Ende der Warteliste."),
            ])
    return Confirmation(
        title=_("Wirklich Ihre Anfrage zurückziehen?"), subject=subject, button=_("Anfrage zurückziehen"),
        cancel_url=back, consequences=[
            _("Die Referent*innen sehen Ihre Anfrage nicht mehr und entscheiden nicht mehr darüber."),
            _("Möchten Sie doch teilnehmen, stellen Sie eine neue Anfrage."),
        ])


@bp.post("/qualifizierung/anmeldungen/<int:enrolment_id>/abmelden")
@login_required
def cancel(enrolment_id: int):
    """Give back a seat, leave the waitlist or withdraw a request: after the confirmation page."""
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    if enrolment.user_id != current_user.id:
        abort(404)
    back = url_for("module.my_learning") if request.form.get("back") == "my_learning" \
        else url_for("module.offering", offering_id=enrolment.offering_id)
    if not ActionForm().validate_on_submit():
        return redirect(back)
    if enrolment.is_active and not is_confirmed():
        return ask(_withdrawal_question(enrolment, back))
    was = EnrolmentStatus(enrolment.status)
    submit(lambda: services.cancel_enrolment(current_user, enrolment, now=clock()), success=WITHDRAWN[was])
    return redirect(back)


@bp.get("/mein-lernen")
@role_required(*PARTICIPANT_ROLES)
def my_learning():
    now = clock()
    return render_template(
        "module/my_learning.html", enrolments=queries.my_enrolments(current_user, now=now),
        completions=services.completions_for(current_user), units=services.units_by_dimension(current_user),
        dimensions=DIMENSION_LABELS, now=now, form=ActionForm(),
    )
