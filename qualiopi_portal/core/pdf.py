"""PDF rendering with WeasyPrint, fetching nothing but the project's own static files.

User text reaches the PDF only through autoescaped templates, so `<img src="file:///…">` is
printed, not fetched. Whatever URL the document still names goes through `StaticOnlyFetcher`:
no `file://`, no network, no redirects — only files the static finders know, and PNG images
given inline as `data:` URLs (drawn signatures, checked when they were stored).
"""

from __future__ import annotations

import base64
import binascii
import logging
import mimetypes
import resource
from contextlib import contextmanager
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger("qualiopi.pdf")

PNG_DATA_URL = "data:image/png;base64,"
# Relative URLs in report templates resolve against this address, which never leaves the process.
BASE_URL = "https://portail.invalid/"


class StaticOnlyFetcher(URLFetcher):
    def __init__(self) -> None:
        super().__init__(allowed_protocols=("https",), allow_redirects=False)
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url.startswith(PNG_DATA_URL):
            # Inline already: decoding it fetches nothing.
            try:
                body = base64.b64decode(url.removeprefix(PNG_DATA_URL), validate=True)
            except (binascii.Error, ValueError):
                body = b""
            if body.startswith(b"\x89PNG\r\n\x1a\n"):
                return URLFetcherResponse(url, body=body, headers={"Content-Type": "image/png"})
        parts = urlsplit(url)
        prefix = urlsplit(BASE_URL).netloc
        static = settings.STATIC_URL.lstrip("/")
        path = unquote(parts.path).lstrip("/")
        relative = path[len(static) :] if path.startswith(static) else None
        found = None
        if (
            parts.scheme == "https"
            and parts.netloc == prefix
            and relative
            and ".." not in PurePosixPath(relative).parts
        ):
            found = finders.find(relative)
        if not found:
            self.refused.append(url)
            logger.warning("PDF rendering refused to fetch %s", url[:200])
            raise ValueError(f"refused: {url[:200]}")
        mime = mimetypes.guess_type(found)[0] or "application/octet-stream"
        with open(found, "rb") as handle:
            return URLFetcherResponse(url, body=handle.read(), headers={"Content-Type": mime})


@contextmanager
def memory_budget(megabytes: int):
    """Cap the process's address space while rendering: past the budget, allocations fail
    with MemoryError (reported as a failed report) instead of exhausting the machine."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as handle:
        current = int(handle.read().split()[0]) * resource.getpagesize()
    limit = current + megabytes * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def render_pdf(template: str, context: dict) -> tuple[bytes, list[str]]:
    """The PDF bytes and the URLs the document tried to fetch and was refused."""
    return html_to_pdf(render_to_string(template, context))


def html_to_pdf(html: str) -> tuple[bytes, list[str]]:
    """Any HTML to PDF with nothing fetched but our static files, within the memory budget."""
    fetcher = StaticOnlyFetcher()
    with memory_budget(settings.REPORT_MEMORY_BUDGET_MB):
        pdf = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()
    return pdf, fetcher.refused
