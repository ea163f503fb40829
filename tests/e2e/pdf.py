"""PDFs the journeys open: fetched with the browser's session, checked, and read."""

from __future__ import annotations

import io

from pypdf import PdfReader


def pdf_get(page, url: str) -> PdfReader:
    """The PDF at `url`, as the logged-in browser downloads it."""
    response = page.request.get(url)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.body()))


def pdf_text(reader: PdfReader) -> str:
    """Its text on one line, whitespace collapsed (as the assertions quote it)."""
    return " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
