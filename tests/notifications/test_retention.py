"""Retention of the outbox: bodies go after RETENTION_OUTBOX_BODY_DAYS, rows after RETENTION_OUTBOX_DAYS
(one day either side), only for mails that are done; mails with a sign-in link lose it on delivery."""
from datetime import timedelta

from sqlalchemy import select

from lms.auth.services import invite
from lms.extensions import db
from lms.notifications.models import OutboxMessage, OutboxStatus
from lms.notifications.services import deliver_due, purge_outbox, queue_mail
from lms.scheduler import JOBS, run_job
from tests.conftest import FIXED_NOW


def _mail(user, *, days_ago: int, status=OutboxStatus.SENT) -> int:
    message = queue_mail(recipient=user.email, template="password_reset", locale=None,
                         now=FIXED_NOW - timedelta(days=days_ago), user=user, link="https://lms.test/r/x", hours=2)
    message.status = status
    message.sent_at = FIXED_NOW - timedelta(days=days_ago) if status == OutboxStatus.SENT else None
    db.session.flush()
    return message.id


def test_an_invitation_is_marked_and_its_link_leaves_with_delivery(app, smtp_server, create_user):
    admin = create_user("admin")
    invite(admin, email="neu@example.org", name="Neu", roles=["partner"], region=None, sector=None,
           now=FIXED_NOW)
    db.session.commit()
    (queued,) = db.session.scalars(select(OutboxMessage)).all()
    assert queued.carries_link and queued.body
    assert deliver_due(now=FIXED_NOW) == 1
    db.session.expire_all()
    (delivered,) = db.session.scalars(select(OutboxMessage)).all()
    assert (delivered.status, delivered.body, delivered.calendar) == (OutboxStatus.SENT, "", None)
    assert len(smtp_server.messages) == 1


def test_a_plain_mail_keeps_its_body_after_delivery(app, smtp_server, create_user):
    person = create_user()
    queue_mail(recipient=person.email, template="password_reset", locale=None, now=FIXED_NOW, user=person,
               link="https://lms.test/r/x", hours=2)
    db.session.commit()
    deliver_due(now=FIXED_NOW)
    db.session.expire_all()
    assert db.session.scalars(select(OutboxMessage.body)).one() != ""


def test_the_periods_follow_the_settings(app, create_user):
    app.config.update(RETENTION_OUTBOX_BODY_DAYS=10, RETENTION_OUTBOX_DAYS=20)
    person = create_user()
    ids = {days: _mail(person, days_ago=days) for days in (9, 11, 19, 21)}
    failed = _mail(person, days_ago=11, status=OutboxStatus.FAILED)  # given up: counts from its queueing
    pending = _mail(person, days_ago=50, status=OutboxStatus.PENDING)
    db.session.commit()
    assert purge_outbox(now=FIXED_NOW) == 5  # bodies of 11, 19, 21 and the failed one; the row of 21
    db.session.commit()
    db.session.expire_all()
    body = lambda key: db.session.get(OutboxMessage, key).body  # noqa: E731
    assert body(ids[9]) != "" and body(ids[11]) == "" and body(ids[19]) == "" and body(failed) == ""
    assert db.session.get(OutboxMessage, ids[21]) is None
    assert body(pending) != ""
    assert purge_outbox(now=FIXED_NOW) == 0  # nothing twice


def test_the_job_reports_its_count(app, create_user):
    from lms import jobruns

    person = create_user()
    _mail(person, days_ago=400)
    db.session.commit()
    run_job(app, {job.name: job for job in JOBS}["purge_mails"])
    assert db.session.scalars(select(OutboxMessage)).all() == []
    run = jobruns.last_runs()["purge_mails"]
    assert (run.ok, run.detail) == (True, "2")  # its body emptied, then its row deleted
