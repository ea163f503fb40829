"""Which evidence files are accepted, decided from their content and never from their name.

Standard library only (no libmagic to install). Only bounded heads and small archive members are
read: a 50 MB file is never loaded, and an archive is never decompressed beyond a few small
members, so a zip bomb costs nothing.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO

from django.utils.translation import gettext as _

HEAD_SIZE = 4096
TEXT_CHUNK = 64 * 1024
CONTENT_TYPES_MAX = 1024 * 1024
MIMETYPE_MAX = 100


@dataclass(frozen=True)
class DetectedType:
    code: str
    mime: str
    label: str


class FileRefused(Exception):
    """A French, user-facing refusal (`str(exc)`) with a stable `code`."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


def _types() -> dict[str, tuple[str, str, tuple[str, ...]]]:
    """code → (MIME type, French phrase « son contenu est … », accepted extensions)."""
    return {
        "pdf": ("application/pdf", _("un PDF"), (".pdf",)),
        "docx": (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            _("un document Word"),
            (".docx",),
        ),
        "xlsx": (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            _("un classeur Excel"),
            (".xlsx",),
        ),
        "pptx": (
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            _("une présentation PowerPoint"),
            (".pptx",),
        ),
        "odt": ("application/vnd.oasis.opendocument.text", _("un texte OpenDocument"), (".odt",)),
        "ods": (
            "application/vnd.oasis.opendocument.spreadsheet",
            _("un classeur OpenDocument"),
            (".ods",),
        ),
        "odp": (
            "application/vnd.oasis.opendocument.presentation",
            _("une présentation OpenDocument"),
            (".odp",),
        ),
        "png": ("image/png", _("une image PNG"), (".png",)),
        "jpeg": ("image/jpeg", _("une image JPEG"), (".jpg", ".jpeg")),
        "webp": ("image/webp", _("une image WebP"), (".webp",)),
        "txt": ("text/plain", _("du texte"), (".txt",)),
        "csv": ("text/csv", _("du texte"), (".csv",)),
    }


OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": "pptx",
}
ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.presentation": "odp",
}
MARKUP_STARTS = (
    "<!doctype",
    "<html",
    "<head",
    "<body",
    "<script",
    "<svg",
    "<?xml",
    "<?php",
    "#!",
)
MARKUP_ANYWHERE = re.compile(rb"<\s*(script|svg|html|iframe|object|embed)\b", re.IGNORECASE)
# Control characters allowed in text files: tab, line feed, form feed, carriage return.
TEXT_CONTROLS = frozenset(range(32)) - {9, 10, 12, 13}
FORBIDDEN_NAME_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
# Bidirectional and invisible format characters: "facture\u202efdp.exe" reads "factureexe.pdf".
INVISIBLE_NAME_CHARS = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def sanitise_filename(name: str, *, max_length: int = 120) -> str:
    """A displayable, harmless file name: no directory, no control or reserved characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = INVISIBLE_NAME_CHARS.sub("", FORBIDDEN_NAME_CHARS.sub("", name))
    name = " ".join(name.split()).lstrip(". ").rstrip(" ")
    path = PurePosixPath(name) if name else None
    suffix = path.suffix if path and len(path.suffix) <= 10 else ""
    stem = name[: len(name) - len(suffix)] if suffix else name
    stem = stem.rstrip(". ")
    if not stem:
        stem = _("fichier")
    return stem[: max(1, max_length - len(suffix))] + suffix


def _unsupported(name: str) -> FileRefused:
    return FileRefused(
        _(
            "Le format du fichier « %(name)s » n'est pas accepté. Formats acceptés : PDF, Word, "
            "Excel, PowerPoint, OpenDocument (texte, classeur, présentation), PNG, JPEG, WebP, "
            "TXT et CSV."
        )
        % {"name": name},
        "unsupported",
    )


def _markup(name: str) -> FileRefused:
    return FileRefused(
        _(
            "Le fichier « %(name)s » contient du HTML, du SVG ou un script : ce type de contenu "
            "n'est pas accepté."
        )
        % {"name": name},
        "markup",
    )


def _zip_type(file: BinaryIO, name: str) -> str | None:
    """docx/xlsx/pptx/odt/ods/odp from the archive's directory and two small members."""
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    with archive:
        infos = {info.filename: info for info in archive.infolist()}
        mimetype = infos.get("mimetype")
        if mimetype is not None and mimetype.file_size <= MIMETYPE_MAX:
            try:
                code = ODF_MIMETYPES.get(archive.read("mimetype").strip())
            except (zipfile.BadZipFile, RuntimeError, OSError, NotImplementedError, EOFError):
                return None
            if code:
                return code
        content_types = infos.get("[Content_Types].xml")
        if content_types is None or content_types.file_size > CONTENT_TYPES_MAX:
            return None
        if any(filename.lower().endswith("vbaproject.bin") for filename in infos):
            raise _macro(name)
        try:
            text = archive.read("[Content_Types].xml").decode("utf-8", "replace")
        except (zipfile.BadZipFile, RuntimeError, OSError, NotImplementedError, EOFError):
            return None
    if "macroenabled" in text.lower():
        raise _macro(name)
    for main, code in OOXML_MAIN.items():
        if f'ContentType="{main}"' in text:
            return code
    return None


def _macro(name: str) -> FileRefused:
    return FileRefused(
        _(
            "Le fichier « %(name)s » contient des macros : enregistrez-le sans macros (docx, "
            "xlsx, pptx)."
        )
        % {"name": name},
        "macro",
    )


def _is_text(file: BinaryIO) -> tuple[bool, bool]:
    """(is plain text, looks like markup). Reads in chunks; UTF-8 (BOM allowed) or cp1252."""
    file.seek(0)
    first = file.read(TEXT_CHUNK)
    head = first.removeprefix(b"\xef\xbb\xbf")
    start = head.lstrip().lower()
    looks_like_markup = any(start.startswith(marker.encode()) for marker in MARKUP_STARTS) or bool(
        MARKUP_ANYWHERE.search(first)
    )
    file.seek(0)
    utf8_ok, cp1252_ok = True, True
    carry = b""
    chunk = file.read(TEXT_CHUNK)
    while chunk:
        if b"\x00" in chunk or any(byte in TEXT_CONTROLS for byte in set(chunk)):
            return False, looks_like_markup
        data = carry + chunk
        if utf8_ok:
            try:
                data.decode("utf-8")
                carry = b""
            except UnicodeDecodeError as error:
                # A multi-byte sequence cut by the chunk boundary continues in the next chunk.
                if error.start >= len(data) - 3 and error.reason == "unexpected end of data":
                    carry = data[error.start :]
                else:
                    utf8_ok = False
        if not utf8_ok and cp1252_ok:
            try:
                chunk.decode("cp1252")
            except UnicodeDecodeError:
                cp1252_ok = False
        if not utf8_ok and not cp1252_ok:
            return False, looks_like_markup
        chunk = file.read(TEXT_CHUNK)
    if carry:
        utf8_ok = False
    return utf8_ok or cp1252_ok, looks_like_markup


def _detect(file: BinaryIO, name: str) -> str | None:
    file.seek(0)
    head = file.read(HEAD_SIZE)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"PK\x03\x04"):
        file.seek(0)
        return _zip_type(file, name)
    if head.startswith((b"MZ", b"\x7fELF", b"\xfe\xed\xfa", b"\xcf\xfa\xed\xfe", b"GIF8")):
        return None
    is_text, looks_like_markup = _is_text(file)
    if looks_like_markup:
        raise _markup(name)
    if is_text:
        return "text"
    return None


def detect_file_type(file: BinaryIO, *, name: str, size: int, max_size: int) -> DetectedType:
    """The file's type if it is allowed and matches its extension; else FileRefused."""
    if size == 0:
        raise FileRefused(_("Le fichier « %(name)s » est vide.") % {"name": name}, "empty")
    if size > max_size:
        raise FileRefused(
            _("Le fichier « %(name)s » dépasse la taille maximale de %(limit)s Mo.")
            % {"name": name, "limit": max_size // (1024 * 1024)},
            "too_large",
        )
    try:
        code = _detect(file, name)
    finally:
        file.seek(0)
    if code is None:
        raise _unsupported(name)
    types = _types()
    extension = PurePosixPath(name).suffix.lower()
    if code == "text":
        if extension in (".txt", ".csv"):
            code = extension[1:]
        elif not extension:
            raise _unsupported(name)
        else:
            raise FileRefused(
                _(
                    "Le fichier « %(name)s » ne correspond pas à son extension : son contenu "
                    "est %(label)s."
                )
                % {"name": name, "label": _("du texte")},
                "mismatch",
            )
    mime, label, extensions = types[code]
    if not extension:
        raise _unsupported(name)
    if extension not in extensions:
        raise FileRefused(
            _(
                "Le fichier « %(name)s » ne correspond pas à son extension : son contenu est "
                "%(label)s."
            )
            % {"name": name, "label": label},
            "mismatch",
        )
    short = {
        "pdf": "PDF",
        "docx": _("Document Word"),
        "xlsx": _("Classeur Excel"),
        "pptx": _("Présentation PowerPoint"),
        "odt": _("Texte OpenDocument"),
        "ods": _("Classeur OpenDocument"),
        "odp": _("Présentation OpenDocument"),
        "png": _("Image PNG"),
        "jpeg": _("Image JPEG"),
        "webp": _("Image WebP"),
        "txt": _("Texte"),
        "csv": "CSV",
    }
    return DetectedType(code=code, mime=mime, label=str(short[code]))
