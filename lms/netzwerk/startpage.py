"""The network's section of the start page: the open tasks from the bodies' meetings that concern
the person (her own, and her institution's), the soonest due first. Two statements: the rows and
their count."""
from dataclasses import dataclass
from datetime import date, datetime

from flask import url_for
from sqlalchemy import func, select

from lms.auth.models import User
from lms.extensions import db
from lms.i18n import _
from lms.ical import BERLIN
from lms.netzwerk.minutes import tasks_of
from lms.netzwerk.models import Body, Institution, Task
from lms.startpage import TODO, Link, Section


@dataclass(frozen=True)
class TaskRow:
    task_id: int
    title: str
    due_on: date
    body_name: str
    owner_name: str
    overdue: bool


def open_tasks(user, *, now: datetime, limit: int = 5) -> tuple[list[TaskRow], int]:
    query = tasks_of(user)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    if not total:
        return [], 0
    ids = query.with_only_columns(Task.id).limit(limit).subquery()
    today = now.astimezone(BERLIN).date()
    rows = db.session.execute(
        select(Task.id, Task.title, Task.due_on, Body.name, func.coalesce(User.name, Institution.name))
        .join(Body, Body.id == Task.body_id).outerjoin(User, User.id == Task.owner_id)
        .outerjoin(Institution, Institution.id == Task.institution_id)
        .where(Task.id.in_(select(ids.c.id))).order_by(Task.due_on, Task.id))
    return [TaskRow(task_id, title, due_on, body_name, owner, due_on < today)
            for task_id, title, due_on, body_name, owner in rows], total


def sections(user, *, now: datetime) -> list[Section]:
    tasks, total = open_tasks(user, now=now)
    return [Section("tasks", _("Ihre Aufgaben aus Gremien"), "netzwerk/_start_tasks.html", TODO, order=30,
                    items=tasks, count=total, links=(Link(_("Meine Aufgaben"), url_for("netzwerk.my_tasks")),))]
