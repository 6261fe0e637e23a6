"""The one list of periodic jobs, and how they run: in an app context, commit or roll back.

Jobs read their work from the database, so a restart loses nothing. In production exactly one
`lms scheduler` process runs them; on PostgreSQL an advisory lock keeps any second one idle.
"""
import time
from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy import text

from lms import audit, jobruns
from lms.auth.tasks import purge_login_sessions
from lms.beratung.tasks import erase_case_content, purge_case_access, remind_consultations
from lms.datenschutz.tasks import erase_deactivated_accounts
from lms.db import utcnow
from lms.extensions import db
from lms.module.tasks import close_registrations, purge_history, remind_participants
from lms.netzwerk.tasks import ask_to_confirm_entries, remind_of_agreements, remind_of_tasks
from lms.notifications.tasks import deliver_outbox, purge_mails
from lms.ratelimit import purge_rate_limit_counters

ADVISORY_LOCK_ID = 0x4C4D53  # "LMS"


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[..., None]
    interval_key: str  # config key holding the interval in seconds


JOBS = (
    Job("close_registrations", close_registrations, "DEADLINE_INTERVAL_SECONDS"),
    Job("remind_participants", remind_participants, "REMINDER_INTERVAL_SECONDS"),
    Job("remind_consultations", remind_consultations, "REMINDER_INTERVAL_SECONDS"),
    Job("ask_to_confirm_entries", ask_to_confirm_entries, "RETENTION_INTERVAL_SECONDS"),
    Job("remind_of_agreements", remind_of_agreements, "RETENTION_INTERVAL_SECONDS"),
    Job("remind_of_tasks", remind_of_tasks, "RETENTION_INTERVAL_SECONDS"),
    Job("erase_case_content", erase_case_content, "RETENTION_INTERVAL_SECONDS"),
    Job("purge_login_sessions", purge_login_sessions, "RETENTION_INTERVAL_SECONDS"),
    Job("purge_rate_limit_counters", purge_rate_limit_counters, "RETENTION_INTERVAL_SECONDS"),
    Job("purge_mails", purge_mails, "RETENTION_INTERVAL_SECONDS"),
    Job("purge_history", purge_history, "RETENTION_INTERVAL_SECONDS"),
    Job("purge_case_access", purge_case_access, "RETENTION_INTERVAL_SECONDS"),
    Job("purge_audit_trail", audit.purge_due, "RETENTION_INTERVAL_SECONDS"),
    Job("erase_deactivated_accounts", erase_deactivated_accounts, "RETENTION_INTERVAL_SECONDS"),
    Job("deliver_outbox", deliver_outbox, "OUTBOX_INTERVAL_SECONDS"),
)


def run_job(app: Flask, job: Job) -> None:
    """Run *job* once with the current time; commit its work, with the record of the run, or roll it
    back and record the failure (the error's class, never its text: it may hold data) on its own."""
    with app.app_context():
        started_at = utcnow()
        try:
            result = job.run(now=started_at)
            jobruns.note(job.name, started_at=started_at, finished_at=utcnow(), ok=True, detail=result)
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            app.logger.exception("scheduled job %s failed", job.name)
            try:
                jobruns.note(job.name, started_at=started_at, finished_at=utcnow(), ok=False,
                             detail=type(error).__name__)
                db.session.commit()
            except Exception:
                db.session.rollback()
                app.logger.exception("could not record the failure of job %s", job.name)
        finally:
            db.session.remove()


def add_jobs(app: Flask, scheduler) -> None:
    for job in JOBS:
        scheduler.add_job(
            run_job, "interval", args=(app, job), id=job.name, seconds=app.config[job.interval_key],
            max_instances=1, coalesce=True, replace_existing=True,
        )


def start_embedded(app: Flask) -> BackgroundScheduler:
    """Development: run the jobs in a thread of the web process."""
    scheduler = BackgroundScheduler(timezone="UTC")
    add_jobs(app, scheduler)
    scheduler.start()
    return scheduler


def try_scheduler_lock(connection) -> bool:
    """Take the cluster-wide scheduler lock on PostgreSQL (held while *connection* lives).

    SQLite deployments are one machine with one scheduler by definition, so there it always succeeds.
    """
    if connection.dialect.name != "postgresql":
        return True
    taken = connection.execute(text("SELECT pg_try_advisory_lock(:id)"), {"id": ADVISORY_LOCK_ID}).scalar()
    connection.commit()
    return bool(taken)


def run_forever(app: Flask, *, poll_seconds: int = 30) -> None:
    """Production worker: wait for the single-scheduler lock, then run the jobs until stopped."""
    with app.app_context():
        engine = db.engine
    with engine.connect() as lock_connection:
        while not try_scheduler_lock(lock_connection):
            app.logger.info("another scheduler holds the lock; waiting")
            time.sleep(poll_seconds)
        scheduler = BlockingScheduler(timezone="UTC")
        add_jobs(app, scheduler)
        scheduler.start()
