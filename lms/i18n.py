"""Translation helpers, locale choice and Europe/Berlin date filters."""
from datetime import datetime

from flask import current_app, has_request_context, request
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    format_time,
    gettext,
    lazy_gettext,
    ngettext,
    to_user_timezone,
)
from flask_login import current_user

_ = gettext
_l = lazy_gettext
__all__ = ["_", "_l", "ngettext", "select_locale", "register_filters"]


def select_locale() -> str:
    """The user's chosen language, else the browser's preference, else German."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # jobs and the CLI speak the default language
        return languages[0]
    locale = getattr(current_user, "locale", None)
    if locale in languages:
        return locale
    return request.accept_languages.best_match(languages, default=languages[0])


# Patterns made of numbers only read the same in every locale: strftime writes them about twenty
# times faster than Babel, which matters on a page of sixty dates (tests/test_formats.py compares both).
_NUMERIC_PATTERNS = {"dd.MM.yyyy": "%d.%m.%Y", "HH:mm": "%H:%M", "dd.MM.yyyy, HH:mm": "%d.%m.%Y, %H:%M"}


def _numeric(value, pattern: str) -> str:
    local = to_user_timezone(value) if isinstance(value, datetime) else value
    return local.strftime(pattern)


def _local_datetime(value: datetime | None, format: str = "dd.MM.yyyy, HH:mm") -> str:
    if value is None:
        return ""
    pattern = _NUMERIC_PATTERNS.get(format)
    return _numeric(value, pattern) if pattern else format_datetime(value, format)


def _local_date(value, format: str = "dd.MM.yyyy") -> str:
    if value is None:
        return ""
    pattern = _NUMERIC_PATTERNS.get(format)
    return _numeric(value, pattern) if pattern else format_date(value, format)


def _local_time(value: datetime | None, format: str = "HH:mm") -> str:
    if value is None:
        return ""
    pattern = _NUMERIC_PATTERNS.get(format)
    return _numeric(value, pattern) if pattern else format_time(value, format)


def _local_number(value) -> str:
    return "" if value is None else format_decimal(value)


def register_filters(app) -> None:
    app.add_template_filter(_local_datetime, "datetime")
    app.add_template_filter(_local_date, "date")
    app.add_template_filter(_local_time, "time")
    app.add_template_filter(_local_number, "number")
