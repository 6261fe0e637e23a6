"""An offering's participant list: adding, admitting, approving, declining and removing people,
and the export."""
from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from lms.auth.models import User
from lms.auth.permissions import require, role_required
from lms.auth.services import find_user_by_email
from lms.confirmation import Confirmation, ask, is_confirmed
from lms.extensions import db
from lms.forms import ActionForm, ReasonForm
from lms.i18n import _
from lms.module import exports, queries, services
from lms.module.forms import PersonForm
from lms.module.models import MANAGER_ROLES, Enrolment, EnrolmentEvent, EnrolmentStatus
from lms.module.views import _form_errors, _managed_offering, _offering_line, bp, clock
from lms.submit import submit


@bp.get("/qualifizierung/verwaltung/angebote/<int:offering_id>/teilnehmende")
@role_required(*MANAGER_ROLES)
def participants(offering_id: int):
    offering = _managed_offering(offering_id)
    rows = queries.participants(offering)
    history = db.session.scalars(
        select(EnrolmentEvent).join(Enrolment, EnrolmentEvent.enrolment_id == Enrolment.id)
        .where(Enrolment.offering_id == offering.id).order_by(EnrolmentEvent.at.desc(), EnrolmentEvent.id.desc())
        .limit(200)
    ).all()
    names = {row.enrolment.id: row.enrolment.user.name for row in rows}
    if not {event.enrolment_id for event in history} | {event.freed_by_id for event in history if event.freed_by_id} \
            <= names.keys():
        names.update({e.id: e.user.name for e in db.session.scalars(
            select(Enrolment).where(Enrolment.offering_id == offering.id))})
    return render_template(
        "module/participants.html", offering=offering, module=offering.module, rows=rows, history=history,
        names=names, now=clock(), action_form=ActionForm(), reason_form=ReasonForm(),
        person_form=PersonForm(prefix="person"), cancel_form=ReasonForm(prefix="cancel"),
        statuses=EnrolmentStatus,
    )


def _person(form: PersonForm) -> User | None:
    person = find_user_by_email(form.email.data)
    if person is None or not person.is_active:
        flash(_("Unter dieser E-Mail-Adresse gibt es kein aktives Konto."), "error")
        return None
    return person


@bp.post("/qualifizierung/verwaltung/angebote/<int:offering_id>/teilnehmende/hinzufuegen")
@role_required(*MANAGER_ROLES)
def add_participant(offering_id: int):
    offering = _managed_offering(offering_id)
    form = PersonForm(prefix="person")
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
    elif (person := _person(form)) is not None:
        submit(lambda: services.enrol(person, offering, actor=current_user, reason=form.reason.data or "",
                                      now=clock()),
               success=_("%(name)s wurde eingetragen.", name=person.name))
    return redirect(url_for("module.participants", offering_id=offering.id))


@bp.post("/qualifizierung/verwaltung/angebote/<int:offering_id>/zulassen")
@role_required(*MANAGER_ROLES)
def admit(offering_id: int):
    offering = _managed_offering(offering_id)
    form = PersonForm(prefix="person")
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
    elif (person := _person(form)) is not None:
        submit(lambda: services.admit(current_user, offering, person, reason=form.reason.data or "", now=clock()),
               success=_("%(name)s darf trotz fehlender Voraussetzungen einen Platz buchen.", name=person.name))
    return redirect(url_for("module.participants", offering_id=offering.id))


def _managed_enrolment(enrolment_id: int) -> Enrolment:
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    require(enrolment.offering.can_manage(current_user))
    return enrolment


@bp.post("/qualifizierung/verwaltung/anmeldungen/<int:enrolment_id>/bestaetigen")
@role_required(*MANAGER_ROLES)
def approve(enrolment_id: int):
    enrolment = _managed_enrolment(enrolment_id)
    if ActionForm().validate_on_submit():
        submit(lambda: services.approve_request(current_user, enrolment, now=clock()),
               success=_("Die Anfrage wurde angenommen."))
    return redirect(url_for("module.participants", offering_id=enrolment.offering_id))


def _taking_off_question(enrolment: Enrolment, reason: str) -> Confirmation:
    """What declining a request or taking someone off the list does."""
    name, offering = enrolment.user.name, enrolment.offering
    back = url_for("module.participants", offering_id=offering.id)
    mail = _("%(name)s erhält eine E-Mail mit Ihrer Begründung.", name=name)
    if enrolment.status == EnrolmentStatus.REQUESTED:
        return Confirmation(
            title=_("Wirklich die Anfrage von %(name)s ablehnen?", name=name), subject=_offering_line(offering),
            button=_("Anfrage ablehnen"), cancel_url=back, quoted=reason, quoted_label=_("Ihre Begründung"),
            consequences=[mail, _("Die Anfrage ist damit entschieden; eine neue Anfrage ist möglich.")])
    consequences = [mail]
    if enrolment.status == EnrolmentStatus.ENROLLED:
        consequences += [
            _("Der Platz geht an die erste Person der Warteliste.") if queries.waitlist_length(offering)
            else _("Der Platz wird frei, und jemand anderes kann ihn buchen."),
            _("Die Termine werden aus dem Kalender von %(name)s genommen.", name=name),
        ]
    elif enrolment.status == EnrolmentStatus.WAITLISTED:
        consequences.append(_("%(name)s verliert den Platz auf der Warteliste.", name=name))
    consequences.append(_("Das lässt sich nicht rückgängig machen: Soll %(name)s doch teilnehmen, tragen Sie die "
                          "Person neu ein.", name=name))
    return Confirmation(
        title=_("Wirklich %(name)s von der Liste nehmen?", name=name), subject=_offering_line(offering),
        button=_("Von der Liste nehmen"), cancel_url=back, quoted=reason, quoted_label=_("Ihre Begründung"),
        consequences=consequences)


def _take_off(enrolment: Enrolment, action, success: str):
    """Decline or remove with the reason form: the reason first, then the confirmation page, then *action*."""
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Bitte geben Sie eine Begründung an."), "error")
    elif enrolment.is_active and not is_confirmed():
        return ask(_taking_off_question(enrolment, form.reason.data))
    else:
        submit(lambda: action(form.reason.data), success=success)
    return redirect(url_for("module.participants", offering_id=enrolment.offering_id))


@bp.post("/qualifizierung/verwaltung/anmeldungen/<int:enrolment_id>/ablehnen")
@role_required(*MANAGER_ROLES)
def decline(enrolment_id: int):
    enrolment = _managed_enrolment(enrolment_id)
    return _take_off(enrolment, lambda reason: services.decline_request(
        current_user, enrolment, reason=reason, now=clock()), _("Die Anfrage wurde abgelehnt."))


@bp.post("/qualifizierung/verwaltung/anmeldungen/<int:enrolment_id>/entfernen")
@role_required(*MANAGER_ROLES)
def remove(enrolment_id: int):
    enrolment = _managed_enrolment(enrolment_id)
    return _take_off(enrolment, lambda reason: services.remove_participant(
        current_user, enrolment, reason=reason, now=clock()),
        _("%(name)s wurde von der Liste genommen.", name=enrolment.user.name))


@bp.get("/qualifizierung/verwaltung/angebote/<int:offering_id>/teilnehmende.xlsx", defaults={"kind": "xlsx"})
@bp.get("/qualifizierung/verwaltung/angebote/<int:offering_id>/teilnehmende.csv", defaults={"kind": "csv"})
@bp.get("/qualifizierung/verwaltung/angebote/<int:offering_id>/teilnehmende-rfc4180.csv",
        defaults={"kind": "rfc4180"})
@role_required(*MANAGER_ROLES)
def export(offering_id: int, kind: str):
    """The participant list as XLSX, CSV for German Excel (teilnehmende.csv) or RFC 4180 CSV."""
    offering = _managed_offering(offering_id)
    export_format = exports.FORMATS[kind]
    participant_list = exports.participant_list(offering, exported_by=current_user, now=clock())
    body, name = export_format.render(participant_list), exports.filename(participant_list, export_format)
    exports.record_export(participant_list, kind)
    db.session.commit()
    return Response(body, content_type=export_format.content_type, headers={
        "Content-Disposition": exports.content_disposition(name),
    })
