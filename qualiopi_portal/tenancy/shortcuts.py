"""Small helpers shared by the views that work inside an organisation."""

from __future__ import annotations

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
