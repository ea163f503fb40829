"""Small helpers shared by the views that work inside an organisation."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse


def organisation_url(organisation, name: str, **kwargs) -> str:
    """reverse() for a URL under an organisation's /o/<slug>/ (also outside a request)."""
    return reverse(name, kwargs={"organisation_slug": organisation.slug, **kwargs})


def org_reverse(request: HttpRequest, name: str, **kwargs) -> str:
    """reverse() for a URL under the current organisation's /o/<slug>/."""
    return organisation_url(request.organisation, name, **kwargs)


def apply_errors(form, error: ValidationError) -> None:
    """A service's ValidationError becomes form errors, on the field when it names one."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def run_csv_import(
    request: HttpRequest, form, importer: Callable[[bytes], list]
) -> tuple[list | None, list[str]]:
    """A CSV import form's POST: (the created rows, []) or (None, the French errors).

    The importer checks every line and imports all or none; a GET or an invalid form imports
    nothing and the form shows its own errors.
    """
    if request.method != "POST" or not form.is_valid():
        return None, []
    try:
        return importer(form.file_bytes()), []
    except ValidationError as error:
        return None, error.messages
