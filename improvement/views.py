"""The plan de progrès: thin views over services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from indicators.referential import selectors as referential
from indicators.referential.views import referential_missing
from qualiopi_portal.tenancy.decorators import organisation_permission_required
from qualiopi_portal.tenancy.permissions import Permission
from qualiopi_portal.tenancy.shortcuts import apply_errors, org_reverse

from . import selectors, services
from .forms import ActionFilterForm, ActionForm
from .models import Action

PAGE_SIZE = 50


@organisation_permission_required(Permission.ACTIONS_VIEW)
def action_list(request: HttpRequest) -> HttpResponse:
    ref = referential.referential_context(request.organisation)
    if ref is None:
        return referential_missing(request)
    form = ActionFilterForm(
        request.GET or None, organisation=request.organisation, indicators=ref.indicators
    )
    filters = form.cleaned_data if form.is_valid() else {}
    today = timezone.localdate()
    actions = selectors.actions_filtered(
        status=filters.get("status") or "",
        indicator=filters.get("indicator"),
        owner=filters.get("owner"),
        today=today,
    )
    page = Paginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "improvement/action_list.html",
        {
            "form": form,
            "page": page,
            "today": today,
            "query": query.urlencode(),
            "overdue_count": selectors.actions_overdue(today=today).count(),
            "can_manage": request.organisation_access.has(Permission.ACTIONS_MANAGE),
            "filtered": bool(filters and any(filters.values())),
        },
    )


def _action_form(request: HttpRequest, **kwargs) -> ActionForm:
    ref = referential.referential_context(request.organisation)
    return ActionForm(
        request.POST or None,
        organisation=request.organisation,
        indicators=ref.indicators if ref else [],
        applicable=ref.applicable if ref else set(),
        **kwargs,
    )


def _action_form_view(request: HttpRequest, action: Action | None, initial: dict) -> HttpResponse:
    form = _action_form(request, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_save(
                organisation=request.organisation,
                action=action,
                created_by=request.user,
                **form.cleaned_data,
            )
        except ValidationError as error:
            if action is not None:
                action.refresh_from_db()
            apply_errors(form, error)
        else:
            if action is None:
                messages.success(request, _("L'action a été ajoutée au plan de progrès."))
            else:
                messages.success(request, _("L'action a été enregistrée."))
            return redirect(org_reverse(request, "org:action_list"))
    return render(
        request,
        "improvement/action_form.html",
        {
            "form": form,
            "action": action,
            "today": timezone.localdate(),
            "origin": selectors.action_survey_origin(action) if action else None,
        },
        status=400 if form.errors else 200,
    )


@organisation_permission_required(Permission.ACTIONS_MANAGE)
@require_http_methods(["GET", "POST"])
def action_create(request: HttpRequest) -> HttpResponse:
    initial = {
        "owner": request.user.pk,
        "due_date": services.default_due_date(organisation=request.organisation),
        "status": Action.Status.TODO,
    }
    indicator = request.GET.get("indicateur", "")
    if indicator.isdigit():
        initial["indicator_numbers"] = [int(indicator)]
    return _action_form_view(request, None, initial)


@organisation_permission_required(Permission.ACTIONS_MANAGE)
@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(Action, pk=pk)
    initial = {name: getattr(action, name) for name in ActionForm.base_fields}
    initial["owner"] = action.owner_id
    initial["completion_evidence"] = action.completion_evidence_id
    return _action_form_view(request, action, initial)


@organisation_permission_required(Permission.ACTIONS_MANAGE)
@require_POST
def action_from_gap(request: HttpRequest, number: int) -> HttpResponse:
    """One click on a dashboard gap."""
    ref = referential.referential_context(request.organisation)
    if ref is None:
        return referential_missing(request)
    indicator = get_object_or_404(ref.version.indicators, number=number)
    action = services.action_create_from_gap(
        organisation=request.organisation, indicator=indicator, created_by=request.user
    )
    messages.success(
        request,
        _("L'action a été ajoutée au plan de progrès ; vérifiez l'échéance et le responsable."),
    )
    return redirect(org_reverse(request, "org:action_edit", pk=action.pk))
