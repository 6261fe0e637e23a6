"""Factories for instruments and sample files of every allowed type."""
import io
import itertools
import zipfile
from functools import lru_cache
from pathlib import Path

import pytest

from lms.extensions import db
from lms.instrumente import services
from lms.instrumente.models import InstrumentState
from lms.instrumente.services import InstrumentInput, Upload
from lms.pdf import new_document
from lms.storage import storage
from tests.conftest import FIXED_NOW


def input_of(instrument, **changes) -> InstrumentInput:
    """The instrument's current fields as a service input, with *changes* applied."""
    data = InstrumentInput(title=instrument.title, kind=instrument.kind, summary=instrument.summary,
                           description=instrument.description, dimension=instrument.dimension,
                           topics=instrument.topics, sectors=instrument.sectors, licence_note=instrument.licence_note,
                           visibility=instrument.visibility, link_url=instrument.link_url, code=instrument.code)
    for key, value in changes.items():
        setattr(data, key, value)
    return data


@lru_cache
def pdf_bytes(text="Checkliste") -> bytes:
    """A small real PDF; the same text gives the same bytes, built once per text (embedding the font
    takes a sixth of a second)."""
    pdf = new_document(title=text, author="Test")
    pdf.set_creation_date(FIXED_NOW)
    pdf.cell(0, 10, text)
    return bytes(pdf.output())


def stored_bytes(version) -> bytes:
    """The bytes the storage holds for *version*'s file."""
    with storage().open(version.file_sha256) as handle:
        return handle.read()


def ooxml_bytes(part="word/document.xml") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<document/>")
    return buffer.getvalue()


def odf_bytes(mime="application/vnd.oasis.opendocument.text") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", mime)
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.fixture
def editor(create_user):
    return create_user("trainer", name="Renate Referentin")


@pytest.fixture
def reviewer(create_user):
    return create_user("trainer", name="Tobias Trainer")


@pytest.fixture
def stored_files(app) -> Path:
    """Where the app stores uploaded files in this test: its instance folder, a new one per test."""
    return Path(app.instance_path) / "files"


@pytest.fixture
def create_instrument(editor, reviewer):
    counter = itertools.count(1)

    def _create(*, title=None, summary="Eine Arbeitshilfe", description="", kind="case_cooperation",
                dimension="performance", topics=(), sectors=(), visibility="public", state=InstrumentState.PUBLISHED,
                upload=None, code=None):
        number = next(counter)
        instrument = services.create_instrument(editor, InstrumentInput(
            title=title or f"Instrument {number}", kind=kind, summary=summary, description=description,
            dimension=dimension, topics=list(topics), sectors=list(sectors), licence_note="", visibility=visibility,
            code=code,
        ), upload=upload, now=FIXED_NOW)
        if state in (InstrumentState.IN_REVIEW, InstrumentState.PUBLISHED, InstrumentState.WITHDRAWN):
            services.submit_for_review(editor, instrument, now=FIXED_NOW)
        if state in (InstrumentState.PUBLISHED, InstrumentState.WITHDRAWN):
            services.review(reviewer, instrument, approve=True, comment="passt", now=FIXED_NOW)
        if state == InstrumentState.WITHDRAWN:
            services.withdraw(editor, instrument, reason="veraltet", now=FIXED_NOW)
        db.session.commit()
        return instrument

    return _create


@pytest.fixture
def upload():
    def _upload(name="checkliste.pdf", data=None):
        return Upload(filename=name, data=pdf_bytes() if data is None else data)

    return _upload
