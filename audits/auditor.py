"""Read-only access for the certifier's auditor: the audit plan and the evidence pack, through a
link that needs no account, expires, can be revoked, and logs every use for the referent."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from qualiopi_portal.core.tokens import new_token
from qualiopi_portal.tenancy.decorators import organisation_permission_required
from qualiopi_portal.tenancy.models import AuditorLink, Organisation
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
