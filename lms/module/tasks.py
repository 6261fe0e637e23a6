"""Scheduled work of the qualification package (thin: the services do it)."""
from lms.module.services import close_due_registrations, send_date_reminders


def close_registrations(*, now) -> None:
    close_due_registrations(now=now)


def remind_participants(*, now) -> None:
    send_date_reminders(now=now)
