"""One input layer in front of every view: malformed input becomes a 400/404 or a form error
before it reaches a service or the database.

- Text: every query and form value loses NUL and the other control characters (C0 except tab,
  line feed and carriage return; DEL; C1). PostgreSQL refuses NUL in text, SQLite stores it, and
  RFC 5545 and XML forbid the rest; nobody types them on purpose (Word's soft line break U+000B is
  the usual stowaway), so removing them is kinder than refusing the form.
- Paths: a control character in the path is a 404 (no route names one), before the view runs.
- Integers: `<int:...>` in routes and `request.args.get(..., type=int)` accept only values that fit
  the database's 32-bit integer columns; others are "not given" (the argument's default) or a 404.
- Forms see a missing field as an empty one (WTForms already does, given the cleaned values).
"""
import re

from flask import Flask, Request, abort, request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter

INT_MIN = -(2**31)
INT_MAX = 2**31 - 1  # PostgreSQL's integer, the type of every id and count column

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(value: str) -> str:
    """*value* without control characters other than tab, line feed and carriage return."""
    return CONTROL_CHARACTERS.sub("", value)


MAX_PAGE = 100_000  # page numbers beyond are clamped: OFFSET stays far from the 64-bit limit


def page_number(value) -> int:
    """A page number from the query string, 1 for anything that is not a number, clamped to MAX_PAGE."""
    number = bounded_int(value, 1, low=-(2**63), high=2**63)
    return min(max(number, 1), MAX_PAGE)


def bounded_int(value, default=None, *, low: int = INT_MIN, high: int = INT_MAX):
    """*value* as an int if it is one within [low, high], else *default*."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if low <= number <= high else default


class CleanMultiDict(ImmutableMultiDict):
    """Query and form values with control characters removed; `type=int` bounded to the columns."""

    def __init__(self, mapping=None):
        if mapping is None:
            super().__init__()
            return
        items = mapping.items(multi=True) if isinstance(mapping, MultiDict) else (
            mapping.items() if isinstance(mapping, dict) else mapping)
        super().__init__(
            (clean_text(key), clean_text(value) if isinstance(value, str) else value) for key, value in items
        )

    def get(self, key, default=None, type=None):
        if type is int:
            value = super().get(key)
            return default if value is None else bounded_int(value, default)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        if type is int:
            return [number for number in (bounded_int(v) for v in super().getlist(key)) if number is not None]
        return super().getlist(key, type)


class CleanRequest(Request):
    parameter_storage_class = CleanMultiDict


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` matches only what fits an id column; larger numbers are a 404, not a 500."""

    def __init__(self, map, fixed_digits=0, min=None, max=INT_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_inputs(app: Flask) -> None:
    """Install the layer; must run before the blueprints register their routes."""
    app.request_class = CleanRequest
    app.url_map.converters["int"] = BoundedIntConverter

    @app.before_request
    def _refuse_control_characters_in_path():
        if CONTROL_CHARACTERS.search(request.path):
            abort(404)
