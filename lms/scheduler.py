"""The one list of periodic jobs, and how they run: in an app context, commit or roll back.

Jobs read their work from the database, so a restart loses nothing. Any number of `lms scheduler`
processes may run: the one holding the lease in the database runs the jobs, the others wait to take
over (lms/leadership.py).
"""
import threading
from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from lms import audit, jobruns, leadership, requestlog
from lms.auth.tasks import purge_login_sessions
from lms.beratung.tasks import erase_case_content, purge_case_access, remind_consultations
from lms.datenschutz.tasks import erase_deactivated_accounts
from lms.db import utcnow
from lms.extensions import db
from lms.fragments import purge_content_changes
from lms.instrumente.tasks import sweep_files
from lms.module.tasks import close_registrations, purge_history, remind_participants
from lms.netzwerk.tasks import ask_to_confirm_entries, remind_of_agreements, remind_of_tasks
from lms.notifications.tasks import deliver_outbox, purge_mails
from lms.ratelimit import purge_rate_limit_counters


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
    Job("sweep_files", sweep_files, "RETENTION_INTERVAL_SECONDS"),
    Job("purge_content_changes", purge_content_changes, "RETENTION_INTERVAL_SECONDS"),
    Job("deliver_outbox", deliver_outbox, "OUTBOX_INTERVAL_SECONDS"),
)


def run_job(app: Flask, job: Job, lease: tuple[str, float] | None = None) -> None:
    """Run *job* once with the current time; commit its work, with the record of the run, or roll it
    back and record the failure (the error's class, never its text: it may hold data) on its own.
    With *lease* (holder, seconds) every commit of the job holds only while the holder leads."""
    with app.app_context():
        started_at, run_id = utcnow(), requestlog.start_job_run(job.name)
        if lease is not None:
            leadership.fence(db.session(), *lease)
        try:
            result = job.run(now=started_at)
            jobruns.note(job.name, started_at=started_at, finished_at=utcnow(), ok=True, detail=result)
            db.session.commit()
        except leadership.LeadershipLost:
            db.session.rollback()
            app.logger.warning("scheduled job %s stopped: this scheduler lost the lease", job.name)
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
            leadership.unfence(db.session())
            db.session.remove()
            requestlog.end_job_run(run_id)


def add_jobs(app: Flask, scheduler, lease: tuple[str, float] | None = None) -> None:
    for job in JOBS:
        scheduler.add_job(
            run_job, "interval", args=(app, job, lease), id=job.name, seconds=app.config[job.interval_key],
            max_instances=1, coalesce=True, replace_existing=True,
        )


def _hold(app: Flask, holder: str, seconds: float) -> bool:
    """Take or renew the lease; a database that does not answer proves nothing, so: not held."""
    with app.app_context():
        try:
            return leadership.acquire(holder, seconds=seconds)
        except Exception as error:
            db.session.rollback()
            app.logger.warning("scheduler lease: the database did not answer (%s)", type(error).__name__)
            return False
        finally:
            db.session.remove()


def _lead(app: Flask, holder: str, seconds: float, stop: threading.Event) -> None:
    """Run the jobs while the heartbeat renews the lease; stop them the moment it is not renewed."""
    scheduler = BackgroundScheduler(timezone="UTC")
    add_jobs(app, scheduler, lease=(holder, seconds))
    scheduler.start()
    try:
        while not stop.wait(seconds / 4):
            if not _hold(app, holder, seconds):
                app.logger.warning("scheduler %s lost the lease: its jobs stop", holder)
                return
    finally:
        scheduler.shutdown(wait=False)  # a job still running cannot commit: its commits are fenced
        if stop.is_set():
            with app.app_context():
                try:
                    leadership.release(holder)
                except Exception:
                    db.session.rollback()
                finally:
                    db.session.remove()


def run_forever(app: Flask, stop: threading.Event | None = None) -> None:
    """Wait for the scheduler lease, run the jobs while holding it, wait again if it is lost; until
    *stop* is set. A standby logs who leads whenever that changes."""
    stop = stop or threading.Event()
    holder, seconds = leadership.new_holder(), app.config["SCHEDULER_LEASE_SECONDS"]
    with app.app_context():
        leadership.bound_idle_transactions(db.engine, seconds)
    seen = None
    while not stop.is_set():
        if _hold(app, holder, seconds):
            app.logger.info("scheduler %s holds the lease: running the jobs", holder)
            seen = None
            _lead(app, holder, seconds, stop)
            continue
        with app.app_context():
            try:
                lease = leadership.current()
                leader = (lease.holder, lease.expires_at) if lease else None
            except Exception:
                db.session.rollback()
                leader = None
            finally:
                db.session.remove()
        if leader and leader[0] != seen:
            app.logger.info("scheduler %s waits: %s holds the lease (until %s)", holder, leader[0],
                               leader[1].isoformat(timespec="seconds"))
            seen = leader[0]
        stop.wait(seconds / 4)


def start_embedded(app: Flask) -> threading.Thread:
    """Development: the same leader election in a thread of the web process, so that `lms run` and
    `lms scheduler` side by side still run each job once."""
    thread = threading.Thread(target=run_forever, args=(app,), name="lms-scheduler", daemon=True)
    thread.start()
    return thread
