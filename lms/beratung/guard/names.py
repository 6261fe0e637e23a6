"""Names in running German text: given names, surnames, places and institutions.

Every German noun is capitalised, and many names are ordinary words (Bach, Essen, Hof, Müller),
so a word of the lists counts as a name by itself only when it is no ordinary word; an ordinary
one counts only in context: "Herr/Frau/Familie X", a given name before a surname, "in/aus X" for
places, an institution word before an institution's name ("Kita Sonnenschein"). A word after an
article is a noun ("der Bach"), and a lower-case word is never a name.
"""
import re
from dataclasses import dataclass

from lms.beratung.guard import words

SALUTATIONS = {"herr", "herrn", "frau", "hr", "fr"}
FAMILY = {"familie", "fam", "ehepaar", "geschwister"}
TITLES = {"dr", "prof", "doktor", "med", "dipl"}
ABBREVIATIONS = TITLES | {"st", "hr", "fr", "fam", "tel", "nr", "abs", "ca", "bzw", "z", "b", "u", "a", "geb", "hl",
                          "str", "vgl", "ggf", "evtl", "inkl", "usw", "etc", "s"}
ARTICLES = {"der", "die", "das", "dem", "den", "des", "ein", "eine", "einem", "einen", "einer", "eines", "kein",
            "keine", "keinem", "keinen", "keiner", "mein", "meine", "meinem", "meinen", "meiner", "sein", "seine",
            "seinem", "seinen", "seiner", "ihr", "ihre", "ihrem", "ihren", "ihrer", "unser", "unsere", "unserem",
            "unseren", "dein", "deine", "euer", "eure", "dieser", "diese", "dieses", "diesem", "diesen", "jeder",
            "jede", "jedes", "jedem", "jeden", "welcher", "welche", "welches", "als", "zum", "zur", "vom", "beim",
            "im", "am", "ins", "ans", "aufs", "fürs", "übers", "etwas", "nichts", "viel", "viele", "wenig"}
PLACE_WORDS = {"in", "aus", "bei", "nahe", "landkreis", "kreis", "stadt", "gemeinde", "raum", "region", "ortsteil",
               "stadtteil"}
DATIVE = {"der", "einer", "dieser", "jener", "unserer", "ihrer", "seiner", "meiner", "jeder"}
NAMING = {"heisst", "hiess", "heissen", "namens", "genannt", "name", "vorname", "nachname"}
# Roles and relatives: "Frau Doktor", "Lenas Mutter" are no surnames.
ROLES = {"mutter", "vater", "oma", "opa", "bruder", "schwester", "eltern", "familie", "mama", "papa", "tante",
         "onkel", "tochter", "sohn", "kind", "kinder", "lehrerin", "lehrer", "erzieherin", "erzieher", "leiterin",
         "leiter", "kollegin", "kollege", "direktorin", "direktor", "pfarrer", "pfarrerin", "fachkraft", "und",
         "oder"}
INSTITUTIONS = {"kita", "kitas", "kindertagesstaette", "kindertageseinrichtung", "kindergarten", "kinderkrippe",
                "krippe", "kinderhaus", "hort", "schule", "grundschule", "oberschule", "mittelschule", "realschule",
                "hauptschule", "gesamtschule", "gemeinschaftsschule", "foerderschule", "gymnasium", "berufsschule",
                "sekundarschule", "stadtteilschule", "praxis", "kinderarztpraxis", "arztpraxis", "hausarztpraxis",
                "kinderklinik", "klinik", "klinikum", "krankenhaus", "jugendhaus", "jugendclub", "jugendzentrum",
                "familienzentrum", "wohngruppe", "kinderheim", "heim", "tagesgruppe", "sportverein", "verein",
                "kirchengemeinde", "beratungsstelle", "jugendhilfeeinrichtung", "internat", "ganztagsschule"}
SAINTS = {"st", "sankt", "hl", "heilige", "heiligen", "dr"}
# "Grundschule am Rosental", but "Kita am Montag".
TIMES = {"montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag", "morgen", "vormittag",
         "nachmittag", "abend", "mittag", "wochenende", "anfang", "ende", "tag", "tage", "ort", "rand", "telefon",
         "nachmittags", "vormittags", "januar", "februar", "maerz", "april", "mai", "juni", "juli", "august",
         "september", "oktober", "november", "dezember"}
QUOTE = re.compile(r"[„“\"'‚‘»«]")
SENTENCE_END = re.compile(r"[.!?:;\n]")


@dataclass
class Token:
    text: str
    start: int
    end: int
    key: str
    before: str  # the characters between the previous token and this one
    sentence_start: bool

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper() and not (len(self.text) > 1 and self.text.isupper())

    @property
    def hyphen_before(self) -> bool:
        return self.before == "-"


def tokens(text: str) -> list[Token]:
    found, previous = [], None
    for match in words.WORD.finditer(text):
        before = text[previous.end if previous else 0:match.start()]
        abbreviation = previous is not None and previous.key in ABBREVIATIONS and before.startswith(".")
        start = previous is None or (bool(SENTENCE_END.search(before)) and not abbreviation) or bool(
            QUOTE.search(before) and not previous.text[-1:].isalpha())
        previous = Token(match.group(0), match.start(), match.end(), words.fold(match.group(0)), before, start)
        found.append(previous)
    return found


def _base(token: Token) -> str:
    """The key without a genitive -s (Müllers, Lenas) when the word itself is not listed."""
    key = token.key.rstrip("'")
    if key not in words.listed() and key.endswith("s") and len(key) > 3 and key not in words.ordinary():
        return key[:-1]
    return key


def _ordinary(key: str) -> bool:
    return key in words.ordinary() and key not in words.name_words()


def _after_article(tokens_: list[Token], index: int) -> bool:
    return index > 0 and tokens_[index - 1].key in ARTICLES and not tokens_[index].sentence_start


def _kind_of(token: Token) -> str | None:
    """"given", "surname" or "place" for a listed word that is no ordinary word."""
    key = _base(token)
    if not token.capitalised or _ordinary(key):
        return None
    if key in words.given_names():
        return "given_name"
    if key in words.surnames():
        return "surname"
    if key in words.places()[0]:
        return "place"
    return None


def _listed(token: Token) -> set[str]:
    key = _base(token)
    return {kind for kind, names in (("given_name", words.given_names()), ("surname", words.surnames()),
                                     ("place", words.places()[0])) if key in names}


def _place_phrase(tokens_: list[Token], index: int) -> int:
    """How many tokens from *index* on spell a place of several words (Bad Lausick), 0 if none."""
    for phrase in words.places()[1].get(tokens_[index].key, ()):
        following = tokens_[index:index + len(phrase)]
        if len(following) == len(phrase) and all(token.key == word for token, word in zip(following, phrase)) and \
                all(token.before in (" ", "-") for token in following[1:]) and tokens_[index].capitalised:
            return len(phrase)
    return 0


def _institution_end(text: str, tokens_: list[Token], index: int) -> int | None:
    """Where the proper name after an institution word (tokens_[index]) ends, if it has one."""
    following = tokens_[index + 1:index + 4]
    if not following:
        return None
    first = following[0]
    if QUOTE.search(first.before) and first.capitalised:
        close = QUOTE.search(text, first.end)
        return close.end() if close and close.start() - first.end < 60 else first.end
    if first.before not in (" ", "-", " (") or not first.capitalised and first.key not in ("am", "an"):
        return None
    if first.key in SAINTS and len(following) > 1 and following[1].capitalised:
        return following[1].end
    if first.key in ("am", "an") and first.before == " ":
        rest = following[1:] if first.key == "am" else following[2:] if len(following) > 2 and \
            following[1].key in ("der", "den") else []
        return rest[0].end if rest and rest[0].capitalised and rest[0].key not in TIMES else None
    if first.key in words.institution_names() or _kind_of(first) or _place_phrase(tokens_, index + 1):
        return first.end
    return None


def find(text: str) -> list[tuple[str, int, int]]:
    """(kind, start, end) of each name, place and institution in *text*."""
    found = []
    all_tokens = tokens(text)
    index = 0
    while index < len(all_tokens):
        token = all_tokens[index]
        previous = all_tokens[index - 1] if index else None
        following = all_tokens[index + 1] if index + 1 < len(all_tokens) else None
        if token.key in INSTITUTIONS and token.capitalised and (end := _institution_end(text, all_tokens, index)):
            found.append(("institution", token.start, end))
            while index + 1 < len(all_tokens) and all_tokens[index + 1].start < end:
                index += 1
            index += 1
            continue
        if token.hyphen_before and previous is not None and previous.key in INSTITUTIONS and \
                token.key in words.institution_names():
            found.append(("institution", previous.start, token.end))
        if token.key in INSTITUTIONS and following is not None and following.hyphen_before and \
                following.capitalised and (following.key in words.institution_names() or _kind_of(following)):
            found.append(("institution", token.start, following.end))
            index += 2
            continue
        length = _place_phrase(all_tokens, index)
        if length > 1 and not _after_article(all_tokens, index):
            found.append(("place", token.start, all_tokens[index + length - 1].end))
            index += length
            continue
        kind = _in_context(all_tokens, index) or (None if _after_article(all_tokens, index) else _kind_of(token))
        if kind:
            found.append((kind, token.start, token.end))
        index += 1
    return found


def _in_context(tokens_: list[Token], index: int) -> str | None:
    """The kind of an ordinary or unknown word that its neighbours make a name."""
    token = tokens_[index]
    if not token.capitalised or token.key in ROLES or token.key in TITLES or token.key in SALUTATIONS:
        return None
    before = list(tokens_[max(index - 3, 0):index])
    while before and before[-1].key in TITLES and before[-1].capitalised:
        before.pop()
    previous = before[-1] if before else None
    if previous is None or (token.sentence_start and token.before.strip(" ") not in ("", ".")):
        return None
    listed = _listed(token)
    previous_article = len(before) > 1 and before[-2].key in ARTICLES
    if previous.key in SALUTATIONS and previous.capitalised:
        if previous_article and "surname" not in listed:  # "der Frau Hilfe anbieten"
            return None
        return "given_name" if "given_name" in listed and _next_is_name(tokens_, index) else "surname"
    if previous.key in FAMILY and previous.capitalised and ("surname" in listed or not _ordinary(_base(token)) and (
            listed or not (len(before) > 1 and before[-2].key in DATIVE))):  # "der Familie Hilfe anbieten"
        return "surname"
    if previous.key in NAMING and "given_name" in listed:
        return "given_name"
    if previous.key in PLACE_WORDS and "place" in listed and token.before == " ":
        return "place"
    if _kind_of(previous) == "given_name" and token.before == " " and not token.sentence_start and (
            "surname" in listed or not _ordinary(_base(token)) and token.key not in ROLES and not listed):
        return "surname"
    if "given_name" in listed and _next_is_name(tokens_, index) and not _after_article(tokens_, index):
        return "given_name"
    return None


def _next_is_name(tokens_: list[Token], index: int) -> bool:
    """A surname follows directly (Rosa Luxemburg, Will Schmidt)."""
    if index + 1 >= len(tokens_):
        return False
    following = tokens_[index + 1]
    return following.before == " " and following.capitalised and _kind_of(following) == "surname"
