"""The network's bodies: the list per region (public ones for visitors), a body's page with its seats,
and the keepers' forms. An internal body is 404 for whoever neither keeps it nor sits in it."""
from flask import abort, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_login import current_user, login_required
from sqlalchemy import func, select

from lms.auth.permissions import require, role_required, visible_or_404
from lms.confirmation import Confirmation, ask, is_confirmed
from lms.db import utcnow
from lms.errors import Conflict
from lms.extensions import db
from lms.forms import ActionForm, searching
from lms.i18n import _
from lms.ical import BERLIN
from lms.netzwerk import bodies as services
from lms.netzwerk import meetings, minutes, queries
from lms.netzwerk.forms import AgendaItemForm, BodyForm, MeetingForm, PersonSeatForm, RemarkForm, SeatForm
from lms.netzwerk.models import (
    KEEPER_ROLES,
    MINUTES_STATE_LABELS,
    REPLY_LABELS,
    Body,
    BodyMember,
    Meeting,
)
from lms.netzwerk.views import PER_PAGE, bp, choose_region, own_regions
from lms.submit import submit

SEAT_TAKEN = Conflict(_("Dieser Sitz ist inzwischen schon vergeben."))


@bp.get("/netzwerk/gremien")
def bodies():
    regions = queries.regions()
    region_id = request.args.get("region", type=int)
    page = db.paginate(services.bodies_query(current_user, region_id=region_id), per_page=PER_PAGE, error_out=False)
    return render_template("netzwerk/bodies.html", page=page, regions=regions, region_id=region_id,
                           creatable=own_regions() if current_user.is_authenticated else [])


def _kept(body_id: int) -> Body:
    body = visible_or_404(Body, body_id)
    require(body.can_edit(current_user))
    return body


def _save(body: Body | None, region_id: int):
    form = BodyForm(obj=body) if request.method == "GET" and body else BodyForm()
    if request.method == "GET" and body and body.chair:
        form.chair_email.data = body.chair.email
    if form.validate_on_submit():
        outcome = submit(lambda: services.save_body(current_user, body, form.to_input(region_id), now=utcnow()),
                         form=form, success=_("Das Gremium ist gespeichert."))
        if outcome:
            return redirect(url_for("netzwerk.body", body_id=outcome.value.id))
    return render_template("netzwerk/body_form.html", form=form, body=body, region=body.region if body else
                           next(region for region in own_regions() if region.id == region_id)), \
        422 if form.errors or form.form_errors else 200


@bp.route("/netzwerk/gremien/neu", methods=["GET", "POST"])
@role_required(*KEEPER_ROLES)
def new_body():
    region = choose_region(own_regions(), request.args.get("region", type=int))
    if region is None:
        abort(403)
    return _save(None, region.id)


@bp.route("/netzwerk/gremien/<int:body_id>/bearbeiten", methods=["GET", "POST"])
@login_required
def edit_body(body_id: int):
    body = _kept(body_id)
    return _save(body, body.region_id)


def _body_page(body: Body, *, seat_form: SeatForm | None = None, person_form: PersonSeatForm | None = None,
               status: int = 200):
    can_edit = body.can_edit(current_user)
    seat_form = seat_form or _seat_form(body)
    seats = sorted(body.members, key=lambda seat: (seat.person_id is not None,
                                                   (seat.institution or seat.person).name))
    open_tasks = db.session.scalar(select(func.count()).select_from(minutes.body_tasks(body).subquery()))
    return render_template("netzwerk/body.html", body=body, can_edit=can_edit, seats=seats, seat_form=seat_form,
                           open_tasks=open_tasks,
                           person_form=person_form or PersonSeatForm(), action_form=ActionForm(), now=utcnow(),
                           meetings=db.paginate(db.select(Meeting).where(Meeting.body_id == body.id)
                                                .order_by(Meeting.starts_at.desc(), Meeting.id.desc()),
                                                per_page=PER_PAGE, error_out=False)), status


def _seat_form(body: Body) -> SeatForm:
    """The form that gives an institution of the region a seat: those with one are not offered again."""
    form = SeatForm()
    taken = [seat.institution_id for seat in body.members if seat.institution_id is not None]
    form.institution_id.offer(queries.region_institutions(body.region_id, leaving_out=taken))
    return form


@bp.get("/netzwerk/gremien/<int:body_id>")
def body(body_id: int):
    return _body_page(visible_or_404(Body, body_id))


@bp.post("/netzwerk/gremien/<int:body_id>/sitze")
@login_required
def add_seat(body_id: int):
    body = _kept(body_id)
    form = _seat_form(body)
    if searching(form):
        return _body_page(body, seat_form=form)
    if form.validate_on_submit():
        outcome = submit(lambda: services.add_institution(current_user, body, form.institution_id.single,
                                                          delegate_email=form.delegate_email.data or "",
                                                          deputy_email=form.deputy_email.data or ""),
                         form=form, lost_race=SEAT_TAKEN, success=_("Die Einrichtung hat einen Sitz im Gremium."))
        if outcome:
            return redirect(url_for("netzwerk.body", body_id=body.id) + "#sitze")
    return _body_page(body, seat_form=form, status=422)


@bp.post("/netzwerk/gremien/<int:body_id>/personen")
@login_required
def add_person_seat(body_id: int):
    body = _kept(body_id)
    form = PersonSeatForm()
    if form.validate_on_submit():
        outcome = submit(lambda: services.add_person(current_user, body, form.email.data), form=form,
                         lost_race=SEAT_TAKEN, success=_("Die Person hat einen Sitz im Gremium."))
        if outcome:
            return redirect(url_for("netzwerk.body", body_id=body.id) + "#sitze")
    return _body_page(body, person_form=form, status=422)


@bp.post("/netzwerk/gremien/sitze/<int:seat_id>/entfernen")
@login_required
def remove_seat(seat_id: int):
    seat = db.get_or_404(BodyMember, seat_id)
    body = _kept(seat.body_id)
    if ActionForm().validate_on_submit():
        submit(lambda: services.remove_seat(current_user, seat), success=_("Der Sitz ist entfernt."))
    return redirect(url_for("netzwerk.body", body_id=body.id) + "#sitze")


# --- meetings --------------------------------------------------------------------------------------

def _meeting_form(meeting: Meeting | None) -> MeetingForm:
    if request.method == "GET" and meeting:
        starts, ends = meeting.starts_at.astimezone(BERLIN), meeting.ends_at.astimezone(BERLIN)
        return MeetingForm(day=starts.date(), start_time=starts.time(), end_time=ends.time(), place=meeting.place,
                           online_url=meeting.online_url)
    return MeetingForm()


def _save_meeting(body: Body, meeting: Meeting | None):
    form = _meeting_form(meeting)
    if form.validate_on_submit():
        def save() -> Meeting:
            if meeting is None and form.repeat.data:
                return meetings.plan_series(current_user, body, form.to_input(), form.repeat.data,
                                            form.count.data or 0, now=utcnow())[0]
            if meeting is None:
                return meetings.plan_meeting(current_user, body, form.to_input(), now=utcnow())
            meetings.change_meeting(current_user, meeting, form.to_input(), now=utcnow())
            return meeting

        series = meeting is None and bool(form.repeat.data)
        outcome = submit(save, form=form, success=_("Die Sitzungen der Reihe sind gespeichert; alle Sitze sind zu "
                                                    "jeder eingeladen.") if series else
                         _("Die Sitzung ist gespeichert; alle Sitze sind eingeladen."))
        if outcome:
            return redirect(url_for("netzwerk.meeting", meeting_id=outcome.value.id))
    return render_template("netzwerk/meeting_form.html", form=form, body=body, meeting=meeting), \
        422 if form.errors or form.form_errors else 200


@bp.route("/netzwerk/gremien/<int:body_id>/sitzungen/neu", methods=["GET", "POST"])
@login_required
def new_meeting(body_id: int):
    return _save_meeting(_kept(body_id), None)


def kept_meeting(meeting_id: int) -> Meeting:
    meeting = visible_or_404(Meeting, meeting_id)
    require(meeting.can_edit(current_user))
    return meeting


@bp.route("/netzwerk/sitzungen/<int:meeting_id>/bearbeiten", methods=["GET", "POST"])
@login_required
def edit_meeting(meeting_id: int):
    meeting = kept_meeting(meeting_id)
    return _save_meeting(meeting.body, meeting)


def meeting_page(found: Meeting, *, item_form: AgendaItemForm | None = None, remark_form: RemarkForm | None = None,
                 status: int = 200):
    """The meeting with its agenda, the replies and, for those who may see them, its minutes."""
    people = meetings.invited(found)
    return render_template("netzwerk/meeting.html", meeting=found, invited=people, can_edit=found.can_edit(current_user),
                           may_reply=meetings.may_reply(current_user, found), now=utcnow(), labels=REPLY_LABELS,
                           own_answer=found.answer_of(current_user.id) if current_user.is_authenticated else None,
                           has_deputy=any(seat.delegate_id == getattr(current_user, "id", None) and seat.deputy_id
                                          for seat in found.body.members),
                           shows_minutes=minutes.can_see_minutes(current_user, found),
                           series=db.session.scalars(db.select(Meeting).where(Meeting.series_id == found.series_id)
                                                     .order_by(Meeting.starts_at)).all() if found.series_id else [],
                           may_approve=minutes.can_approve(current_user, found),
                           may_correct=minutes.may_correct(current_user, found, now=utcnow()),
                           item_form=item_form or AgendaItemForm(), remark_form=remark_form or RemarkForm(),
                           action_form=ActionForm(), minutes_labels=MINUTES_STATE_LABELS), status


@bp.get("/netzwerk/sitzungen/<int:meeting_id>")
def meeting(meeting_id: int):
    return meeting_page(visible_or_404(Meeting, meeting_id))


@bp.post("/netzwerk/sitzungen/<int:meeting_id>/antwort")
@login_required
def reply_to_meeting(meeting_id: int):
    found = visible_or_404(Meeting, meeting_id)
    if ActionForm().validate_on_submit():
        answer = request.form.get("answer", "")
        submit(lambda: meetings.reply(current_user, found, answer, now=utcnow()),
               success=_("Ihre Antwort ist vermerkt: %(answer)s.", answer=REPLY_LABELS.get(answer, "")))
    return redirect(url_for("netzwerk.meeting", meeting_id=found.id))


@bp.post("/netzwerk/sitzungen/<int:meeting_id>/absagen")
@login_required
def cancel_meeting(meeting_id: int):
    found = kept_meeting(meeting_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("netzwerk.meeting", meeting_id=found.id))
    if not is_confirmed():
        return ask(Confirmation(
            title=_("Wirklich die Sitzung absagen?"), subject=f"{found.body.name}, {format_datetime(found.starts_at)}",
            button=_("Sitzung absagen"), cancel_url=url_for("netzwerk.meeting", meeting_id=found.id),
            consequences=[_("Alle Eingeladenen bekommen eine Absage, die den Termin aus ihrem Kalender nimmt."),
                          _("Das lässt sich nicht rückgängig machen.")]))
    submit(lambda: meetings.cancel_meeting(current_user, found, now=utcnow()), success=_("Die Sitzung ist abgesagt."))
    return redirect(url_for("netzwerk.meeting", meeting_id=found.id))
