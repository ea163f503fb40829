"""Organisation routing and access: /o/<slug>/… selects that organisation's schema.

Our own middleware instead of django-tenants' TenantSubfolderMiddleware: see
docs/decisions/0001-organisation-routing.md (no public tenant row, no URL-cache clearing on each
request, and one place where access is decided).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from qualiopi_portal.core.tenants import organisation_scope
from qualiopi_portal.tenancy.selectors import organisation_access_get

ORGANISATION_PATH = re.compile(r"^/o/(?P<slug>[^/]+)/")
TWO_FACTOR_REASON_KEY = "two_factor_required_by"


class OrganisationMiddleware:
    """Every /o/<slug>/ request: anonymous → login; no access → 404; else the tenant schema."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        connection.set_schema_to_public()
        request.organisation = None
        request.organisation_access = None
        match = ORGANISATION_PATH.match(request.path_info)
        if match is None:
            return self.get_response(request)
        if not request.user.is_authenticated:
            # The same answer for every slug, existing or not: nothing to guess from.
            return redirect_to_login(request.get_full_path())
        access = organisation_access_get(user=request.user, slug=match["slug"])
        request.organisation = access.organisation
        request.organisation_access = access
        # Its schema, on the database its row names (docs/decisions/0022); public again after.
        with organisation_scope(access.organisation):
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # The slug was consumed above; views receive request.organisation instead.
        view_kwargs.pop("organisation_slug", None)


class PrivateCacheMiddleware:
    """Nothing answered to a signed-in person may be kept by a browser or a proxy cache.

    A shared computer's back button, or a proxy between the provider and the portal, must not
    hand a page or a report meant for one account to the next person. Public pages seen by a
    visitor keep their own caching (the catalogue is cacheable for five minutes).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated:
            response["Cache-Control"] = "private, no-store"
        return response


class TwoFactorEnforcementMiddleware:
    """An organisation that requires TOTP is closed to members who have not activated it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        organisation = getattr(request, "organisation", None)
        if organisation is not None and organisation.requires_two_factor:
            has_totp = Authenticator.objects.filter(
                user=request.user, type=Authenticator.Type.TOTP
            ).exists()
            if not has_totp:
                # Shown by the activation page itself (templates/allauth/layouts/manage.html):
                # a flash message would be spent on the password re-check page before it.
                request.session[TWO_FACTOR_REASON_KEY] = organisation.name
                return redirect("mfa_activate_totp")
            request.session.pop(TWO_FACTOR_REASON_KEY, None)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Pages load scripts, styles, images and fonts from the portal itself and nothing else.

    No page may be framed, except those a view marks `xframe_options_exempt` (the public
    catalogue embed, made for the provider's own website). A response that already carries its
    own policy (evidence downloads: `sandbox`) keeps it. Django's admin, for platform staff only,
    writes a few inline style attributes: there alone, inline styles (never scripts) are allowed.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            embeddable = getattr(response, "xframe_options_exempt", False)
            ancestors = settings.CSP_EMBED_FRAME_ANCESTORS if embeddable else "'none'"
            policy = settings.CONTENT_SECURITY_POLICY
            if request.path_info.startswith("/admin/"):
                policy = policy.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
            response["Content-Security-Policy"] = f"{policy}; frame-ancestors {ancestors}"
        return response
