"""Data-protection rules of the instrument library (see lms/privacy.py)."""
from datetime import datetime

from sqlalchemy import delete, select

from lms.extensions import db
from lms.i18n import _l
from lms.instrumente.models import Bookmark, Instrument
from lms.privacy import Erasure, TableRule, rows

LIBRARY = _l("Instrumente")
_CONTENT = _l("Inhalte der Bibliothek")
RULES = (
    TableRule("instrument", LIBRARY, _CONTENT, _l("je nach Sichtbarkeit"), Erasure.PSEUDONYMISE, _l("unbefristet")),
    TableRule("instrument_version", LIBRARY, _l("Fassungen und wer sie schrieb"), _l("je nach Sichtbarkeit"),
              Erasure.PSEUDONYMISE, _l("unbefristet")),
    TableRule("instrument_review", LIBRARY, _l("Prüfung eingereichter Fassungen"), _l("Redaktion"),
              Erasure.PSEUDONYMISE, _l("unbefristet")),
    TableRule("instrument_sector", LIBRARY, _CONTENT, _l("alle"), Erasure.NONE, _l("unbefristet")),
    TableRule("instrument_topic", LIBRARY, _CONTENT, _l("alle"), Erasure.NONE, _l("unbefristet")),
    TableRule("search_document", LIBRARY, _l("Suchindex"), _l("alle"), Erasure.NONE, _l("unbefristet")),
    TableRule("stored_file", LIBRARY, _l("Gespeicherte Dateien (Instrumente, Unterlagen, Vereinbarungen)"),
              _l("je nach Sichtbarkeit"), Erasure.NONE, _l("bis einen Tag, nachdem nichts sie mehr nutzt"), None, "sweep_files"),
    TableRule("bookmark", LIBRARY, _l("Merkliste und Benachrichtigung über neue Fassungen"), _l("die Person"),
              Erasure.DELETE, _l("solange das Konto besteht")),
)


def export(user, *, now: datetime) -> dict:
    return {"bookmarks": rows(select(Bookmark.instrument_id, Instrument.title, Bookmark.created_at,
                                     Bookmark.notify_by_mail).join(Instrument, Instrument.id == Bookmark.instrument_id)
                              .where(Bookmark.user_id == user.id).order_by(Bookmark.created_at))}


def forget(user, *, now: datetime) -> None:
    db.session.execute(delete(Bookmark).where(Bookmark.user_id == user.id))
