"""A session's documents: render, find the last version, send to learners; the wording of
each kind of document. Thin views over services; the session's learners are personal data,
so these pages follow the learners' rule (404 to whoever may not see them)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from learners.views import session_with_learners_or_404
from qualiopi_portal.tenancy.decorators import organisation_permission_required
from qualiopi_portal.tenancy.permissions import Permission
from qualiopi_portal.tenancy.shortcuts import apply_errors, org_reverse

from . import services, wording
from .forms import TemplateForm
from .models import Dispatch, DocumentJob, Kind


@organisation_permission_required(Permission.ORGANISATION_VIEW)
@require_http_methods(["GET"])
def session_documents(request: HttpRequest, session_pk: int) -> HttpResponse:
    session = session_with_learners_or_404(request, session_pk)
    latest = services.latest_documents(session)
    jobs = services.latest_jobs(session)
    rows = []
    for kind, label in Kind.choices:
        job = jobs.get(kind)
        rows.append(
            {
                "kind": kind,
                "label": label,
                "documents": [doc for (k, _line), doc in latest.items() if k == kind],
                "job": job,
                "busy": job is not None and job.status in DocumentJob.ACTIVE,
                "indicators": services.INDICATORS[kind],
                "funding_key": services.FUNDING_KEYS.get(kind, ""),
                "sendable": kind in services.SENDABLE,
            }
        )
    dispatches = list(
        Dispatch.objects.filter(enrolment__session=session)
        .select_related("enrolment__learner")
        .order_by("enrolment__learner__last_name", "kind")
    )
    context = {
        "session": session,
        "rows": rows,
        "pending": any(row["busy"] for row in rows)
        or any(d.state == Dispatch.State.QUEUED for d in dispatches),
        "dispatches": dispatches,
        "can_manage": request.organisation_access.has(Permission.LEARNERS_MANAGE),
    }
    template = (
        "session_documents/partials/documents.html"
        if request.htmx
        else "session_documents/session_documents.html"
    )
    return render(request, template, context)


@organisation_permission_required(Permission.LEARNERS_MANAGE)
@require_http_methods(["POST"])
def document_generate(request: HttpRequest, session_pk: int, kind: str) -> HttpResponse:
    """Ask a worker to render the document; the page follows the job until it is done."""
    session = session_with_learners_or_404(request, session_pk)
    if kind not in Kind.values:
        raise Http404
    try:
        services.document_request(session=session, kind=kind, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _(
                "La génération est lancée : le document apparaît ici dès qu'il est prêt, "
                "rangé dans la bibliothèque des preuves."
            ),
        )
    return redirect(org_reverse(request, "org:session_documents", session_pk=session.pk))


@organisation_permission_required(Permission.LEARNERS_MANAGE)
@require_http_methods(["POST"])
def document_send(request: HttpRequest, session_pk: int, kind: str) -> HttpResponse:
    session = session_with_learners_or_404(request, session_pk)
    if kind not in Kind.values:
        raise Http404
    try:
        queued = services.dispatches_queue(session=session, kind=kind, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            ngettext(
                "%(count)s message part, un par apprenant·e.",
                "%(count)s messages partent, un par apprenant·e.",
                len(queued),
            )
            % {"count": len(queued)},
        )
    return redirect(org_reverse(request, "org:session_documents", session_pk=session.pk))


@organisation_permission_required(Permission.LEARNERS_MANAGE)
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in Kind.values or kind == Kind.ATTENDANCE_SHEET:
        raise Http404
    current = services.template_for(kind, request.organisation)
    form = TemplateForm(request.POST or None, initial=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.template_save(kind=kind, data=form.cleaned_data, actor=request.user)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Le modèle est enregistré."))
            return redirect(org_reverse(request, "org:document_template", kind=kind))
    return render(
        request,
        "session_documents/template_edit.html",
        {
            "form": form,
            "kind": kind,
            "label": Kind(kind).label,
            "fields": wording.FIELDS,
            "kinds": [(k, label) for k, label in Kind.choices if k != Kind.ATTENDANCE_SHEET],
            "official": kind == Kind.CERTIFICATE,
        },
        status=400 if form.errors else 200,
    )
