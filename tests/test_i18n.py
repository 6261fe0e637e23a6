"""The interface is German in the source; the English catalogue must keep up with it."""
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "lms" / "translations" / "en" / "LC_MESSAGES"


def _source_messages() -> set[str]:
    with open(ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=keywords, directory_filter=lambda d: not Path(d).name.startswith(".")
        and Path(d).name not in {"node_modules", "tests"},
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _singular(message_id):
    return message_id[0] if isinstance(message_id, (list, tuple)) else message_id


def _complete(message) -> bool:
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return bool(message.id) and all(strings) and not message.fuzzy


def test_every_interface_text_has_an_english_translation():
    with open(CATALOGUE / "messages.po", "rb") as po_file:
        catalogue = read_po(po_file)
    translated = {_singular(message.id) for message in catalogue if _complete(message)}
    missing = sorted(_source_messages() - translated)
    assert not missing, "run the commands in docs/development.md (Translations) and translate: " + repr(missing)


def test_compiled_catalogue_matches_the_po_file():
    def entries(catalogue):
        return {_singular(m.id): tuple(m.string) if isinstance(m.string, (list, tuple)) else m.string
                for m in catalogue if m.id}

    with open(CATALOGUE / "messages.po", "rb") as po_file, open(CATALOGUE / "messages.mo", "rb") as mo_file:
        po, mo = entries(read_po(po_file)), entries(read_mo(mo_file))
    assert po == mo, "run: pybabel compile -d lms/translations"
