"""Small but valid sample files (PDF, Office, OpenDocument, images, text) for demo data and tests.

Standard library only. Each opens in the usual software: the PDF has a correct cross-reference
table and WinAnsi text (French accents), the Office and OpenDocument files carry the minimal
parts their formats require.
"""

from __future__ import annotations

import base64
import io
import struct
import zipfile
import zlib
from xml.sax.saxutils import escape

# --- PDF -------------------------------------------------------------------------------------


def _pdf_text(text: str) -> bytes:
    raw = text.encode("cp1252", "replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def pdf_bytes(title: str, lines: list[str] | tuple[str, ...] = ()) -> bytes:
    """A one-page A4 PDF showing a title and a few lines."""
    stream = [b"BT /F1 18 Tf 56 780 Td (" + _pdf_text(title) + b") Tj ET"]
    for index, line in enumerate(lines):
        y = 740 - 22 * index
        stream.append(b"BT /F1 12 Tf 56 %d Td (" % y + _pdf_text(line) + b") Tj ET")
    content = b"\n".join(stream)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Title (" + _pdf_text(title) + b") /Producer (Portail Qualiopi) >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, xref)
    )
    return out.getvalue()


# --- Office Open XML -------------------------------------------------------------------------

_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="{target}"/></Relationships>'
)


def _content_types(overrides: dict[str, str]) -> str:
    parts = "".join(
        f'<Override PartName="{part}" ContentType="{ctype}"/>' for part, ctype in overrides.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>' + parts + "</Types>"
    )


def _zip(members: list[tuple[str, str | bytes]], *, stored_first: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(members):
            compression = zipfile.ZIP_STORED if stored_first and index == 0 else None
            archive.writestr(name, data, compress_type=compression)
    return out.getvalue()


def docx_bytes(title: str, paragraphs: list[str] | tuple[str, ...] = ()) -> bytes:
    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'
        for text in (title, *paragraphs)
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}<w:sectPr/></w:body></w:document>"
    )
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    return _zip(
        [
            ("[Content_Types].xml", _content_types({"/word/document.xml": main})),
            ("_rels/.rels", _RELS.format(target="word/document.xml")),
            ("word/document.xml", document),
        ]
    )


def _cell_ref(row: int, column: int) -> str:
    letters = ""
    column += 1
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(65 + remainder) + letters
    return f"{letters}{row + 1}"


def xlsx_bytes(title: str, rows: list[list[str | int | float]] | tuple = ()) -> bytes:
    rows = [[title], *rows]
    sheet_rows = []
    for r, row in enumerate(rows):
        cells = []
        for c, value in enumerate(row):
            ref = _cell_ref(r, c)
            if isinstance(value, int | float) and not isinstance(value, bool):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
        sheet_rows.append(f'<row r="{r + 1}">{"".join(cells)}</row>')
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel_ns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook {ns} {rel_ns}>'
        '<sheets><sheet name="Feuille1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    workbook_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    )
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {ns}>'
        f"<sheetData>{''.join(sheet_rows)}</sheetData></worksheet>"
    )
    return _zip(
        [
            (
                "[Content_Types].xml",
                _content_types(
                    {
                        "/xl/workbook.xml": "application/vnd.openxmlformats-officedocument."
                        "spreadsheetml.sheet.main+xml",
                        "/xl/worksheets/sheet1.xml": "application/vnd.openxmlformats-"
                        "officedocument.spreadsheetml.worksheet+xml",
                    }
                ),
            ),
            ("_rels/.rels", _RELS.format(target="xl/workbook.xml")),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", workbook_rels),
            ("xl/worksheets/sheet1.xml", sheet),
        ]
    )


def pptx_bytes(title: str) -> bytes:
    ns = 'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"'
    presentation = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><p:presentation {ns}>'
        '<p:sldSz cx="9144000" cy="6858000"/><p:notesSz cx="6858000" cy="9144000"/>'
        "</p:presentation>"
    )
    main = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
    core = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>{escape(title)}</dc:title></cp:coreProperties>"
    )
    return _zip(
        [
            ("[Content_Types].xml", _content_types({"/ppt/presentation.xml": main})),
            ("_rels/.rels", _RELS.format(target="ppt/presentation.xml")),
            ("ppt/presentation.xml", presentation),
            ("docProps/core.xml", core),
        ]
    )


# --- OpenDocument ------------------------------------------------------------------------------

_ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
    'office:version="1.3"'
)


def _odf(mimetype: str, body: str) -> bytes:
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODF_NS}>'
        f"<office:body>{body}</office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.3">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    return _zip(
        [("mimetype", mimetype), ("content.xml", content), ("META-INF/manifest.xml", manifest)],
        stored_first=True,
    )


def odt_bytes(title: str, paragraphs: list[str] | tuple[str, ...] = ()) -> bytes:
    body = "".join(f"<text:p>{escape(text)}</text:p>" for text in (title, *paragraphs))
    return _odf("application/vnd.oasis.opendocument.text", f"<office:text>{body}</office:text>")


def ods_bytes(title: str, rows: list[list[str | int | float]] | tuple = ()) -> bytes:
    table_rows = []
    for row in [[title], *rows]:
        cells = "".join(
            f'<table:table-cell office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
            if isinstance(value, int | float) and not isinstance(value, bool)
            else '<table:table-cell office:value-type="string">'
            f"<text:p>{escape(str(value))}</text:p></table:table-cell>"
            for value in row
        )
        table_rows.append(f"<table:table-row>{cells}</table:table-row>")
    body = f'<table:table table:name="Feuille1">{"".join(table_rows)}</table:table>'
    return _odf(
        "application/vnd.oasis.opendocument.spreadsheet",
        f"<office:spreadsheet>{body}</office:spreadsheet>",
    )


def odp_bytes(title: str) -> bytes:
    page = (
        f'<draw:page draw:name="{escape(title)}"><draw:frame><draw:text-box>'
        f"<text:p>{escape(title)}</text:p></draw:text-box></draw:frame></draw:page>"
    )
    return _odf(
        "application/vnd.oasis.opendocument.presentation",
        f"<office:presentation>{page}</office:presentation>",
    )


# --- Images and text ---------------------------------------------------------------------------


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + b"\x1f\x4e\x79" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


# A 1×1 baseline JPEG (white), and a 1×1 lossless WebP.
_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJ"
    "DRENDg8QEBEQCgwSExIQEw8QEBD/yQALCAABAAEBAREA/8wABgAQEAX/2gAIAQEAAD8A0s8g/9k="
)
_WEBP = base64.b64decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")


def jpeg_bytes() -> bytes:
    return _JPEG


def webp_bytes() -> bytes:
    return _WEBP


def csv_bytes(rows: list[list[str | int | float]]) -> bytes:
    """UTF-8 with BOM and semicolons, as French Excel writes and reads CSV."""
    lines = [";".join(str(value).replace(";", ",") for value in row) for row in rows]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def txt_bytes(text: str) -> bytes:
    return text.encode("utf-8")
