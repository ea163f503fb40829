"""The certifier's auditor on their personal link: the audit plan and the evidence pack.

No account: the link (a token, expiring, revocable, managed in audits.auditor) is the only
credential, and each use is logged. A page of the public part that reads an organisation's
audit and its latest evidence pack, so it sits with the reports.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from audits.models import Audit
from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.core.tokens import token_hash
from qualiopi_portal.tenancy.models import AuditorAccess, AuditorLink

from .models import Report


class LinkClosed(Exception):
    """A real link, expired or revoked: the auditor is told so, and whom to ask."""

    def __init__(self, link: AuditorLink):
        super().__init__(link.pk)
        self.link = link


def _link(request: HttpRequest, token: str, what: str) -> AuditorLink:
    link = (
        AuditorLink.objects.select_related("organisation", "created_by")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if link is None:
        raise Http404
    if not link.is_active(timezone.now()):
        raise LinkClosed(link)
    AuditorAccess.objects.create(
        link=link,
        what=what,
        ip=request.META.get("REMOTE_ADDR") or None,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
    )
    return link


def _closed(request: HttpRequest, link: AuditorLink) -> HttpResponse:
    # 410 Gone: the link existed and will not come back; the token is the only secret shown.
    response = render(request, "audits/auditor_link_closed.html", {"link": link}, status=410)
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def auditor_home(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = _link(request, token, "plan")
    except LinkClosed as closed:
        return _closed(request, closed.link)
    with schema_context(link.organisation.schema_name):
        audit = Audit.objects.filter(pk=link.audit_id).first()
        if audit is None:
            raise Http404
        pack = (
            Report.objects.filter(kind=Report.Kind.EVIDENCE_PACK, status=Report.Status.READY)
            .order_by("-finished_at")
            .first()
        )
        response = render(
            request,
            "audits/auditor_home.html",
            {
                "organisation": link.organisation,
                "audit": audit,
                "slots": list(audit.slots.all()),
                "pack": pack,
                "link": link,
                "token": token,
            },
        )
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def auditor_pack(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = _link(request, token, "pack")
    except LinkClosed as closed:
        return _closed(request, closed.link)
    with schema_context(link.organisation.schema_name):
        pack = (
            Report.objects.filter(kind=Report.Kind.EVIDENCE_PACK, status=Report.Status.READY)
            .order_by("-finished_at")
            .first()
        )
        if pack is None:
            raise Http404
        day = pack.finished_at.strftime("%Y-%m-%d")
        response = FileResponse(
            pack.file.open("rb"),
            as_attachment=True,
            filename=f"dossier-de-preuves-{link.organisation.slug}-{day}.zip",
            content_type="application/zip",
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
