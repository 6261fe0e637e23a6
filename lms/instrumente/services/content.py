"""An instrument's content and its versions: the input a form gives, its checks, what changed against the
stored state, copying it onto the instrument and writing a new version.

Below `instruments`, `proposals` and `review`, which all write content.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from lms.auth.models import SECTOR_LABELS, User
from lms.errors import Conflict, DomainError
from lms.extensions import db
from lms.i18n import _l
from lms.instrumente.models import (
    DIMENSION_CHOICES,
    Instrument,
    InstrumentSector,
    InstrumentTopic,
    InstrumentVersion,
    Kind,
    StoredFile,
    Visibility,
)
from lms.instrumente.queries import current_version

MAX_TOPICS = 12


@dataclass
class InstrumentInput:
    title: str
    kind: str
    summary: str
    description: str
    dimension: str
    topics: list[str]
    sectors: list[str]
    licence_note: str
    visibility: str
    link_url: str = ""
    code: str | None = None


def parse_topics(raw: str) -> list[str]:
    """Comma-separated topics, trimmed, without duplicates (case-insensitive)."""
    seen, topics = set(), []
    for topic in (part.strip() for part in raw.split(",")):
        if topic and topic.lower() not in seen:
            seen.add(topic.lower())
            topics.append(topic[:60])
    return topics


def _check_input(data: InstrumentInput, instrument: Instrument | None) -> None:
    Kind(data.kind)
    Visibility(data.visibility)
    if data.dimension not in DIMENSION_CHOICES:
        raise DomainError(_l("Bitte wählen Sie eine Dimension."))
    if set(data.sectors) - set(SECTOR_LABELS):
        raise DomainError(_l("Bitte wählen Sie nur bekannte Sektoren."))
    if len(data.topics) > MAX_TOPICS:
        raise DomainError(_l("Höchstens %(count)d Themen.", count=MAX_TOPICS))
    code = (data.code or "").strip() or None
    if code and db.session.scalar(select(Instrument.id).where(
            Instrument.code == code, Instrument.id != (instrument.id if instrument else None))):
        raise Conflict(_l("Das Kürzel %(code)s ist bereits vergeben.", code=code))


# The fields of an instrument as (attribute, label): the order of "what changed".
FIELDS = (
    ("title", _l("Titel")), ("summary", _l("Kurzbeschreibung")), ("description", _l("Beschreibung")),
    ("kind", _l("Art")), ("dimension", _l("Dimension")), ("licence_note", _l("Lizenz")),
    ("visibility", _l("Sichtbarkeit")), ("link_url", _l("Link")), ("code", _l("Kürzel")),
)


VERSION_FIELDS = ("title", "summary", "description")  # kept in the version's own columns


def _values(data: InstrumentInput) -> dict:
    """The instrument's columns as *data* sets them, normalised as they are stored."""
    return {
        "title": data.title.strip(), "summary": data.summary.strip(), "description": data.description or "",
        "kind": data.kind, "dimension": data.dimension, "licence_note": data.licence_note.strip(),
        "visibility": data.visibility, "link_url": data.link_url.strip(), "code": (data.code or "").strip() or None,
    }


def _sectors(codes) -> list[str]:
    return [code for code in SECTOR_LABELS if code in set(codes)]


def _differences(instrument: Instrument, data: InstrumentInput) -> list[str]:
    """The German names of the fields in which *data* differs from *instrument*."""
    values = _values(data)
    changed = [str(label) for name, label in FIELDS if getattr(instrument, name) != values[name]]
    if sorted(instrument.topics) != sorted(data.topics):
        changed.append(str(_l("Themen")))
    if instrument.sectors != _sectors(data.sectors):
        changed.append(str(_l("Sektoren")))
    return changed


def _apply(instrument: Instrument, data: InstrumentInput) -> list[str]:
    """Copy *data* onto *instrument*; return the German names of the fields that changed."""
    changed = _differences(instrument, data)
    for name, value in _values(data).items():
        if getattr(instrument, name) != value:
            setattr(instrument, name, value)
    if sorted(instrument.topics) != sorted(data.topics):
        instrument.topic_rows = [InstrumentTopic(topic=topic) for topic in data.topics]
    if instrument.sectors != _sectors(data.sectors):
        instrument.sector_rows = [InstrumentSector(sector=sector) for sector in dict.fromkeys(data.sectors)]
    return changed


def _new_version(instrument: Instrument, *, author: User, note: str, changes: list[str], now: datetime,
                 stored: StoredFile | None, filename: str | None) -> InstrumentVersion:
    previous = current_version(instrument)
    if stored is None and previous is not None:
        stored, filename = previous.file, previous.filename
    instrument.version_count += 1
    version = InstrumentVersion(
        instrument=instrument, number=instrument.version_count, change_note=note.strip()[:500],
        changes=", ".join(changes)[:300], author_id=author.id, created_at=now, title=instrument.title,
        summary=instrument.summary, description=instrument.description,
        file_sha256=stored.sha256 if stored else None, filename=filename,
    )
    db.session.add(version)
    return version


def _require_note(note: str) -> None:
    if not note.strip():
        raise DomainError(_l("Bitte beschreiben Sie kurz, was sich geändert hat."))


def proposal_input(version: InstrumentVersion) -> InstrumentInput:
    """A proposal's whole content, as the form and `_apply` take it."""
    fields_ = dict(version.proposed_fields or {})
    return InstrumentInput(title=version.title, summary=version.summary, description=version.description,
                           kind=fields_["kind"], dimension=fields_["dimension"], topics=list(fields_["topics"]),
                           sectors=list(fields_["sectors"]), licence_note=fields_["licence_note"],
                           visibility=fields_["visibility"], link_url=fields_["link_url"], code=fields_["code"])
