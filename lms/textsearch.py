"""German text analysis shared by the searches: the same words match in the instrument library and
the module catalogue.

Words are lower-cased, "ß" becomes "ss" and every word is reduced to its Snowball German stem, so
"Kooperationsvereinbarungen" and "Kooperationsvereinbarung" share a term, and "Gefährdung" and
"Gefaehrdung" do too. Query terms match as prefixes, so "Netzwerk" also finds "Netzwerkkarte"; the catalogue also
matches longer terms inside words (`word_match`).
"""
import html
import re
from functools import lru_cache

import snowballstemmer
from markupsafe import Markup, escape
from sqlalchemy import or_

from lms.db import folded

WORD = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_TERMS = 8
_stemmer = snowballstemmer.stemmer("german")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return _stemmer.stemWord(word.lower().replace("ß", "ss"))


def terms(text: str) -> list[str]:
    """The search terms of a text: German stems of its words."""
    return [stem(word) for word in WORD.findall(text or "")]


def query_terms(query: str) -> list[str]:
    unique = list(dict.fromkeys(term for term in terms(query) if term))
    return unique[:MAX_QUERY_TERMS]


def term_line(text: str) -> str:
    """A text's terms as one stored string, each word led by a space, for `word_match`."""
    return "".join(f" {term}" for term in terms(text))


def escape_like(text: str) -> str:
    """*text* for a LIKE pattern in which "%", "_" and "\\" stand for themselves (with escape="\\")."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains_pattern(text: str) -> str:
    """A LIKE pattern (escape="\\") for values that hold *text*, leading and trailing spaces aside."""
    return f"%{escape_like(text.strip())}%"


def contains(column, text: str):
    """SQL: *column* holds *text* in any case ("müller" finds "MÜLLER" on both engines), "%" and "_"
    standing for themselves. Both sides are lowered by the same engine's function, which is not
    always Python's: PostgreSQL makes "İ" an "i", Python an "i" with a dot above."""
    return folded(column).like(folded(contains_pattern(text)), escape="\\")


INFIX_FROM = 4  # query terms this long also match inside a word: "gefahrd" finds "kindeswohlgefahrd"


def word_match(columns, term: str):
    """SQL: some word of one of *columns* (filled by `term_line`) holds *term*: at its start, or for
    terms of INFIX_FROM letters and more anywhere in it, since German joins words ("Kinderrechte"
    is found by "Rechte")."""
    escaped = escape_like(term)
    pattern = f"%{escaped}%" if len(term) >= INFIX_FROM else f"% {escaped}%"
    return or_(*(column.like(pattern, escape="\\") for column in columns))


def highlight(value: str, query: str) -> Markup:
    """Escape *value* and wrap the words that match a query term in <mark>."""
    stems = query_terms(query)
    if not stems or not value:
        return escape(value or "")
    parts, last = [], 0
    for match in WORD.finditer(value):
        word_stem = stem(match.group())
        if any(word_stem.startswith(term) for term in stems):
            parts.append(escape(value[last:match.start()]))
            parts.append(Markup("<mark>") + escape(match.group()) + Markup("</mark>"))
            last = match.end()
    parts.append(escape(value[last:]))
    return Markup("").join(parts)


_TAG = re.compile(r"(<[^>]*>)")


def highlight_markup(markup: Markup, query: str) -> Markup:
    """`highlight` inside safe HTML (rendered Markdown): only the text between the tags is marked."""
    if not query_terms(query):
        return markup
    parts = _TAG.split(str(markup))
    return Markup("").join(Markup(part) if index % 2 else highlight(html.unescape(part), query)
                           for index, part in enumerate(parts))
