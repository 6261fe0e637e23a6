"""Scheduled work of the account package (thin: the services do it)."""
from lms.auth import services


def purge_login_sessions(*, now) -> None:
    services.purge_login_sessions(now=now)
