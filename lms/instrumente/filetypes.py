"""What an upload really is, judged by its bytes, never by its name."""
import io
import zipfile
from dataclasses import dataclass

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


class UnsupportedFile(ValueError):
    """The message says, in German, why the file was refused."""

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


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
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if "mimetype" in names:
            mime = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
            if mime in ODF_TYPES:
                return ODF_TYPES[mime]
        if "[Content_Types].xml" in names:
            for part, file_type in OOXML_PARTS:
                if part in names:
                    return file_type
    except (zipfile.BadZipFile, KeyError, RuntimeError, NotImplementedError):
        pass
    raise UnsupportedFile(_l("Dieses Archiv ist kein Office-Dokument (DOCX, XLSX, PPTX, ODT, ODS, ODP)."))


def _text_type(data: bytes) -> FileType:
    try:
        content = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UnsupportedFile(_l(
            "Dieser Dateityp ist nicht erlaubt. Erlaubt sind PDF, DOCX, XLSX, PPTX, ODT, ODS, ODP, TXT, PNG und JPEG."
        )) from None
    head = content.lstrip("\ufeff \t\r\n")[:64].lower().encode()
    if "\x00" in content or head.startswith(MARKUP_STARTS) or any(
        ord(char) < 32 and char not in "\t\r\n\f" for char in content[:4096]
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
