"""Where evidence files live: MEDIA_ROOT/<schema>/evidence/<item>/…, never under a public URL."""

from __future__ import annotations

import uuid

from django.core.files.storage import FileSystemStorage
from django.utils.functional import LazyObject


class EvidenceStorage(FileSystemStorage):
    """File-system storage without a base URL: files are served only by the access-checked view."""

    # No explicit location: it follows MEDIA_ROOT, including when tests override it.

    def url(self, name):  # pragma: no cover - guarded on purpose
        raise NotImplementedError("evidence files have no public URL")


class _LazyEvidenceStorage(LazyObject):
    def _setup(self) -> None:
        self._wrapped = EvidenceStorage()


evidence_storage = _LazyEvidenceStorage()


def get_evidence_storage() -> FileSystemStorage:
    """Callable for the model field, so migrations do not freeze MEDIA_ROOT."""
    return evidence_storage


def version_file_name(*, schema_name: str, item_pk: int, number: int, extension: str) -> str:
    # The stored name never reuses the user's file name: it is sanitised for display only.
    return f"{schema_name}/evidence/{item_pk}/v{number}-{uuid.uuid4().hex}.{extension}"
