"""Allowed evidence files are decided from their content; everything else gets a French refusal."""

from __future__ import annotations

import io
import zipfile

import pytest

from evidence import samples
from evidence.validators import FileRefused, detect_file_type, sanitise_filename

MAX = 50 * 1024 * 1024
ACCEPTED_FORMATS = (
    "Formats acceptés : PDF, Word, Excel, PowerPoint, OpenDocument (texte, classeur, "
    "présentation), PNG, JPEG, WebP, TXT et CSV."
)


def detect(name: str, content: bytes, max_size: int = MAX):
    return detect_file_type(io.BytesIO(content), name=name, size=len(content), max_size=max_size)


def refusal(name: str, content: bytes, max_size: int = MAX) -> FileRefused:
    with pytest.raises(FileRefused) as error:
        detect(name, content, max_size)
    return error.value


def _zip(members: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _docm() -> bytes:
    content_types = samples._content_types(
        {"/word/document.xml": "application/vnd.ms-word.document.macroEnabled.main+xml"}
    )
    return _zip({"[Content_Types].xml": content_types, "word/document.xml": "<w:document/>"})


@pytest.mark.parametrize(
    ("name", "content", "code", "mime"),
    [
        ("procedure.pdf", samples.pdf_bytes("Procédure"), "pdf", "application/pdf"),
        ("PROCEDURE.PDF", samples.pdf_bytes("Procédure"), "pdf", "application/pdf"),
        (
            "trame.docx",
            samples.docx_bytes("Trame"),
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "tableau.xlsx",
            samples.xlsx_bytes("Tableau", [["a", 1]]),
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "support.pptx",
            samples.pptx_bytes("Support"),
            "pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        ("note.odt", samples.odt_bytes("Note"), "odt", "application/vnd.oasis.opendocument.text"),
        (
            "plan.ods",
            samples.ods_bytes("Plan", [["a", 1]]),
            "ods",
            "application/vnd.oasis.opendocument.spreadsheet",
        ),
        (
            "slides.odp",
            samples.odp_bytes("Slides"),
            "odp",
            "application/vnd.oasis.opendocument.presentation",
        ),
        ("scan.png", samples.png_bytes(), "png", "image/png"),
        ("photo.jpg", samples.jpeg_bytes(), "jpeg", "image/jpeg"),
        ("photo.jpeg", samples.jpeg_bytes(), "jpeg", "image/jpeg"),
        ("image.webp", samples.webp_bytes(), "webp", "image/webp"),
        ("notes.txt", samples.txt_bytes("Veille réglementaire\nmars"), "txt", "text/plain"),
        ("registre.csv", samples.csv_bytes([["Date", "Objet"], ["2026", "é"]]), "csv", "text/csv"),
        ("windows.csv", "Nom;Présent\r\nÉlise;oui\r\n".encode("cp1252"), "csv", "text/csv"),
    ],
)
def test_allowed_types_are_recognised(name, content, code, mime):
    detected = detect(name, content)
    assert (detected.code, detected.mime) == (code, mime)


def test_detection_leaves_the_file_readable_from_the_start():
    content = samples.pdf_bytes("Procédure")
    handle = io.BytesIO(content)
    handle.seek(10)
    detect_file_type(handle, name="p.pdf", size=len(content), max_size=MAX)
    assert handle.read() == content


@pytest.mark.parametrize(
    ("name", "content", "code", "message"),
    [
        ("vide.pdf", b"", "empty", "Le fichier « vide.pdf » est vide."),
        (
            "image.pdf",
            samples.png_bytes(),
            "mismatch",
            "Le fichier « image.pdf » ne correspond pas à son extension : son contenu est une "
            "image PNG.",
        ),
        (
            "procedure.docx",
            samples.pdf_bytes("x"),
            "mismatch",
            "Le fichier « procedure.docx » ne correspond pas à son extension : son contenu est "
            "un PDF.",
        ),
        (
            "trame.xlsx",
            samples.docx_bytes("x"),
            "mismatch",
            "Le fichier « trame.xlsx » ne correspond pas à son extension : son contenu est un "
            "document Word.",
        ),
        (
            "notes.pdf",
            b"Texte simple",
            "mismatch",
            "Le fichier « notes.pdf » ne correspond pas à son extension : son contenu est du "
            "texte.",
        ),
        (
            "page.txt",
            b"<!DOCTYPE html><html><body>x</body></html>",
            "markup",
            "Le fichier « page.txt » contient du HTML, du SVG ou un script : ce type de contenu "
            "n'est pas accepté.",
        ),
        (
            "logo.png",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "markup",
            "Le fichier « logo.png » contient du HTML, du SVG ou un script : ce type de contenu "
            "n'est pas accepté.",
        ),
        (
            "logo.txt",
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
            "markup",
            "Le fichier « logo.txt » contient du HTML, du SVG ou un script : ce type de contenu "
            "n'est pas accepté.",
        ),
        (
            "export.csv",
            b"nom;commentaire\nA;<script>document.location='x'</script>\n",
            "markup",
            "Le fichier « export.csv » contient du HTML, du SVG ou un script : ce type de contenu "
            "n'est pas accepté.",
        ),
        (
            "macro.docx",
            _docm(),
            "macro",
            "Le fichier « macro.docx » contient des macros : enregistrez-le sans macros (docx, "
            "xlsx, pptx).",
        ),
        (
            "vba.xlsx",
            _zip(
                {
                    "[Content_Types].xml": samples._content_types({}),
                    "xl/vbaProject.bin": b"\0" * 10,
                }
            ),
            "macro",
            "Le fichier « vba.xlsx » contient des macros : enregistrez-le sans macros (docx, "
            "xlsx, pptx).",
        ),
    ],
)
def test_refusals_are_exact_and_in_french(name, content, code, message):
    refused = refusal(name, content)
    assert (refused.code, str(refused)) == (code, message)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("outil.pdf", b"MZ" + b"\0" * 500),
        ("programme.txt", b"\x7fELF" + b"\0" * 500),
        ("anim.gif", b"GIF89a" + b"\0" * 50),
        ("archive.docx", _zip({"readme.txt": "hello"})),
        ("abime.docx", samples.docx_bytes("x")[:200]),
        ("binaire.txt", b"abc\x00def"),
        ("controle.txt", b"abc\x1bdef"),
        ("sans-extension", samples.pdf_bytes("x")),
        ("sans-extension", b"du texte"),
    ],
)
def test_unknown_binary_and_unsupported_content_is_refused(name, content):
    refused = refusal(name, content)
    assert (refused.code, str(refused)) == (
        "unsupported",
        f"Le format du fichier « {name} » n'est pas accepté. {ACCEPTED_FORMATS}",
    )


def test_oversize_is_refused_before_reading():
    refused = refusal("gros.pdf", b"%PDF-1.4" + b"0" * 3 * 1024 * 1024, max_size=2 * 1024 * 1024)
    assert (refused.code, str(refused)) == (
        "too_large",
        "Le fichier « gros.pdf » dépasse la taille maximale de 2 Mo.",
    )


class CountingFile(io.BytesIO):
    def __init__(self, data: bytes):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def test_a_big_pdf_is_recognised_from_its_head_only():
    handle = CountingFile(b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024))
    size = len(handle.getvalue())
    assert detect_file_type(handle, name="gros.pdf", size=size, max_size=MAX).code == "pdf"
    assert handle.bytes_read <= 8192


def test_a_big_text_file_is_checked_in_chunks_and_accepted():
    line = "Séance du 12 mars ; présents : 12\n".encode()
    content = line * (20 * 1024 * 1024 // len(line))
    assert detect("journal.txt", content).code == "txt"


def test_utf8_split_across_chunks_is_still_utf8():
    content = b"a" * (64 * 1024 - 1) + "é".encode() + b"fin"
    assert detect("coupe.txt", content).code == "txt"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\Procédure.pdf", "Procédure.pdf"),
        ("Procédure d'accueil.pdf", "Procédure d'accueil.pdf"),
        ("rapport\x00\x1f final.pdf", "rapport final.pdf"),
        ("<script>.pdf", "script.pdf"),
        ("   .pdf", "pdf"),
        (".htaccess", "htaccess"),
        ("", "fichier"),
        ("a" * 300 + ".pdf", "a" * 116 + ".pdf"),
        ("Proce\u0301dure.pdf", "Procédure.pdf"),
        ("facture\u202efdp.exe", "facturefdp.exe"),
        ("\u200bnote\u2066.txt", "note.txt"),
    ],
)
def test_sanitise_filename(raw, clean):
    assert sanitise_filename(raw) == clean
