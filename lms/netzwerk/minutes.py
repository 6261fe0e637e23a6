"""The rules for what a meeting leaves behind: who attended, the minutes (Protokoll) with their
correction and approval cycle, the decisions (Beschlüsse) and the tasks (Aufgaben).

The cycle, once the meeting has begun:
- The body's keepers write the minutes as a draft: notes per agenda item, decisions, tasks and the
  attendance. Nobody else sees a draft.
- "Zur Korrektur versenden" sends them to everyone invited, who may add corrections for
  NETWORK_MINUTES_REVIEW_DAYS (default 14, 0: at once approvable). The keepers may still edit and
  send them again, which starts the period anew.
- After the period the chair approves them, or a keeper where the body has no chair. Approved
  minutes are frozen: notes, attendance, agenda and decisions no longer change; a keeper adds a later
  correction as a dated amendment, shown below them. Tasks keep their life: they are done when done.

Decisions are numbered per body and calendar year of the meeting (Berlin) in the order they are
taken: the body's row is locked while the next number is counted, and a unique key backs it up.
Tasks belong to one person or one institution; the person, the institution's people and its seat's
delegate and deputy see them on their start page and get one reminder NETWORK_TASK_REMINDER_DAYS
before the due day (claimed by a conditional update, so a restarted scheduler does not send twice).
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import Select, exists, false, func, or_, select, update

from lms.auth.models import User
from lms.errors import Conflict, PermissionDenied
from lms.extensions import db
from lms.i18n import _l
from lms.ical import BERLIN
from lms.links import external_url
from lms.locks import lock_row
from lms.netzwerk.bodies import account
from lms.netzwerk.meetings import invited, may_reply
from lms.netzwerk.models import (
    Body,
    BodyMember,
    Decision,
    Institution,
    Meeting,
    MeetingAttendance,
    MeetingState,
    Minutes,
    MinutesRemark,
    MinutesState,
    RemarkKind,
    Task,
    TaskState,
    institution_member,
    institutions_serving,
)
from lms.netzwerk.services import FieldRefused
from lms.notifications.services import queue_mail
from lms.textsearch import contains


def review_days() -> int:
    return current_app.config["NETWORK_MINUTES_REVIEW_DAYS"]


def reminder_days() -> int:
    return current_app.config["NETWORK_TASK_REMINDER_DAYS"]


def can_see_minutes(user, meeting: Meeting) -> bool:
    """Keepers always; the invited once the minutes have left the draft."""
    if meeting.can_edit(user):
        return True
    minutes = meeting.minutes
    return minutes is not None and minutes.state != MinutesState.DRAFT and may_reply(user, meeting)


def can_approve(user, meeting: Meeting) -> bool:
    body = meeting.body
    if body.chair_id is not None and body.chair is not None and body.chair.active:
        return bool(getattr(user, "is_authenticated", False)) and user.id == body.chair_id
    return meeting.can_edit(user)


def closed_reason(meeting: Meeting, *, now: datetime):
    """Why the meeting's minutes cannot be written now, or None."""
    if meeting.state == MeetingState.CANCELLED:
        return _l("Die Sitzung ist abgesagt: Sie hat kein Protokoll.")
    if meeting.starts_at > now:
        return _l("Das Protokoll wird ab Beginn der Sitzung geschrieben.")
    if meeting.minutes is not None and meeting.minutes.frozen:
        return _l("Das Protokoll ist genehmigt und wird nicht mehr geändert. Tragen Sie eine Ergänzung ein.")
    return None


def _open(actor: User, meeting: Meeting, *, now: datetime) -> Minutes:
    """The meeting's minutes for a keeper to change, created on first use; refused once approved."""
    if not meeting.can_edit(actor):
        raise PermissionDenied()
    lock_row(Meeting, meeting.id)
    db.session.refresh(meeting, attribute_names=["minutes", "state", "starts_at"])
    closed = closed_reason(meeting, now=now)
    if closed:
        raise Conflict(closed)
    minutes = meeting.minutes
    if minutes is None:
        minutes = Minutes(meeting_id=meeting.id, state=MinutesState.DRAFT, updated_at=now)
        db.session.add(minutes)
        db.session.flush()
        db.session.refresh(meeting, attribute_names=["minutes"])
    minutes.updated_at = now
    return minutes


# --- attendance and notes ----------------------------------------------------------------------------

def record_attendance(actor: User, meeting: Meeting, present: set[int], *, now: datetime) -> None:
    """Who was there, from the invited; each with the institution whose seat she filled."""
    _open(actor, meeting, now=now)
    people = {person.id for person in invited(meeting)}
    if not present <= people:
        raise FieldRefused(_l("Als anwesend lassen sich nur Eingeladene eintragen."), "present")
    seat_of = {}
    for seat in meeting.body.members:
        for person_id in (seat.delegate_id, seat.deputy_id):
            if person_id is not None:
                seat_of.setdefault(person_id, seat.institution_id)
    kept = {row.user_id: row for row in meeting.attendance}
    for user_id, row in kept.items():
        if user_id not in present:
            db.session.delete(row)
    for user_id in present - kept.keys():
        db.session.add(MeetingAttendance(meeting_id=meeting.id, user_id=user_id, institution_id=seat_of.get(user_id),
                                         recorded_at=now))
    db.session.flush()
    db.session.expire(meeting, ["attendance"])


def save_notes(actor: User, meeting: Meeting, notes: dict[int, str], *, now: datetime) -> None:
    """The minutes' text, per agenda item."""
    _open(actor, meeting, now=now)
    for item in meeting.items:
        if item.id in notes:
            item.notes = notes[item.id].strip()[:20000]
    db.session.flush()


# --- the cycle ---------------------------------------------------------------------------------------

def send_for_review(actor: User, meeting: Meeting, *, now: datetime) -> None:
    minutes = _open(actor, meeting, now=now)
    minutes.state, minutes.review_until = MinutesState.REVIEW, now + timedelta(days=review_days())
    db.session.flush()
    for person in invited(meeting):
        queue_mail(recipient=person.email, template="netzwerk/minutes_review", locale=person.locale, now=now,
                   user=person, meeting=meeting, review_until=minutes.review_until,
                   link=external_url("netzwerk.meeting", meeting_id=meeting.id, _anchor="protokoll"))


def may_correct(user, meeting: Meeting, *, now: datetime) -> bool:
    """Invited people and keepers, while the correction period runs."""
    minutes = meeting.minutes
    return (minutes is not None and minutes.state == MinutesState.REVIEW and minutes.review_until > now
            and (may_reply(user, meeting) or meeting.can_edit(user)))


def add_correction(actor: User, meeting: Meeting, text: str, *, now: datetime) -> MinutesRemark:
    """An invited person's (or a keeper's) correction, while the period runs."""
    if not (may_reply(actor, meeting) or meeting.can_edit(actor)):
        raise PermissionDenied()
    if not may_correct(actor, meeting, now=now):
        raise Conflict(_l("Korrekturen sind nur während der Korrekturfrist möglich."))
    return _remark(meeting.minutes, RemarkKind.CORRECTION, text, actor, now)


def _remark(minutes: Minutes, kind: str, text: str, actor: User, now: datetime) -> MinutesRemark:
    if not text.strip():
        raise FieldRefused(_l("Bitte schreiben Sie, was zu ergänzen oder zu berichtigen ist."), "text")
    remark = MinutesRemark(meeting_id=minutes.meeting_id, kind=kind, text=text.strip()[:5000], author_id=actor.id,
                           created_at=now)
    db.session.add(remark)
    db.session.flush()
    db.session.expire(minutes, ["remarks"])
    return remark


def approve(actor: User, meeting: Meeting, *, now: datetime) -> None:
    if not can_approve(actor, meeting):
        raise PermissionDenied()
    lock_row(Meeting, meeting.id)
    db.session.refresh(meeting, attribute_names=["minutes"])
    minutes = meeting.minutes
    if minutes is None or minutes.state == MinutesState.DRAFT:
        raise Conflict(_l("Das Protokoll geht vor der Genehmigung zur Korrektur an die Eingeladenen."))
    if minutes.frozen:
        raise Conflict(_l("Das Protokoll ist schon genehmigt."))
    if minutes.review_until > now:
        raise Conflict(_l("Die Korrekturfrist läuft noch; danach lässt sich das Protokoll genehmigen."))
    minutes.state, minutes.approved_at, minutes.approved_by_id, minutes.updated_at = (
        MinutesState.APPROVED, now, actor.id, now)
    db.session.flush()


def add_amendment(actor: User, meeting: Meeting, text: str, *, now: datetime) -> MinutesRemark:
    """A later correction of approved minutes, shown below them with its date and author."""
    if not meeting.can_edit(actor):
        raise PermissionDenied()
    minutes = meeting.minutes
    if minutes is None or not minutes.frozen:
        raise Conflict(_l("Ergänzungen gibt es erst zu genehmigten Protokollen; bis dahin ändern Sie den Text."))
    return _remark(minutes, RemarkKind.AMENDMENT, text, actor, now)


# --- decisions -------------------------------------------------------------------------------------

def add_decision(actor: User, meeting: Meeting, text: str, *, now: datetime) -> Decision:
    """The body's next decision of the meeting's year."""
    _open(actor, meeting, now=now)
    if not text.strip():
        raise FieldRefused(_l("Bitte geben Sie den Wortlaut des Beschlusses an."), "text")
    lock_row(Body, meeting.body_id)
    year = meeting.starts_at.astimezone(BERLIN).year
    last = db.session.scalar(select(func.max(Decision.number)).where(Decision.body_id == meeting.body_id,
                                                                      Decision.year == year))
    decision = Decision(body_id=meeting.body_id, meeting_id=meeting.id, year=year, number=(last or 0) + 1,
                        text=text.strip()[:5000], created_at=now)
    db.session.add(decision)
    db.session.flush()
    db.session.expire(meeting, ["decisions"])
    return decision


def decisions_query(body: Body, *, search: str = "", approved_only: bool = True) -> Select:
    """The body's decision register, newest first, optionally only those whose text holds *search*.
    Whoever does not keep the body sees a decision once its minutes are approved."""
    query = select(Decision).where(Decision.body_id == body.id)
    if approved_only:
        query = query.where(exists(select(Minutes.meeting_id).where(Minutes.meeting_id == Decision.meeting_id,
                                                                    Minutes.state == MinutesState.APPROVED)))
    for word in search.split()[:5]:
        query = query.where(contains(Decision.text, word))
    return query.order_by(Decision.year.desc(), Decision.number.desc())


# --- tasks -----------------------------------------------------------------------------------------

@dataclass
class TaskInput:
    title: str
    due_on: date | None
    owner_email: str = ""
    institution_id: int | None = None


A_REGION_INSTITUTION = _l("Bitte wählen Sie eine Einrichtung der Region.")


def _owner(meeting: Meeting, data: TaskInput) -> tuple[User | None, Institution | None]:
    email, institution_id = data.owner_email.strip(), data.institution_id or None
    if bool(email) == bool(institution_id):
        raise FieldRefused(_l("Bitte nennen Sie, wer die Aufgabe übernimmt: eine Person oder eine Einrichtung."),
                           "owner_email")
    if email:
        return account(email, "owner_email", required=True), None
    institution = db.session.scalar(select(Institution).where(
        Institution.id == institution_id, Institution.id.in_(institutions_serving(meeting.body.region_id))))
    if institution is None:
        raise FieldRefused(A_REGION_INSTITUTION, "institution_id")
    return None, institution


def add_task(actor: User, meeting: Meeting, data: TaskInput, *, today: date, now: datetime) -> Task:
    _open(actor, meeting, now=now)
    if not data.title.strip():
        raise FieldRefused(_l("Bitte beschreiben Sie die Aufgabe."), "title")
    if data.due_on is None or data.due_on < today:
        raise FieldRefused(_l("Bitte geben Sie ein Fälligkeitsdatum ab heute an."), "due_on")
    person, institution = _owner(meeting, data)
    task = Task(body_id=meeting.body_id, meeting_id=meeting.id, title=data.title.strip()[:300], due_on=data.due_on,
                owner_id=person.id if person else None, institution_id=institution.id if institution else None,
                state=TaskState.OPEN, created_at=now)
    db.session.add(task)
    db.session.flush()
    db.session.expire(meeting, ["tasks"])
    return task


def _concerns(user_id) -> object:
    """SQL: the task is the person's, or her institution's (as its member, or its seat's delegate or deputy)."""
    seat = select(BodyMember.id).where(BodyMember.body_id == Task.body_id,
                                       BodyMember.institution_id == Task.institution_id,
                                       or_(BodyMember.delegate_id == user_id, BodyMember.deputy_id == user_id))
    member = select(institution_member.c.user_id).where(institution_member.c.institution_id == Task.institution_id,
                                                        institution_member.c.user_id == user_id)
    return or_(Task.owner_id == user_id, exists(seat), exists(member))


def concerns(user, task: Task) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(db.session.scalar(select(exists().where(Task.id == task.id, _concerns(user.id)))))


def set_task_state(actor: User, task: Task, state: str, *, now: datetime) -> None:
    """Done or open again, by its owner's people or the body's keepers."""
    if not (task.body.can_edit(actor) or concerns(actor, task)):
        raise PermissionDenied()
    if state not in tuple(TaskState):
        raise FieldRefused(_l("Bitte wählen Sie einen Stand der Aufgabe."), "state")
    task.state, task.done_at = state, now if state == TaskState.DONE else None
    db.session.flush()


def tasks_of(user, *, open_only: bool = True) -> Select:
    """The tasks that concern *user*, the soonest due first."""
    if not getattr(user, "is_authenticated", False):
        return select(Task).where(false())
    query = select(Task).where(_concerns(user.id))
    if open_only:
        query = query.where(Task.state == TaskState.OPEN)
    return query.order_by(Task.due_on, Task.id)


def body_tasks(body: Body, *, state: str | None = TaskState.OPEN) -> Select:
    query = select(Task).where(Task.body_id == body.id)
    if state:
        query = query.where(Task.state == state)
    return query.order_by(Task.due_on, Task.id)


def _people_of(task: Task) -> list[User]:
    if task.owner is not None:
        return [task.owner] if task.owner.active else []
    seat = select(BodyMember.delegate_id, BodyMember.deputy_id).where(
        BodyMember.body_id == task.body_id, BodyMember.institution_id == task.institution_id)
    ids = {person_id for row in db.session.execute(seat) for person_id in row if person_id is not None}
    ids |= set(db.session.scalars(select(institution_member.c.user_id)
                                  .where(institution_member.c.institution_id == task.institution_id)))
    return list(db.session.scalars(select(User).where(User.id.in_(ids), User.active.is_(True)))) if ids else []


def remind_task_owners(*, now: datetime) -> int:
    """One mail per open task due within the reminder days, each task claimed once."""
    today = now.astimezone(BERLIN).date()
    due = db.session.scalars(select(Task.id).where(
        Task.state == TaskState.OPEN, Task.reminded_at.is_(None),
        Task.due_on <= today + timedelta(days=reminder_days()), Task.due_on >= today)).all()
    sent = 0
    for task_id in due:
        claimed = db.session.execute(update(Task).where(Task.id == task_id, Task.reminded_at.is_(None))
                                     .values(reminded_at=now).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            continue
        task = db.session.get(Task, task_id)
        for person in _people_of(task):
            queue_mail(recipient=person.email, template="netzwerk/task_due", locale=person.locale, now=now,
                       user=person, task=task, link=external_url("netzwerk.my_tasks"))
        db.session.commit()
        sent += 1
    return sent
