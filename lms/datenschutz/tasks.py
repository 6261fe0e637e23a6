"""Scheduled work of data protection (thin)."""
from lms.datenschutz.erasure import erase_deactivated_accounts as _erase


def erase_deactivated_accounts(*, now) -> int:
    return _erase(now=now)
