"""When each scheduled job last ran, and how it ended: the records-of-processing page shows it for the
retention jobs, and an operator sees at a glance whether the scheduler runs at all. Kept in the
database, so it survives restarts and is the same for every process."""
from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base
from lms.extensions import db


class JobRun(Base):
    __tablename__ = "job_run"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    ok: Mapped[bool]
    detail: Mapped[str] = mapped_column(String(500), default="")  # rows affected, or the error's class
    runs: Mapped[int] = mapped_column(default=0, server_default="0")  # since the table began, for /metrics
    failures: Mapped[int] = mapped_column(default=0, server_default="0")


def note(name: str, *, started_at: datetime, finished_at: datetime, ok: bool, detail: object = None) -> None:
    """Record the latest run of job *name* (one row per job, replaced each time)."""
    row = db.session.get(JobRun, name) or JobRun(name=name)
    row.started_at, row.finished_at, row.ok = started_at, finished_at, ok
    row.runs = (row.runs or 0) + 1
    row.failures = (row.failures or 0) + (0 if ok else 1)
    row.detail = "" if detail is None else str(detail)[:500]
    db.session.add(row)
    db.session.flush()


def last_runs() -> dict[str, JobRun]:
    return {row.name: row for row in db.session.scalars(select(JobRun))}
