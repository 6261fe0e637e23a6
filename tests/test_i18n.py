"""The interface is German in the source; the English catalogue must keep up with it."""
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "lms" / "translations" / "en" / "LC_MESSAGES"


def _source_messages() -> set[str]:
    method_map, options_map = parse_mapping_cfg(open(ROOT / "babel.cfg"))
    keywords = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=keywords, directory_filter=lambda d: not Path(d).name.startswith(".")
        and Path(d).name not in {"node_modules", "tests"},
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_interface_text_has_an_english_translation():
    catalogue = read_po(open(CATALOGUE / "messages.po", "rb"))
    translated = {message.id for message in catalogue if message.id and message.string and not message.fuzzy}
    missing = sorted(_source_messages() - translated)
    assert not missing, "run the commands in README (Übersetzungen) and translate: " + repr(missing)


def test_compiled_catalogue_matches_the_po_file():
    po = {m.id: m.string for m in read_po(open(CATALOGUE / "messages.po", "rb")) if m.id}
    mo = {m.id: m.string for m in read_mo(open(CATALOGUE / "messages.mo", "rb")) if m.id}
    assert po == mo, "run: pybabel compile -d lms/translations"
