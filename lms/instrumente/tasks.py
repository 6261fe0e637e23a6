"""Scheduled work of the instrument library (thin: the services do it)."""
from lms.instrumente.services.files import sweep_unused_files


def sweep_files(*, now) -> int:
    return sweep_unused_files(now=now)
