"""Secret addresses never reach a log in clear text: every record shows private feed addresses as
/kalender/***.ics, password reset and invitation links as /passwort-zuruecksetzen/*** and /einladung/***.

Whoever reads a private feed address (/kalender/<token>.ics) reads the person's calendar, and a
reset or invitation link opens an account, so the filter finds them however a client or a logger
spelled them: percent-encoded (once or more), with
doubled slashes, dot segments or backslashes, in any letter case, with a query string, as a bare
path, in a request line or a full URL (a Referer); in the message, in its arguments (a tuple, or
gunicorn's dict of access log atoms, whose type it keeps) and in a traceback. Everything after a
`kalender/` path segment is masked unless it is exactly one of the public addresses, which stay
readable; everything after `passwort-zuruecksetzen/` and `einladung/` is masked.
"""
import copy
import logging
import re
from collections.abc import Mapping, MutableMapping
from urllib.parse import unquote

from flask import Flask

from lms.dimensions import Dimension

MASK = "***"
_DIMENSIONS = "|".join(re.escape(dimension.value) for dimension in Dimension)
# What may follow /kalender/ unmasked, as path segments without empty and "." ones.
PUBLIC = re.compile(rf"angebote\.ics|(?:module|regionen|termine|beratungen)/\d+\.ics|dimension/(?:{_DIMENSIONS})\.ics")
_WORD = re.compile(r"[^\s\"'<>`\x00-\x1f\x7f]+")  # a run that can hold a URL: log formats quote or space-separate
SECRET_SEGMENTS = ("kalender", "passwort-zuruecksetzen", "einladung")
_SEGMENT = re.compile(rf"(?<=/)({'|'.join(SECRET_SEGMENTS)})/", re.IGNORECASE)
_QUERY_PART = re.compile(r"([&=;])")
_ESCAPE_ROUNDS = 4  # %252F and deeper: decoded as far as a misbehaving client might have encoded
_HEX = frozenset("0123456789abcdefABCDEF")
_TRACEBACKS = logging.Formatter()


def _decoded(raw: str) -> tuple[str, list[int]]:
    """*raw* percent-decoded (repeatedly) with backslashes read as slashes, and for each decoded
    character the index in *raw* where it begins."""
    chars, starts = list(raw), list(range(len(raw)))
    for _ in range(_ESCAPE_ROUNDS if "%" in raw else 0):
        out_chars, out_starts, i, changed = [], [], 0, False
        while i < len(chars):
            if chars[i] == "%" and i + 2 < len(chars) and chars[i + 1] in _HEX and chars[i + 2] in _HEX:
                out_chars.append(chr(int(chars[i + 1] + chars[i + 2], 16)))
                out_starts.append(starts[i])
                i, changed = i + 3, True
            else:
                out_chars.append(chars[i])
                out_starts.append(starts[i])
                i += 1
        chars, starts = out_chars, out_starts
        if not changed:
            break
    return "".join(chars).replace("\\", "/"), starts


def _mentions_secret(raw: str) -> bool:
    probe = raw
    for _ in range(_ESCAPE_ROUNDS):
        decoded = unquote(probe) if "%" in probe else probe
        if decoded == probe:
            break
        probe = decoded
    probe = probe.lower()
    return any(segment in probe for segment in SECRET_SEGMENTS)


def _mask_path(raw: str) -> str:
    if not _mentions_secret(raw):  # the quick answer for nearly every word
        return raw
    decoded, starts = _decoded(raw)
    found = _SEGMENT.search(decoded)
    if found is None:
        return raw
    name, rest = found.group(1).lower(), decoded[found.end():]
    segments = [segment for segment in rest.split("/") if segment not in ("", ".")]
    if not segments or (name == "kalender" and PUBLIC.fullmatch("/".join(segments))):
        return raw
    suffix = ".ics" if name == "kalender" and ".ics" in rest.lower() else ""
    return raw[:starts[found.start()]] + f"{name}/{MASK}{suffix}"


def _mask_word(word: str) -> str:
    if not _mentions_secret(word):
        return word
    # The path ends at the first ? or # as sent; the query's values may hold an address of their own.
    cut = min((i for i in (word.find("?"), word.find("#")) if i >= 0), default=len(word))
    path, rest = word[:cut], word[cut:]
    if rest:
        rest = rest[0] + "".join(_mask_path(part) for part in _QUERY_PART.split(rest[1:]))
    return _mask_path(path) + rest


def mask(text: str) -> str:
    """*text* with every private feed address shown as .../kalender/***.ics, reset and invitation
    links as .../passwort-zuruecksetzen/*** and .../einladung/***."""
    if not _mentions_secret(text):
        return text
    return _WORD.sub(lambda found: _mask_word(found.group()), text)


class MaskTokens(logging.Filter):
    """Masks secret addresses in every record it sees (it never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, Mapping):  # gunicorn's access log: one dict of atoms, of its own type
            changed = {key: masked for key, value in args.items()
                       if isinstance(value, str) and (masked := mask(value)) != value}
            if changed:
                try:
                    args = copy.copy(args)  # never the caller's own dict; SafeAtoms stays SafeAtoms
                except Exception:
                    args = dict(args)
                if not isinstance(args, MutableMapping):
                    args = dict(args)
                args.update(changed)
                record.args = args
        elif isinstance(args, tuple):
            record.args = tuple(mask(value) if isinstance(value, str) else value for value in args)
        try:
            message = record.getMessage()
        except Exception:  # logging reports the broken record itself; it must not print the token
            record.msg = mask(str(record.msg))
        else:
            # An address made of the format and an argument, or inside an argument that is no string.
            masked_message = mask(message)
            if masked_message != message:
                record.msg, record.args = masked_message, ()
        if record.exc_info and not record.exc_text:
            text = _TRACEBACKS.formatException(record.exc_info)
            if mask(text) != text:
                record.exc_text = mask(text)  # formatters use the cached text instead of formatting again
        elif record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


_FILTER = MaskTokens()
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def init_logging(app: Flask) -> None:
    """Mask on the loggers that write requests and errors (the dev server's, gunicorn's two, the
    app's and the root) and on their handlers and logging's last resort, which also see the records
    of every logger below them. Handlers added later to other loggers are not covered."""
    loggers = [logging.getLogger(), app.logger, *(logging.getLogger(name) for name in LOGGERS)]
    targets = [*loggers, *(handler for logger in loggers for handler in logger.handlers)]
    if logging.lastResort is not None:
        targets.append(logging.lastResort)
    for target in targets:
        if not any(isinstance(existing, MaskTokens) for existing in target.filters):
            target.addFilter(_FILTER)
