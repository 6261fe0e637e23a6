"""Scheduled work of the notifications package."""
from lms.notifications.services import deliver_due


def deliver_outbox(*, now) -> None:
    deliver_due(now=now)
