"""Translation helpers, locale choice and Europe/Berlin date filters.

Flask-Babel looks the language, its translations and the time zone up again through the context on
every call (about 8 µs for a gettext, 12 µs for a time zone conversion): a long page makes several
hundred such calls, and that was a tenth of its time. Here they are looked up once per request or
job (`_speech`) and kept on `g`; `speaking` switches the language for a block and starts the lookup
again, which is why Flask-Babel's own `force_locale` and `refresh` are not used (ruff bans them).
"""
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, tzinfo
from typing import NamedTuple
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers
from babel.support import NullTranslations, Translations
from flask import current_app, g, has_request_context, request
from flask_babel import force_locale, get_locale, get_translations  # noqa: TID251 - this module is their one user
from flask_babel.speaklater import LazyString
from flask_login import current_user

__all__ = ["_", "_l", "lazy_ngettext", "ngettext", "register_filters", "select_locale", "speaking"]

_NO_TRANSLATIONS = NullTranslations()


class _Speech(NamedTuple):
    locale: Locale | None
    translations: Translations | NullTranslations
    zone: tzinfo


def _speech() -> _Speech | None:
    """The language, translations and time zone of this request or job; None outside an app context."""
    try:
        return g._lms_speech
    except AttributeError:
        speech = g._lms_speech = _Speech(get_locale(), get_translations(),
                                         ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
        return speech
    except RuntimeError:  # no app context: import time, a script
        return None


@contextmanager
def speaking(locale: str) -> Iterator[None]:
    """Speak *locale* in this block (a mail in its recipient's language), then the language before."""
    before = g.pop("_lms_speech", None)
    try:
        with force_locale(locale):
            yield
    finally:
        g.pop("_lms_speech", None)  # what the block looked up
        if before is not None:
            g._lms_speech = before


def _translations() -> Translations | NullTranslations:
    speech = _speech()
    return speech.translations if speech else _NO_TRANSLATIONS


def gettext(string: str, **variables) -> str:
    text = _translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return _translations().ungettext(singular, plural, num) % variables


def lazy_gettext(string: str, **variables) -> LazyString:
    """A text translated when it is shown (form labels, enum labels: defined before any request)."""
    return LazyString(gettext, string, **variables)


def lazy_ngettext(singular: str, plural: str, num: int, **variables) -> LazyString:
    return LazyString(ngettext, singular, plural, num, **variables)


_ = gettext
_l = lazy_gettext


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
_WEEKDAY_PATTERN = "EEE, dd.MM.yyyy"


def _local(value):
    """A datetime (UTC, aware or naive) in the user's time zone; a date as it is."""
    if not isinstance(value, datetime):
        return value
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(_speech().zone)


def _local_datetime(value: datetime | None, format: str = "dd.MM.yyyy, HH:mm") -> str:
    if value is None:
        return ""
    pattern = _NUMERIC_PATTERNS.get(format)
    return _local(value).strftime(pattern) if pattern else dates.format_datetime(
        _local(value), format, locale=_speech().locale)


def _local_date(value, format: str = "dd.MM.yyyy") -> str:
    if value is None:
        return ""
    pattern = _NUMERIC_PATTERNS.get(format)
    if pattern:
        return _local(value).strftime(pattern)
    if format == _WEEKDAY_PATTERN:  # lists of dates: the weekday's short name from the locale, then numbers
        local = _local(value)
        return f"{_speech().locale.days['format']['abbreviated'][local.weekday()]}, {local.strftime('%d.%m.%Y')}"
    return dates.format_date(_local(value), format, locale=_speech().locale)


def _local_time(value: datetime | None, format: str = "HH:mm") -> str:
    if value is None:
        return ""
    pattern = _NUMERIC_PATTERNS.get(format)
    return _local(value).strftime(pattern) if pattern else dates.format_time(_local(value), format, locale=_speech().locale)


def _local_number(value) -> str:
    return "" if value is None else numbers.format_decimal(value, locale=_speech().locale)


def register_filters(app) -> None:
    """The date and number filters, and the templates' gettext through `_speech` (Flask-Babel's own
    callables look the translations up on every call)."""
    app.add_template_filter(_local_datetime, "datetime")
    app.add_template_filter(_local_date, "date")
    app.add_template_filter(_local_time, "time")
    app.add_template_filter(_local_number, "number")
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: _translations().ugettext(string),
        ngettext=lambda singular, plural, num: _translations().ungettext(singular, plural, num),
        pgettext=lambda context, string: _translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, num: _translations().unpgettext(context, singular, plural, num),
        newstyle=True,
    )
