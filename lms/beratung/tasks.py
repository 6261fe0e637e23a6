"""Scheduled work of the consultation package (thin: the services do it)."""
from lms.beratung.services import (
    erase_expired_case_content,
    send_consultation_reminders,
)


def remind_consultations(*, now) -> None:
    send_consultation_reminders(now=now)


def erase_case_content(*, now) -> None:
    erase_expired_case_content(now=now)
