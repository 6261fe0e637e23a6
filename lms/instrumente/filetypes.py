"""What an upload really is, judged by its bytes, never by its name."""
import codecs
import copy
import io
import re
import zipfile
import zlib
from dataclasses import dataclass

from lms.errors import DomainError
from lms.i18n import _l


@dataclass(frozen=True)
class FileType:
    extension: str
    mime_type: str


PDF = FileType("pdf", "application/pdf")
PNG = FileType("png", "image/png")
JPEG = FileType("jpg", "image/jpeg")
TXT = FileType("txt", "text/plain; charset=utf-8")
DOCX = FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
XLSX = FileType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
PPTX = FileType("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation")
ODT = FileType("odt", "application/vnd.oasis.opendocument.text")
ODS = FileType("ods", "application/vnd.oasis.opendocument.spreadsheet")
ODP = FileType("odp", "application/vnd.oasis.opendocument.presentation")

ALLOWED = (PDF, DOCX, XLSX, PPTX, ODT, ODS, ODP, TXT, PNG, JPEG)
EXTENSIONS = {"pdf": PDF, "docx": DOCX, "xlsx": XLSX, "pptx": PPTX, "odt": ODT, "ods": ODS, "odp": ODP, "txt": TXT,
              "png": PNG, "jpg": JPEG, "jpeg": JPEG}
ODF_TYPES = {ODT.mime_type: ODT, ODS.mime_type: ODS, ODP.mime_type: ODP}
OOXML_PARTS = (("word/document.xml", DOCX), ("xl/workbook.xml", XLSX), ("ppt/presentation.xml", PPTX))
MARKUP_STARTS = (b"<!doctype", b"<html", b"<script", b"<?xml", b"<svg", b"<head", b"<body", b"<iframe")
LEADING_BLANKS = re.compile(rb"[ \t\r\n\xef\xbb\xbf]*")  # blanks and byte order marks (bytewise) before markup

# An office document is a zip archive: bounds that keep a small upload from unpacking into gigabytes.
MAX_MEMBERS = 10_000  # parts of one archive; documents have tens, rarely hundreds
MAX_UNPACKED = 200 * 1024 * 1024  # all parts together, unpacked
MAX_RATIO = 100  # unpacked : packed, for a part larger than RATIO_FREE; office XML packs 5 to 30 times
RATIO_FREE = 1024 * 1024
MIMETYPE_CAP = 100  # bytes read of the ODF "mimetype" part
CHUNK = 64 * 1024
ARCHIVE_TOO_LARGE = _l(
    "Diese Datei würde beim Entpacken zu groß werden (mehr als %(limit)d MB oder mehr als das %(ratio)d-Fache "
    "ihrer Größe). Solche Archive werden zum Schutz des Servers nicht angenommen.",
    limit=MAX_UNPACKED // (1024 * 1024), ratio=MAX_RATIO)
ARCHIVE_TOO_MANY_PARTS = _l("Dieses Archiv enthält mehr als %(count)d Dateien und wird deshalb nicht angenommen.",
                            count=MAX_MEMBERS)
ARCHIVE_SIZES_WRONG = _l("Dieses Archiv ist beschädigt oder manipuliert: Seine Angaben zu Größe oder Prüfsumme "
                         "stimmen nicht. Es wird nicht angenommen.")


class UnsupportedFile(DomainError, ValueError):
    """The message says, in German, why the file was refused; a form shows it at its file field."""

    form_field = "file"


def detect(data: bytes) -> FileType:
    """The type of *data*, or UnsupportedFile."""
    if not data:
        raise UnsupportedFile(_l("Die Datei ist leer."))
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        return _office_type(data)
    return _text_type(data)


def _office_type(data: bytes) -> FileType:
    # Every central directory entry starts with this signature: count them before zipfile parses them all.
    if data.count(b"PK\x01\x02") > MAX_MEMBERS:
        raise UnsupportedFile(ARCHIVE_TOO_MANY_PARTS)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        _check_archive(archive)
        names = set(archive.namelist())
        if "mimetype" in names:
            mime = _read_part(archive, archive.getinfo("mimetype"), MIMETYPE_CAP).decode("ascii", "replace").strip()
            if mime in ODF_TYPES:
                return ODF_TYPES[mime]
        if "[Content_Types].xml" in names:
            for part, file_type in OOXML_PARTS:
                if part in names:
                    return file_type
    except UnsupportedFile:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError, RuntimeError,
            NotImplementedError):
        pass
    raise UnsupportedFile(_l("Dieses Archiv ist kein Office-Dokument (DOCX, XLSX, PPTX, ODT, ODS, ODP)."))


def _check_archive(archive: zipfile.ZipFile) -> None:
    """Refuse too many parts, too much declared content, a part packed too well, and a part larger than it says.

    Each part is unpacked in chunks and counted, never kept; at most MAX_UNPACKED bytes in all.
    """
    parts = archive.infolist()
    if len(parts) > MAX_MEMBERS:
        raise UnsupportedFile(ARCHIVE_TOO_MANY_PARTS)
    if sum(part.file_size for part in parts) > MAX_UNPACKED or any(
            part.file_size > RATIO_FREE and part.file_size > MAX_RATIO * part.compress_size for part in parts):
        raise UnsupportedFile(ARCHIVE_TOO_LARGE)
    for part in parts:
        _read_part(archive, part, part.file_size, keep=False)


def _read_part(archive: zipfile.ZipFile, part: zipfile.ZipInfo, limit: int, *, keep: bool = True) -> bytes:
    """The first *limit* bytes of *part*, unpacked in chunks; UnsupportedFile if it holds more than it declares."""
    # zipfile stops at the declared size and then checks the CRC: let it read one byte past, unchecked,
    # and check size and CRC here.
    probe = copy.copy(part)
    probe.file_size, probe.CRC = min(part.file_size, limit) + 1, None
    kept, total, crc = [], 0, 0
    with archive.open(probe) as stream:
        while chunk := stream.read(CHUNK):
            total += len(chunk)
            if total > part.file_size:
                raise UnsupportedFile(ARCHIVE_SIZES_WRONG)
            if keep:
                kept.append(chunk)
            if total > limit:
                return b"".join(kept)[:limit]
            crc = zlib.crc32(chunk, crc)
    if total != part.file_size or crc != part.CRC:
        raise UnsupportedFile(ARCHIVE_SIZES_WRONG)
    return b"".join(kept)


def _text_type(data: bytes) -> FileType:
    # Checked in chunks: decoding 20 MB at once can take 100 MB (one emoji makes every character four bytes wide).
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(data), CHUNK):
            decoder.decode(data[start:start + CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise UnsupportedFile(_l(
            "Dieser Dateityp ist nicht erlaubt. Erlaubt sind PDF, DOCX, XLSX, PPTX, ODT, ODS, ODP, TXT, PNG und JPEG."
        )) from None
    start = LEADING_BLANKS.match(data).end()
    head = data[start:start + 64].lower()
    beginning = data[:4 * 4096].decode("utf-8", "ignore")[:4096]
    if b"\x00" in data or head.startswith(MARKUP_STARTS) or any(
        ord(char) < 32 and char not in "\t\r\n\f" for char in beginning
    ):
        raise UnsupportedFile(_l("HTML, Skripte und Binärdateien sind nicht erlaubt."))
    return TXT


def check_name_matches(filename: str, file_type: FileType) -> None:
    """A file called *.pdf must be a PDF: refuse names that claim another type."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if EXTENSIONS.get(extension) != file_type:
        raise UnsupportedFile(_l(
            "Der Inhalt der Datei passt nicht zu ihrer Endung .%(extension)s.", extension=extension or "–"
        ))


def safe_filename(filename: str, file_type: FileType) -> str:
    """The last path component, without control characters, at most 120 characters, with the right extension."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if char.isprintable() and char not in '<>:"|?*')
    stem = (name.rsplit(".", 1)[0] if "." in name else name).strip(" .")[:100].strip(" .")
    stem = stem or "datei"
    return f"{stem}.{file_type.extension}"
