"""Retention of personal data: each job purges exactly what is due (one day either side of the
period), sign-in links leave the outbox as soon as the mail is delivered or given up, what lasts
(completions, certificates) survives, and each run is recorded in the database."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms import audit, jobruns
from lms.beratung.models import CaseAccess
from lms.beratung.services.cases import purge_case_access_log
from lms.extensions import db
from lms.module import services as module_services
from lms.module.models import Attendance, Certificate, Completion, EnrolmentEvent
from lms.module.tasks import purge_history
from lms.notifications.models import OutboxMessage, OutboxStatus
from lms.notifications.services import deliver_due, purge_outbox, queue_mail
from lms.scheduler import JOBS, run_job
from tests.conftest import FIXED_NOW


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _mail(user, *, days_ago: int, status=OutboxStatus.SENT, carries_link=False) -> OutboxMessage:
    message = queue_mail(recipient=user.email, template="password_reset", locale=None,
                         now=FIXED_NOW - timedelta(days=days_ago), user=user, link="https://lms.test/r/geheim",
                         hours=2, carries_link=carries_link)
    message.status, message.sent_at = status, FIXED_NOW - timedelta(days=days_ago)
    return message


def test_a_sign_in_link_is_gone_from_the_outbox_once_the_mail_is_delivered(app, smtp_server, create_user):
    person = create_user()
    from lms.auth.services import request_password_reset

    request_password_reset(person.email, now=FIXED_NOW)
    db.session.commit()
    (queued,) = db.session.scalars(select(OutboxMessage)).all()
    assert queued.carries_link and "/passwort-zuruecksetzen/" in queued.body
    assert deliver_due(now=FIXED_NOW) == 1
    db.session.expire_all()
    (delivered,) = db.session.scalars(select(OutboxMessage)).all()
    assert delivered.status == OutboxStatus.SENT and delivered.body == "" and delivered.subject
    assert "/passwort-zuruecksetzen/" in smtp_server.messages[0].get_body().get_content()


def test_a_sign_in_link_stays_while_delivery_is_retried_and_goes_when_it_is_given_up(app, create_user):
    person = create_user()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_MAX_ATTEMPTS=2)  # nobody listens
    message = queue_mail(recipient=person.email, template="password_reset", locale=None, now=FIXED_NOW,
                         user=person, link="https://lms.test/r/geheim", hours=2, carries_link=True).id
    db.session.commit()
    deliver_due(now=FIXED_NOW)
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message)
    assert message.status == OutboxStatus.PENDING and "geheim" in message.body
    message_id = message.id
    deliver_due(now=FIXED_NOW + timedelta(hours=1))
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message_id)
    assert message.status == OutboxStatus.FAILED and message.body == ""


def test_mail_bodies_and_rows_go_after_their_periods(app, create_user):
    person = create_user()
    rows = {days: _mail(person, days_ago=days).id for days in (29, 31, 364, 366)}
    pending = _mail(person, days_ago=400, status=OutboxStatus.PENDING).id
    db.session.commit()
    assert purge_outbox(now=FIXED_NOW) == 4  # three bodies emptied (31, 364, 366), one row deleted (366)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(OutboxMessage, rows[29]).body != ""
    assert db.session.get(OutboxMessage, rows[31]).body == "" and db.session.get(OutboxMessage, rows[364])
    assert db.session.get(OutboxMessage, rows[366]) is None
    assert db.session.get(OutboxMessage, pending).body != ""  # never sent: nothing to purge yet


def test_history_and_attendance_go_after_the_offering_ended_completions_and_certificates_stay(
        app, trainer, create_offering, create_user):
    people = [create_user() for _ in range(2)]
    offerings = {}
    for days in (729, 732):  # the last date ended this many days before now
        offering = create_offering(dates=1, starts_in=timedelta(days=-days, hours=-3))
        enrolments = [module_services.enrol(person, offering, actor=trainer, now=FIXED_NOW - timedelta(days=days + 30))
                      for person in people]
        module_services.record_attendance(trainer, offering, {
            (enrolment.id, offering.dates[0].id): True for enrolment in enrolments}, now=FIXED_NOW)
        offerings[days] = [enrolment.id for enrolment in enrolments]
    db.session.commit()
    completions, certificates = count(Completion), count(Certificate)
    assert completions == 4
    events_of = lambda ids: count(EnrolmentEvent, EnrolmentEvent.enrolment_id.in_(ids))  # noqa: E731
    assert events_of(offerings[732]) and events_of(offerings[729])
    assert purge_history(now=FIXED_NOW) > 0
    db.session.commit()
    assert events_of(offerings[732]) == 0 and events_of(offerings[729]) > 0
    assert count(Attendance) == 2  # the younger offering's marks
    assert (count(Completion), count(Certificate)) == (completions, certificates)


def test_the_case_access_log_goes_after_its_own_period(app):
    for days in (364, 366):
        db.session.add(CaseAccess(consultation_id=1, case_code=f"FB-{days}", user_id=None, action="read",
                                  at=FIXED_NOW - timedelta(days=days)))
    db.session.commit()
    assert purge_case_access_log(now=FIXED_NOW) == 1
    assert db.session.scalars(select(CaseAccess.case_code)).all() == ["FB-364"]


def test_every_retention_job_is_scheduled_and_records_its_run_across_a_restart(app, create_user):
    admin = create_user("admin")
    audit.record(admin, "region.create", now=FIXED_NOW - timedelta(days=800), name="alt")
    db.session.commit()
    jobs = {job.name: job for job in JOBS}
    assert {"purge_mails", "purge_history", "purge_case_access", "purge_audit_trail", "erase_deactivated_accounts",
            "erase_case_content"} <= set(jobs)
    run_job(app, jobs["purge_audit_trail"])
    db.session.remove()  # what a new process sees: only the database
    run = jobruns.last_runs()["purge_audit_trail"]
    assert (run.ok, run.detail, run.finished_at) == (True, "1", FIXED_NOW)
    assert count(audit.AuditEntry) == 0


def test_a_failing_job_records_the_error_class_and_nothing_else(app, monkeypatch):
    from lms.scheduler import Job

    def broken(*, now):
        raise RuntimeError("secret detail of the failure")

    run_job(app, Job("broken", broken, "RETENTION_INTERVAL_SECONDS"))
    run = jobruns.last_runs()["broken"]
    assert (run.ok, run.detail) == (False, "RuntimeError")


@pytest.mark.parametrize("role", ["coordinator", "partner"])
def test_only_admins_read_the_records_of_processing(client, create_user, role):
    from tests.conftest import login_as

    login_as(client, create_user(role))
    assert client.get("/verwaltung/datenschutz").status_code == 403


def test_the_records_of_processing_list_categories_periods_and_last_runs(client, app, create_user):
    from tests.conftest import login_as

    run_job(app, {job.name: job for job in JOBS}["purge_mails"])
    app.config["RETENTION_HISTORY_DAYS"] = 1000
    login_as(client, create_user("admin"))
    page = client.get("/verwaltung/datenschutz").get_data(as_text=True)
    for text in ("Versandte E-Mails", "Fachberatung: Buchungen und Falldaten", "Protokoll der Verwaltung",
                 "Teilnahme an Qualifizierung", "1.000 Tage", "730 Tage", "90 Tage", "zuletzt geprüft",
                 "noch nicht geprüft", "wird gelöscht", "Pseudonym"):
        assert text in page, text
