"""Scheduled work of the consultation package (thin: the services do it)."""
from lms.beratung.services import (
    erase_expired_case_content,
    send_consultation_reminders,
)
from lms.beratung.services.cases import purge_case_access_log


def remind_consultations(*, now) -> None:
    send_consultation_reminders(now=now)


def erase_case_content(*, now) -> int:
    return erase_expired_case_content(now=now)


def purge_case_access(*, now) -> int:
    return purge_case_access_log(now=now)
