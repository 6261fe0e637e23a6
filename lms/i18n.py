"""Translation helpers, locale choice and Europe/Berlin date filters."""
from datetime import datetime

from flask import current_app, has_request_context, request
from flask_babel import format_date, format_datetime, format_decimal, format_time, gettext, lazy_gettext, ngettext
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


def _local_datetime(value: datetime | None, format: str = "dd.MM.yyyy, HH:mm") -> str:
    return "" if value is None else format_datetime(value, format)


def _local_date(value, format: str = "dd.MM.yyyy") -> str:
    return "" if value is None else format_date(value, format)


def _local_time(value: datetime | None, format: str = "HH:mm") -> str:
    return "" if value is None else format_time(value, format)


def _local_number(value) -> str:
    return "" if value is None else format_decimal(value)


def register_filters(app) -> None:
    app.add_template_filter(_local_datetime, "datetime")
    app.add_template_filter(_local_date, "date")
    app.add_template_filter(_local_time, "time")
    app.add_template_filter(_local_number, "number")
