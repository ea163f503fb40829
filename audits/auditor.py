"""Read-only access for the certifier's auditor: the audit plan and the evidence pack, through a
link that needs no account, expires, can be revoked, and logs every use for the referent."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_tenants.utils import schema_context

from indicators.models import Report
from qualiopi_portal.core.tokens import new_token, token_hash
from qualiopi_portal.tenancy.decorators import organisation_permission_required
from qualiopi_portal.tenancy.models import AuditorAccess, AuditorLink, Organisation
from qualiopi_portal.tenancy.permissions import Permission
from qualiopi_portal.tenancy.shortcuts import apply_errors, org_reverse

from .forms import AuditorLinkForm
from .models import Audit

MAX_DAYS = 90


@transaction.atomic
def link_create(
    *, organisation: Organisation, audit: Audit, label: str, days: int, created_by
) -> tuple[AuditorLink, str]:
    if not label.strip():
        raise ValidationError(_("Indiquez à qui est destiné le lien (l'auditeur·rice)."))
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(
            _("La durée de validité va de 1 à %(max)s jours.") % {"max": MAX_DAYS}
        )
    token, hashed = new_token()
    link = AuditorLink.objects.create(
        organisation=organisation,
        audit_id=audit.pk,
        label=label.strip()[:200],
        token_hash=hashed,
        expires_at=timezone.now() + timedelta(days=days),
        created_by=created_by,
    )
    return link, token


@organisation_permission_required(Permission.AUDITS_MANAGE)
@require_http_methods(["GET", "POST"])
def auditor_links(request: HttpRequest, pk: int) -> HttpResponse:
    """The referent's page: create, follow and revoke the auditor's links of one audit."""
    audit = get_object_or_404(Audit, pk=pk)
    organisation = request.organisation
    new_url = None
    action = request.POST.get("action")
    form = AuditorLinkForm(request.POST if action == "create" else None, max_days=MAX_DAYS)
    if request.method == "POST":
        if action == "create":
            if form.is_valid():
                try:
                    _link, token = link_create(
                        organisation=organisation,
                        audit=audit,
                        created_by=request.user,
                        **form.cleaned_data,
                    )
                except ValidationError as error:
                    apply_errors(form, error)
                else:
                    new_url = request.build_absolute_uri(reverse("auditor_home", args=[token]))
                    form = AuditorLinkForm(max_days=MAX_DAYS)
        elif action == "revoke":
            link = get_object_or_404(
                AuditorLink, pk=request.POST.get("link") or 0, organisation=organisation
            )
            if link.revoked_at is None:
                link.revoked_at = timezone.now()
                link.save(update_fields=["revoked_at"])
            messages.success(request, _("Le lien a été révoqué : il ne fonctionne plus."))
            return redirect(org_reverse(request, "org:auditor_links", pk=audit.pk))
        else:
            raise Http404
    links = list(
        AuditorLink.objects.filter(organisation=organisation, audit_id=audit.pk).prefetch_related(
            "accesses"
        )
    )
    return render(
        request,
        "audits/auditor_links.html",
        {
            "audit": audit,
            "links": links,
            "new_url": new_url,
            "form": form,
            "now": timezone.now(),
        },
        status=400 if form.errors else 200,
    )


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
