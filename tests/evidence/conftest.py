"""Evidence tests work inside organisation A's schema, with files under a temporary MEDIA_ROOT."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from evidence import samples
from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.tenancy.models import Role
from qualiopi_portal.tenancy.selectors import OrganisationAccess


@pytest.fixture
def alpha(world, media):
    """Organisation A's schema as the current one (what a request inside /o/alpha/ sees)."""
    with schema_context("org_alpha"):
        yield world


def access_for(world, role: str) -> OrganisationAccess:
    return OrganisationAccess(world.org_a, Role(role))


def pdf_upload(name: str = "procedure.pdf", title: str = "Procédure") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, samples.pdf_bytes(title, ["Version de test"]))


def stored_files(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file()) if media.exists() else []
