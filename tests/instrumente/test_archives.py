"""Office uploads are zip archives: bombs are refused with a German message, in bounded memory, and
real documents still pass."""
import contextlib
import io
import random
import struct
import tracemalloc
import zipfile
import zlib
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.instrumente import filetypes, services
from lms.instrumente.filetypes import ODT, XLSX, UnsupportedFile, detect
from lms.instrumente.models import Instrument, StoredFile
from tests.conftest import login_as
from tests.instrumente.conftest import odf_bytes, ooxml_bytes

MB = 1024 * 1024
ODT_MIME = b"application/vnd.oasis.opendocument.text"
TOO_LARGE = "Diese Datei würde beim Entpacken zu groß werden"
SIZES_WRONG = "Dieses Archiv ist beschädigt oder manipuliert"
TOO_MANY = "Dieses Archiv enthält mehr als 10000 Dateien"
MEMORY_BOUND = 30 * MB


@dataclass
class Part:
    name: str
    packed: bytes  # raw deflate stream
    crc: int
    size: int  # the unpacked size the archive declares


def deflated_zeros(size: int, prefix: bytes = b"") -> tuple[bytes, int, int]:
    """*prefix* and then zero bytes up to *size*, deflated as well as deflate can: (packed, crc, real size).

    After a full flush deflate starts afresh, so one packed megabyte of zeros repeats: quick to build."""
    block = bytes(MB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    packed_block = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    blocks, rest = divmod(size - len(prefix), MB)
    tail = compressor.compress(bytes(rest)) + compressor.flush()
    crc = zlib.crc32(prefix)
    for _ in range(blocks):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(bytes(rest), crc)
    return head + packed_block * blocks + tail, crc, size


def part(name: str, data: bytes) -> Part:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return Part(name, compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data))


def raw_zip(parts: list[Part]) -> bytes:
    """A zip archive written field by field, so that a part may declare a size it does not have."""
    out, directory = io.BytesIO(), io.BytesIO()
    for item in parts:
        name = item.name.encode()
        offset = out.tell()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, item.crc, len(item.packed),
                              item.size, len(name), 0) + name + item.packed)
        directory.write(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, item.crc,
                                    len(item.packed), item.size, len(name), 0, 0, 0, 0, 0, offset) + name)
    start = out.tell()
    out.write(directory.getvalue())
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(parts), len(parts), len(directory.getvalue()),
                          start, 0))
    return out.getvalue()


def odt_with(*parts: Part) -> bytes:
    return raw_zip([part("mimetype", ODT_MIME), *parts])


def mimetype_bomb() -> bytes:
    """The reported file: an ODT of 0.3 MB whose "mimetype" part unpacks to 300 MB."""
    return raw_zip([Part("mimetype", *deflated_zeros(300 * MB, prefix=ODT_MIME))])


def content_bomb() -> bytes:
    return odt_with(Part("content.xml", *deflated_zeros(300 * MB)))


def lying_mimetype() -> bytes:
    """A "mimetype" that declares the 39 bytes of an ODT type (with their checksum) and unpacks to 300 MB."""
    packed, _, _ = deflated_zeros(300 * MB, prefix=ODT_MIME)
    return raw_zip([Part("mimetype", packed, zlib.crc32(ODT_MIME), len(ODT_MIME))])


def lying_content() -> bytes:
    packed, _, _ = deflated_zeros(300 * MB)
    return odt_with(Part("content.xml", packed, zlib.crc32(bytes(1000)), 1000))


def many_small_parts() -> bytes:
    """Each part is only 1 MB, below the ratio rule, but 250 of them are too much in all."""
    packed, crc, size = deflated_zeros(MB)
    return odt_with(*(Part(f"Pictures/{number}.xml", packed, crc, size) for number in range(250)))


def too_many_parts() -> bytes:
    empty = part("x", b"")
    return odt_with(*(Part(f"{number}", empty.packed, empty.crc, 0) for number in range(10_000)))


def peak_memory(function, *args) -> int:
    """The most memory *function* held at once, in bytes, beyond what was allocated before."""
    tracemalloc.start()
    try:
        function(*args)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def refusal(data: bytes) -> str:
    with pytest.raises(UnsupportedFile) as raised:
        detect(data)
    return str(raised.value.message)


BOMBS = {"mimetype": (mimetype_bomb, TOO_LARGE), "content": (content_bomb, TOO_LARGE),
         "lying mimetype": (lying_mimetype, SIZES_WRONG), "lying content": (lying_content, SIZES_WRONG),
         "many small parts": (many_small_parts, TOO_LARGE), "too many parts": (too_many_parts, TOO_MANY)}


def test_the_reported_bomb_is_small_and_would_unpack_to_300_mb():
    data = mimetype_bomb()
    assert len(data) < 0.4 * MB
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.getinfo("mimetype").file_size == 300 * MB


@pytest.mark.parametrize("name", BOMBS)
def test_bombs_are_refused_with_a_german_message_in_bounded_memory(app, name):
    build, message = BOMBS[name]
    data = build()
    assert message in refusal(data)
    assert peak_memory(lambda: pytest.raises(UnsupportedFile, detect, data)) < MEMORY_BOUND


def test_a_lying_size_is_caught_after_reading_one_byte_past_it(app):
    packed, _, _ = deflated_zeros(2000)
    assert SIZES_WRONG in refusal(odt_with(Part("content.xml", packed, zlib.crc32(bytes(1999)), 1999)))
    assert detect(odt_with(Part("content.xml", packed, zlib.crc32(bytes(2000)), 2000))) == ODT


def test_a_bomb_is_refused_by_the_service_and_nothing_is_stored(app, editor, upload, now, stored_files):
    with pytest.raises(UnsupportedFile) as raised:
        services.create_instrument(editor, services.InstrumentInput(
            title="Bombe", kind="analysis", summary="x", description="", dimension="internal", topics=[], sectors=[],
            licence_note="", visibility="public"), upload=upload("bericht.odt", content_bomb()), now=now)
    assert TOO_LARGE in str(raised.value.message)
    db.session.rollback()
    assert db.session.scalar(select(func.count(StoredFile.sha256))) == 0
    assert not any(stored_files.rglob("*"))


@pytest.mark.parametrize("name", ["mimetype", "lying content"])
def test_a_bomb_uploaded_through_the_form_re_renders_it_with_the_message(client, editor, stored_files, name):
    build, message = BOMBS[name]
    login_as(client, editor)
    response = client.post("/instrumente/neu", data={
        "title": "Bombe", "kind": "analysis", "summary": "x", "dimension": "internal", "visibility": "public",
        "file": (io.BytesIO(build()), "bericht.odt")}, content_type="multipart/form-data")
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Instrument.id))) == 0
    assert db.session.scalar(select(func.count(StoredFile.sha256))) == 0
    assert not any(stored_files.rglob("*"))


def test_a_bomb_as_a_new_version_leaves_the_instrument_as_it_was(client, editor, create_instrument):
    instrument = create_instrument(title="Netzwerkkarte")
    login_as(client, editor)
    response = client.post(f"/instrumente/{instrument.id}/bearbeiten", data={
        "title": "Netzwerkkarte", "kind": "case_cooperation", "summary": "Eine Arbeitshilfe",
        "dimension": "performance", "visibility": "public", "change_note": "neue Datei",
        "file": (io.BytesIO(content_bomb()), "karte.odt")}, content_type="multipart/form-data")
    assert response.status_code == 422 and TOO_LARGE in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Instrument, instrument.id).version_count == 1


@pytest.mark.parametrize("data,file_type", [
    (odf_bytes(), filetypes.ODT), (odf_bytes("application/vnd.oasis.opendocument.spreadsheet"), filetypes.ODS),
    (odf_bytes("application/vnd.oasis.opendocument.presentation"), filetypes.ODP),
    (ooxml_bytes(), filetypes.DOCX), (ooxml_bytes("xl/workbook.xml"), XLSX),
    (ooxml_bytes("ppt/presentation.xml"), filetypes.PPTX),
])
def test_real_documents_pass(app, data, file_type):
    assert detect(data) == file_type


def test_a_large_spreadsheet_and_a_well_packed_small_part_pass(app):
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n * 7919 % 100003}</v></c><c r="B{n}" t="s"><v>{n % 97}</v></c></row>'
                   for n in range(1, 150_000))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", f"<worksheet><sheetData>{rows}</sheetData></worksheet>")
        archive.writestr("xl/media/blank.bin", bytes(MB))  # 1 MB of zeros packs 1000 times, allowed while small
    data = buffer.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > 10 * MB
    assert detect(data) == XLSX


def test_broken_archives_are_refused_with_a_message_never_an_error(app):
    rng = random.Random(12)
    original = odf_bytes()
    for _ in range(400):
        data = bytearray(original)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(4, len(data))] = rng.randrange(256)
        cut = bytes(data[:rng.randint(4, len(data))]) if rng.random() < 0.3 else bytes(data)
        with contextlib.suppress(UnsupportedFile):
            detect(cut)


# Plain text is the other format checked beyond its first bytes: in chunks, not decoded at once.

@pytest.mark.parametrize("data,accepted", [
    ("😀".encode() + b" " * (20 * MB - 8) + b"x", True),  # one wide character widened all 20 MB when decoded at once
    (b" \r\n" * (7 * MB) + b"<html>", False),
    (b"a" * (20 * MB) + b"\xff", False),
    (b"a" * (20 * MB) + b"\x00", False),
])
def test_large_text_is_checked_in_bounded_memory(app, data, accepted):
    def check():
        try:
            assert detect(data) == filetypes.TXT and accepted
        except UnsupportedFile:
            assert not accepted

    assert peak_memory(check) < MB
