"""What every organisation page that needs the referential shows when none is loaded."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def referential_missing(request: HttpRequest) -> HttpResponse:
    """Every organisation page that needs the referential answers this when none is loaded."""
    return render(request, "indicators/referential_missing.html", status=503)
