"""What a meeting leaves behind, on the meeting's pages: its agenda items, the minutes page where the
keepers record attendance and notes, decisions and tasks, the correction and approval steps, a
body's decision register and task list, and everyone's "Meine Aufgaben"."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.auth.permissions import require, visible_or_404
from lms.db import utcnow
from lms.errors import Conflict
from lms.extensions import db
from lms.forms import ActionForm, searching
from lms.i18n import _
from lms.ical import BERLIN
from lms.instrumente.services.files import Upload
from lms.netzwerk import meetings, minutes, queries
from lms.netzwerk.forms import AgendaItemForm, DecisionForm, RemarkForm, TaskForm, minutes_form
from lms.netzwerk.models import TASK_STATE_LABELS, AgendaItem, Body, Meeting, Task, TaskState
from lms.netzwerk.views import PER_PAGE, bp, download
from lms.netzwerk.views.bodies import kept_meeting, meeting_page
from lms.redirects import safe_target
from lms.submit import submit

# The body's row is locked while a number is counted; the unique key only catches what slips past.
NUMBER_TAKEN = Conflict(_("Gleichzeitig ist ein anderer Beschluss eingetragen worden. Bitte speichern Sie noch "
                          "einmal."))


def _back(meeting: Meeting, anchor: str = "protokoll"):
    return redirect(url_for("netzwerk.meeting", meeting_id=meeting.id, _anchor=anchor))


# --- agenda ------------------------------------------------------------------------------------------

@bp.post("/netzwerk/sitzungen/<int:meeting_id>/tagesordnung")
@login_required
def add_agenda_item(meeting_id: int):
    meeting = kept_meeting(meeting_id)
    form = AgendaItemForm()
    if form.validate_on_submit():
        given = form.file.data
        upload = Upload(filename=given.filename or "", data=given.read()) if given and given.filename else None
        outcome = submit(lambda: meetings.add_item(current_user, meeting, title=form.title.data,
                                                   presenter=form.presenter.data or "",
                                                   document=form.document.data or "", upload=upload),
                         form=form, success=_("Der Tagesordnungspunkt ist ergänzt."))
        if outcome:
            return _back(meeting, "tagesordnung")
    return meeting_page(meeting, item_form=form, status=422)


@bp.post("/netzwerk/tagesordnung/<int:item_id>/entfernen")
@login_required
def remove_agenda_item(item_id: int):
    item = db.get_or_404(AgendaItem, item_id)
    meeting = kept_meeting(item.meeting_id)
    if ActionForm().validate_on_submit():
        submit(lambda: meetings.remove_item(current_user, item), success=_("Der Tagesordnungspunkt ist entfernt."))
    return _back(meeting, "tagesordnung")


@bp.get("/netzwerk/tagesordnung/<int:item_id>/datei")
def agenda_file(item_id: int):
    """An agenda item's uploaded file, for whoever sees the meeting (404 for everybody else)."""
    item = db.get_or_404(AgendaItem, item_id)
    if item.file_sha256 is None or not item.meeting.can_view(current_user):
        abort(404)
    return download(item.file, item.filename)


# --- the minutes page ------------------------------------------------------------------------------

def _task_form(meeting: Meeting, form: TaskForm | None = None) -> TaskForm:
    form = form or TaskForm()
    form.institution_id.offer(queries.region_institutions(meeting.body.region_id))
    return form


def _minutes_page(meeting: Meeting, *, form=None, decision_form=None, task_form=None, status: int = 200):
    invited = meetings.invited(meeting)
    if form is None:
        data = {"present": [row.user_id for row in meeting.attendance]}
        data.update({f"notes_{item.id}": item.notes for item in meeting.items})
        form = minutes_form(meeting, invited, data=data)
    return render_template("netzwerk/minutes_form.html", meeting=meeting, form=form,
                           decision_form=decision_form or DecisionForm(), task_form=_task_form(meeting, task_form),
                           action_form=ActionForm(), review_days=minutes.review_days()), status


@bp.route("/netzwerk/sitzungen/<int:meeting_id>/protokoll", methods=["GET", "POST"])
@login_required
def write_minutes(meeting_id: int):
    meeting = kept_meeting(meeting_id)
    closed = minutes.closed_reason(meeting, now=utcnow())
    if closed:
        flash(closed, "info")
        return _back(meeting)
    if request.method == "GET":
        return _minutes_page(meeting)
    form = minutes_form(meeting, meetings.invited(meeting))
    if form.validate_on_submit():
        notes = {item.id: form[f"notes_{item.id}"].data or "" for item in meeting.items}

        def save() -> None:
            now = utcnow()
            minutes.record_attendance(current_user, meeting, set(form.present.data or ()), now=now)
            minutes.save_notes(current_user, meeting, notes, now=now)

        if submit(save, form=form, success=_("Das Protokoll ist gespeichert.")):
            return redirect(url_for("netzwerk.write_minutes", meeting_id=meeting.id))
    return _minutes_page(meeting, form=form, status=422)


@bp.post("/netzwerk/sitzungen/<int:meeting_id>/beschluesse")
@login_required
def add_decision(meeting_id: int):
    meeting = kept_meeting(meeting_id)
    form = DecisionForm()
    if form.validate_on_submit():
        outcome = submit(lambda: minutes.add_decision(current_user, meeting, form.text.data, now=utcnow()),
                         form=form, lost_race=NUMBER_TAKEN)
        if outcome:
            flash(_("Beschluss %(label)s ist eingetragen.", label=outcome.value.label), "success")
            return redirect(url_for("netzwerk.write_minutes", meeting_id=meeting.id, _anchor="beschluesse"))
    return _minutes_page(meeting, decision_form=form, status=422)


@bp.post("/netzwerk/sitzungen/<int:meeting_id>/aufgaben")
@login_required
def add_task(meeting_id: int):
    meeting = kept_meeting(meeting_id)
    form = _task_form(meeting, TaskForm())
    if searching(form):
        return _minutes_page(meeting, task_form=form)
    if form.validate_on_submit():
        now = utcnow()
        outcome = submit(lambda: minutes.add_task(current_user, meeting, form.to_input(),
                                                  today=now.astimezone(BERLIN).date(), now=now),
                         form=form, success=_("Die Aufgabe ist eingetragen."))
        if outcome:
            return redirect(url_for("netzwerk.write_minutes", meeting_id=meeting.id, _anchor="aufgaben"))
    return _minutes_page(meeting, task_form=form, status=422)


# --- the cycle ---------------------------------------------------------------------------------------

@bp.post("/netzwerk/sitzungen/<int:meeting_id>/protokoll/zur-korrektur")
@login_required
def send_minutes(meeting_id: int):
    meeting = kept_meeting(meeting_id)
    if ActionForm().validate_on_submit():
        submit(lambda: minutes.send_for_review(current_user, meeting, now=utcnow()),
               success=_("Das Protokoll ist zur Korrektur an alle Eingeladenen verschickt."))
    return _back(meeting)


@bp.post("/netzwerk/sitzungen/<int:meeting_id>/protokoll/korrekturen")
@login_required
def add_correction(meeting_id: int):
    return _remark(visible_or_404(Meeting, meeting_id), minutes.add_correction,
                   _("Ihre Korrektur ist eingetragen; die Protokollführung sieht sie."))


def _remark(meeting: Meeting, add, success):
    form = RemarkForm()
    if form.validate_on_submit() and submit(lambda: add(current_user, meeting, form.text.data, now=utcnow()),
                                            form=form, success=success):
        return _back(meeting)
    return meeting_page(meeting, remark_form=form, status=422)


@bp.post("/netzwerk/sitzungen/<int:meeting_id>/protokoll/genehmigen")
@login_required
def approve_minutes(meeting_id: int):
    meeting = visible_or_404(Meeting, meeting_id)
    require(minutes.can_approve(current_user, meeting))
    if ActionForm().validate_on_submit():
        submit(lambda: minutes.approve(current_user, meeting, now=utcnow()),
               success=_("Das Protokoll ist genehmigt und damit abgeschlossen."))
    return _back(meeting)


@bp.post("/netzwerk/sitzungen/<int:meeting_id>/protokoll/ergaenzungen")
@login_required
def add_amendment(meeting_id: int):
    return _remark(kept_meeting(meeting_id), minutes.add_amendment, _("Die Ergänzung ist dem Protokoll angefügt."))


# --- registers and tasks ---------------------------------------------------------------------------

@bp.get("/netzwerk/gremien/<int:body_id>/beschluesse")
def decisions(body_id: int):
    body = visible_or_404(Body, body_id)
    search = request.args.get("q", "").strip()[:200]
    page = db.paginate(minutes.decisions_query(body, search=search, approved_only=not body.can_edit(current_user)),
                       per_page=PER_PAGE, error_out=False)
    return render_template("netzwerk/decisions.html", body=body, page=page, search=search)


@bp.get("/netzwerk/gremien/<int:body_id>/aufgaben")
def body_tasks(body_id: int):
    body = visible_or_404(Body, body_id)
    require(body.can_edit(current_user) or body.is_member(current_user))  # tasks are the body's own work
    state = request.args.get("stand", TaskState.OPEN)
    state = state if state in tuple(TaskState) else ""
    page = db.paginate(minutes.body_tasks(body, state=state or None), per_page=PER_PAGE, error_out=False)
    return render_template("netzwerk/tasks.html", body=body, page=page, state=state, labels=TASK_STATE_LABELS,
                           can_edit=body.can_edit(current_user), action_form=ActionForm())


@bp.get("/netzwerk/aufgaben")
@login_required
def my_tasks():
    done = request.args.get("erledigt") == "1"
    page = db.paginate(minutes.tasks_of(current_user, open_only=not done), per_page=PER_PAGE, error_out=False)
    return render_template("netzwerk/tasks.html", body=None, page=page, state="" if done else TaskState.OPEN,
                           labels=TASK_STATE_LABELS, can_edit=True, action_form=ActionForm())


@bp.post("/netzwerk/aufgaben/<int:task_id>/stand")
@login_required
def set_task_state(task_id: int):
    task = db.get_or_404(Task, task_id)
    require(task.body.can_edit(current_user) or minutes.concerns(current_user, task))
    state = request.form.get("state", "")
    if ActionForm().validate_on_submit():
        submit(lambda: minutes.set_task_state(current_user, task, state, now=utcnow()),
               success=_("Die Aufgabe ist erledigt.") if state == TaskState.DONE else _("Die Aufgabe ist wieder offen."))
    return redirect(safe_target(request.form.get("next"), url_for("netzwerk.my_tasks")))
