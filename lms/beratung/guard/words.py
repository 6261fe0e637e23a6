"""The guard's word lists (lms/beratung/data/), loaded once when first needed, and the one way
to compare words: case, umlauts (ä/ae), ß/ss and other accents folded (Ayşe = Ayse)."""
import re
import unicodedata
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
LETTERS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ı": "i", "ł": "l", "ø": "o", "đ": "d",
                         "æ": "ae", "œ": "oe", "’": "'"})
# Places known by their first word alone: "Frankfurt" for "Frankfurt am Main", "Halle" for "Halle (Saale)".
CORE = re.compile(r"^([^\W\d_]+(?:-[^\W\d_]+)*)\s*(?:\(|/|,|\s(?:am|an|im|in|bei|ob|auf|vor)\s)")


def fold(word: str) -> str:
    """The form words are compared in: Müller, MUELLER and müller are one."""
    word = word.lower().translate(LETTERS)
    return "".join(char for char in unicodedata.normalize("NFKD", word) if not unicodedata.combining(char))


@cache
def entries(name: str) -> frozenset[str]:
    """The folded entries of a data file, without its comment header."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return frozenset(fold(line.strip()) for line in lines if line.strip() and not line.startswith("#"))


@cache
def places() -> tuple[frozenset[str], dict[str, list[tuple[str, ...]]]]:
    """Single-word places and, by their first word, the places of several words (Bad Lausick)."""
    single, phrases = set(), {}
    for line in (DATA / "places.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        words = tuple(fold(word) for word in WORD.findall(line))
        if len(words) == 1:
            single.add(words[0])
        elif words:
            phrases.setdefault(words[0], []).append(words)
            if (core := CORE.match(line)) and "-" not in core.group(1):
                single.add(fold(core.group(1)))
    for found in phrases.values():
        found.sort(key=len, reverse=True)
    return frozenset(single), phrases


@cache
def listed() -> frozenset[str]:
    """Every single-word given name, surname and place."""
    return given_names() | surnames() | places()[0]


def given_names() -> frozenset[str]:
    return entries("given_names.txt")


def surnames() -> frozenset[str]:
    return entries("surnames.txt")


@cache
def ordinary() -> frozenset[str]:
    """Names that are also ordinary words (Bach, Essen) and the vignettes' everyday words (Kita, Oma)."""
    return entries("ordinary_words.txt") | entries("common_words.txt")


def name_words() -> frozenset[str]:
    return entries("name_words.txt")


def institution_names() -> frozenset[str]:
    return entries("institution_names.txt")
