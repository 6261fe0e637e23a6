"""Scheduled work of the notifications package."""
from lms.notifications.services import deliver_due, purge_outbox


def deliver_outbox(*, now) -> int:
    return deliver_due(now=now)


def purge_mails(*, now) -> int:
    return purge_outbox(now=now)
