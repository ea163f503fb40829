"""Referential pages for an organisation: guidance per indicator, V9 ↔ V10, scope."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from evidence import selectors as evidence_selectors
from indicators.referential import selectors as referential
from indicators.referential.models import ChangeKind, ReferentialVersion
from indicators.referential.views import referential_missing
from qualiopi_portal.tenancy import services as tenancy_services
from qualiopi_portal.tenancy.decorators import organisation_permission_required
from qualiopi_portal.tenancy.forms import OrganisationScopeForm
from qualiopi_portal.tenancy.permissions import Permission

from .presentation import SEED_COUNT_NOTE, indicator_rows_for


@organisation_permission_required(Permission.ORGANISATION_VIEW)
def referential_index(request: HttpRequest) -> HttpResponse:
    """Criteria → indicators with guidance, and whether each applies to this organisation."""
    organisation = request.organisation
    try:
        in_force = referential.version_for_organisation(organisation)
    except referential.NoVersionInForce:
        return referential_missing(request)
    versions = list(ReferentialVersion.objects.order_by("in_force_from"))
    code = request.GET.get("version", in_force.code)
    version = next((v for v in versions if v.code == code), None)
    if version is None:
        raise Http404
    result, rows = indicator_rows_for(organisation, version)
    criteria = []
    for criterion in version.criteria.order_by("number"):
        criterion_rows = [row for row in rows if row.indicator.criterion_id == criterion.pk]
        criteria.append(
            {
                "criterion": criterion,
                "rows": criterion_rows,
                "applicable_count": sum(1 for row in criterion_rows if row.applicable),
            }
        )
    return render(
        request,
        "indicators/referential.html",
        {
            "version": version,
            "versions": versions,
            "in_force": in_force,
            "criteria": criteria,
            "applicable_count": len(result.applicable),
            "target_date": referential.target_date_for_organisation(organisation),
        },
    )


@organisation_permission_required(Permission.ORGANISATION_VIEW)
def referential_compare(request: HttpRequest) -> HttpResponse:
    """V9 ↔ V10: what changed, the new indicator 33, and what this organisation must review."""
    organisation = request.organisation
    try:
        v9 = referential.version_get(code="v9")
        v10 = referential.version_get(code="v10")
    except ReferentialVersion.DoesNotExist:
        return referential_missing(request)
    old = {i.number: i for i in v9.indicators.all()}
    _, rows = indicator_rows_for(organisation, v10)
    comparison = [
        {"new": row.indicator, "old": old.get(row.indicator.number), "row": row} for row in rows
    ]
    to_review = [
        item
        for item in comparison
        if item["row"].applicable
        and item["new"].change_kind in (ChangeKind.REWORDED, ChangeKind.NEW)
    ]
    # Proofs filed before V10 came into force for an indicator whose requirement changed.
    stale = evidence_selectors.evidence_predating(
        numbers={item["new"].number for item in to_review},
        before=v10.in_force_from,
        access=request.organisation_access,
        user=request.user,
    )
    for item in to_review:
        item["stale_evidence"] = stale.get(item["new"].number, [])
    return render(
        request,
        "indicators/compare.html",
        {
            "v9": v9,
            "v10": v10,
            "comparison": comparison,
            "changed": [c for c in comparison if c["new"].change_kind != ChangeKind.UNCHANGED],
            "to_review": to_review,
            "stale_count": sum(len(item["stale_evidence"]) for item in to_review),
            "can_confirm": request.organisation_access.has(Permission.EVIDENCE_REVIEW),
        },
    )


def _scope_context(request: HttpRequest, form: OrganisationScopeForm) -> dict:
    organisation = request.organisation
    try:
        version = referential.version_for_organisation(organisation)
    except referential.NoVersionInForce:
        version = None
    scope = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        version = data["referential_version"] or version
        scope = referential.scope_from_values(data)
    context = {
        "form": form,
        "version": version,
        "seed_count_note": SEED_COUNT_NOTE,
        "version_mismatch": referential.pinned_version_mismatch(organisation),
    }
    if version is not None and (scope is not None or not form.is_bound):
        result, rows = indicator_rows_for(organisation, version, scope)
        context.update(
            applicable_rows=[row for row in rows if row.applicable],
            excluded_rows=[row for row in rows if not row.applicable],
            applicable_count=len(result.applicable),
        )
    return context


@organisation_permission_required(Permission.ORGANISATION_VIEW)
@require_http_methods(["GET", "POST"])
def scope(request: HttpRequest) -> HttpResponse:
    """The declared scope and, live, the applicable indicators with every exclusion's reason."""
    organisation = request.organisation
    can_edit = request.organisation_access.has(Permission.ORGANISATION_EDIT)
    if request.method == "POST" and not can_edit:
        raise Http404
    form = OrganisationScopeForm(request.POST or None, instance=organisation)
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            tenancy_services.organisation_update(
                organisation=organisation, actor=request.user, data=form.cleaned_data
            )
        except ValidationError as error:
            organisation.refresh_from_db()
            for field, field_messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, field_messages)
        else:
            messages.success(request, _("Le périmètre a été enregistré."))
            return redirect(reverse("org:scope", kwargs={"organisation_slug": organisation.slug}))
    return render(
        request, "indicators/scope.html", {**_scope_context(request, form), "can_edit": can_edit}
    )


@organisation_permission_required(Permission.ORGANISATION_EDIT)
@require_POST
def scope_preview(request: HttpRequest) -> HttpResponse:
    """htmx: the applicable set for the flags being edited, without saving anything."""
    form = OrganisationScopeForm(request.POST, instance=request.organisation)
    # The form never writes to its instance (see _OrganisationForm): nothing is saved here.
    return render(request, "indicators/partials/scope_result.html", _scope_context(request, form))
