"""Small helpers shared by the views that work inside an organisation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from qualiopi_portal.core.reverse import fast_reverse


def organisation_url(organisation, name: str, **kwargs) -> str:
    """reverse() for a URL under an organisation's /o/<slug>/ (also outside a request)."""
    return fast_reverse(name, {"organisation_slug": organisation.slug, **kwargs})


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


def csv_import_response(
    request: HttpRequest,
    form,
    importer: Callable[[bytes], Any],
    *,
    done: Callable[[Any], str],
    success_url: str,
    template: str,
    context: dict,
) -> HttpResponse:
    """A CSV import page: the importer checks every line and imports all or none.

    After an import: the `done(result)` message and a redirect to `success_url`. Otherwise the
    page again, with the form's own errors or the importer's French ones (status 400).
    """
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            result = importer(form.file_bytes())
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, done(result))
            return redirect(success_url)
    return render(
        request,
        template,
        {**context, "form": form, "errors": errors},
        status=400 if (errors or form.errors) else 200,
    )


def organisation_by_slug_or_404(slug: str):
    """The organisation a public link names (its slug is public, like its catalogue)."""
    from django.http import Http404

    from .models import Organisation

    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise Http404
    return organisation


def private_link_response(response: HttpResponse) -> HttpResponse:
    """Headers of a page opened from a personal link (signing, answering a survey): never
    cached or indexed, and the token in the path is never sent to another site
    (no-referrer would make the browser post with `Origin: null`, which CSRF refuses)."""
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "same-origin"
    return response
