"""Hostile uploads through the real upload page: each one refused with a French error or stored
inert inside the organisation's own folder, and the portal still answers afterwards.

Refused: markup disguised as a PDF or an image, SVG with script, an executable name, a
right-to-left override hiding an extension, an empty file, one byte over the limit. Stored but
harmless: a PNG/HTML polyglot, a DOCX zip bomb, an XLSX entity bomb and the EICAR test string —
none is ever decompressed, parsed or rendered by the portal, and each leaves only as an attachment
of its checked type, never sniffed, sandboxed. A name with `../` or NUL is reduced to its base.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from evidence import samples
from evidence.models import EvidenceItem, EvidenceVersion
from qualiopi_portal.core.tenants import schema_context

pytestmark = pytest.mark.django_db

BASE = "/o/alpha/preuves/"
FORM = {"title": "Pièce reçue", "kind": "record", "indicator_numbers": ["11"]}
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
LIMIT = 300_000


def _rezip(document: bytes, changes: dict[str, bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(document))
    members = {name: source.read(name) for name in source.namelist()} | changes
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members.items():
            target.writestr(name, data)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A valid DOCX carrying 200 MB of zeros that deflate to about 200 KB."""
    return _rezip(samples.docx_bytes("Bombe"), {"word/media/zeros.bin": b"\0" * (200 << 20)})


def entity_bomb() -> bytes:
    """A valid XLSX whose workbook XML expands entities a billion times if ever parsed."""
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
            for i in range(1, 10)
        )
        + "]><workbook>&lol9;</workbook>"
    )
    return _rezip(samples.xlsx_bytes("Bombe"), {"xl/workbook.xml": laughs.encode()})


REFUSED = [
    ("rapport.pdf", b"<html><body><script>alert(1)</script></body></html>",
     "Le fichier « rapport.pdf » contient du HTML, du SVG ou un script"),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "Le fichier « logo.svg » contient du HTML, du SVG ou un script"),
    ("photo.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
     "Le fichier « photo.png » contient du HTML, du SVG ou un script"),
    ("eicar.com", EICAR, "Le fichier « eicar.com » ne correspond pas à son extension"),
    # U+202E shows "facture\u202efdp.exe" as "factureexe.pdf"; the name is shown without it.
    ("facture\u202efdp.exe", samples.pdf_bytes("Facture"),
     "Le fichier « facturefdp.exe » ne correspond pas à son extension"),
    ("vide.pdf", b"", "Le fichier « vide.pdf » est vide."),
    ("juste-trop.pdf", b"%PDF-1.4\n" + b"0" * (LIMIT - 8),
     "Le fichier « juste-trop.pdf » dépasse la taille maximale"),
]  # fmt: skip


def _upload(client, world, name: str, content: bytes):
    """The referent of A files one piece through the evidence form, as a browser would."""
    client.force_login(world.referent_a)
    return client.post(f"{BASE}nouvelle/", {**FORM, "files": [SimpleUploadedFile(name, content)]})


@pytest.fixture
def small_limit(settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = LIMIT


@pytest.mark.parametrize(("name", "content", "message"), REFUSED)
def test_hostile_files_are_refused_in_french_and_nothing_is_written(
    client, world, media, small_limit, name, content, message
):
    response = _upload(client, world, name, content)
    assert response.status_code == 200
    (error,) = response.context["form"].errors["files"]
    assert error.startswith(message)
    assert "\u202e" not in response.content.decode()
    with schema_context("org_alpha"):
        assert EvidenceItem.objects.count() == 0
    assert not media.exists() or [p for p in media.rglob("*") if p.is_file()] == []
    assert client.get("/o/alpha/").status_code == 200


def test_a_file_exactly_at_the_limit_is_accepted(client, world, media, small_limit):
    content = samples.pdf_bytes("Juste")
    content += b"%" + b"0" * (LIMIT - len(content) - 2) + b"\n"
    assert len(content) == LIMIT
    response = _upload(client, world, "ok.pdf", content)
    assert response.status_code == 302


HARMLESS = [
    # (uploaded name, content, stored name, served content type)
    ("capture.png", samples.png_bytes() + b"<html><script>alert(1)</script></html>",
     "capture.png", "image/png"),
    ("rapport.docx", zip_bomb(), "rapport.docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("tableau.xlsx", entity_bomb(), "tableau.xlsx",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("eicar.txt", EICAR, "eicar.txt", "text/plain"),
    ("../../../etc/cron.d/evil.pdf", samples.pdf_bytes("x"), "evil.pdf", "application/pdf"),
    ("..\\..\\windows\\win.ini.pdf", samples.pdf_bytes("x"), "win.ini.pdf", "application/pdf"),
    ("rapport\x00.pdf", samples.pdf_bytes("x"), "rapport.pdf", "application/pdf"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "content", "stored_name", "content_type"), HARMLESS)
def test_harmless_files_stay_inert_in_the_organisation_folder(
    client, world, media, name, content, stored_name, content_type
):
    response = _upload(client, world, name, content)
    assert response.status_code == 302
    with schema_context("org_alpha"):
        version = EvidenceVersion.objects.get()
    assert version.original_name == stored_name
    files = [p for p in media.rglob("*") if p.is_file()]
    assert len(files) == 1
    assert files[0].relative_to(media).parts[:2] == ("org_alpha", "evidence")
    # Stored byte for byte: never expanded, parsed or rewritten.
    assert files[0].read_bytes() == content
    download = client.get(f"{BASE}{version.item_id}/versions/1/telecharger/")
    assert download.status_code == 200
    assert download["Content-Type"].split(";")[0] == content_type
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(download.streaming_content) == content
    assert client.get("/o/alpha/").status_code == 200
