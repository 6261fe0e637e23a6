"""Redirect targets from user input (`?next=`): a path on this site, or the default.

The check reads the value as a browser will read the Location header. Browsers remove ASCII tab,
line feed and carriage return anywhere in a URL and C0 controls and spaces at either end (WHATWG
URL), and so does Python's urlsplit, which Werkzeug uses to build the header: "/<tab>/evil.example"
becomes "//evil.example", another site. So the value is first normalised that way, then parsed with
that same urlsplit, and only a same-site absolute path passes: no scheme, no host, one leading
slash, no backslash (browsers read it as a slash), no control character. Percent-encoded slashes,
backslashes and controls are judged decoded too ("/%2F%2Fevil.example" falls back), although a
browser keeps them in the path: no target of ours starts with one, and the server might decode them.
The normalised value is what the redirect then sends, so the header never carries a line break.
"""
import re
from urllib.parse import unquote, urlsplit

from werkzeug.urls import iri_to_uri

_STRIPPED = "".join(map(chr, range(0x21)))  # C0 controls and space, at either end
_REMOVED = re.compile("[\t\n\r]")  # anywhere
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def normalise(value: str) -> str:
    """*value* as a browser reads a URL: tab and line breaks removed, ends stripped of controls and spaces."""
    return _REMOVED.sub("", value.strip(_STRIPPED))


def _is_local_path(target: str) -> bool:
    if not target.startswith("/") or target.startswith("//") or "\\" in target or _CONTROL.search(target):
        return False
    for url in (target, iri_to_uri(target)):  # as checked, and as the Location header will carry it
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
            return False
    path = unquote(urlsplit(target).path)
    return not (path.startswith("//") or "\\" in path or _CONTROL.search(path))


def safe_target(value: str | None, default: str) -> str:
    """*value*, normalised, if it is a path on this site; otherwise *default*."""
    if not value:
        return default
    target = normalise(value)
    return target if _is_local_path(target) else default
