"""Reports: ask for one, follow its state, download it (attachment, nosniff)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audits.models import Audit
from qualiopi_portal.tenancy.decorators import organisation_permission_required
from qualiopi_portal.tenancy.permissions import Permission
from qualiopi_portal.tenancy.shortcuts import org_reverse

from .models import Report
from .services import content_type, download_name, report_request

PAGE_SIZE = 30


@organisation_permission_required(Permission.REPORTS)
def report_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(
        Report.objects.select_related("audit", "requested_by", "snapshot"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    pending = any(r.status in (Report.Status.QUEUED, Report.Status.RUNNING) for r in page)
    template = "reports/partials/report_rows.html" if request.htmx else "reports/list.html"
    return render(
        request,
        template,
        {
            "page": page,
            "pending": pending,
            "audits": list(Audit.objects.order_by("-starts_on")[:20]),
        },
    )


@organisation_permission_required(Permission.REPORTS)
@require_POST
def report_create(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind")
    audit = None
    if kind == Report.Kind.AUDIT_PREP:
        audit = get_object_or_404(Audit, pk=request.POST.get("audit") or 0)
    elif kind not in (Report.Kind.READINESS, Report.Kind.EVIDENCE_PACK):
        raise Http404
    report_request(kind=kind, audit=audit, requested_by=request.user)
    messages.success(
        request, _("Le document est en préparation : il apparaît ci-dessous dès qu'il est prêt.")
    )
    return redirect(org_reverse(request, "org:report_list"))


@organisation_permission_required(Permission.REPORTS)
def report_download(request: HttpRequest, pk: int) -> FileResponse:
    report = get_object_or_404(Report, pk=pk, status=Report.Status.READY)
    response = FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=download_name(request.organisation, report),
        content_type=content_type(report),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
