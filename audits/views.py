"""Certificate, audits and findings pages: thin views over services and selectors."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from improvement.models import Action
from indicators.referential import selectors as referential
from qualiopi_portal.tenancy.decorators import organisation_permission_required
from qualiopi_portal.tenancy.permissions import Permission
from qualiopi_portal.tenancy.shortcuts import apply_errors, csv_import_response, org_reverse

from . import duration, rules, selectors, services
from .forms import (
    AuditForm,
    CertificateForm,
    FindingCancelForm,
    FindingForm,
    FindingsImportForm,
    FindingStatusForm,
    SlotForm,
)
from .models import Audit, Finding, Slot

PAGE_SIZE = 50
WARNING_LABELS = {
    "surveillance_soon": gettext_lazy("La fenêtre de l'audit de surveillance s'ouvre bientôt."),
    "surveillance_open": gettext_lazy(
        "La fenêtre de l'audit de surveillance est ouverte : planifiez-le."
    ),
    "surveillance_missed": gettext_lazy(
        "La fenêtre de l'audit de surveillance est dépassée : contactez votre certificateur."
    ),
    "renewal_soon": gettext_lazy(
        "Le certificat expire dans moins de six mois : préparez le renouvellement."
    ),
    "expired": gettext_lazy(
        "Le certificat a expiré : l'accès aux financements publics est suspendu."
    ),
}


@organisation_permission_required(Permission.AUDITS_VIEW)
def audit_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    certificate = selectors.certificate_current()
    warnings = []
    if certificate is not None:
        warnings = [
            str(WARNING_LABELS[code])
            for code in selectors.certificate_warnings(certificate, today=today)
        ]
    page = Paginator(Audit.objects.all(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "audits/list.html",
        {
            "certificate": certificate,
            "warnings": warnings,
            "page": page,
            "open_findings": list(selectors.open_findings()[:20]),
            "today": today,
            "can_manage": request.organisation_access.has(Permission.AUDITS_MANAGE),
        },
    )


@organisation_permission_required(Permission.AUDITS_MANAGE)
@require_http_methods(["GET", "POST"])
def certificate_edit(request: HttpRequest) -> HttpResponse:
    certificate = selectors.certificate_current()
    initial = {"categories": request.organisation.categories}
    if certificate is not None:
        initial = {
            "certifier": certificate.certifier,
            "number": certificate.number,
            "categories": certificate.categories,
            "issued_on": certificate.issued_on,
            "valid_from": certificate.cycle.starts_on,
            "expires_on": certificate.cycle.expires_on,
        }
    form = CertificateForm(request.POST or None, initial=initial, renewable=certificate is not None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        renewing = data.pop("is_renewal", False)
        try:
            services.certificate_save(
                certificate=None if renewing else certificate,
                renews=certificate if renewing else None,
                **data,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Le certificat a été enregistré."))
            return redirect(org_reverse(request, "org:audit_list"))
    return render(
        request,
        "audits/certificate_form.html",
        {"form": form, "certificate": certificate},
        status=400 if form.errors else 200,
    )


def _duration_for(request: HttpRequest, audit: Audit | None) -> duration.Computation:
    """The duration of this audit's own type (arrêté du 6 juin 2019, art. 4 and 10).

    A mock or internal audit rehearses the next certifier audit: the initial one before any
    certificate, else surveillance. An extension covers the categories the certificate lacks.
    """
    organisation = request.organisation
    certificate = selectors.certificate_current()
    kind = audit.kind if audit is not None else duration.INITIAL
    if kind not in duration.KINDS:
        kind = duration.INITIAL if certificate is None else duration.SURVEILLANCE
    added: list[str] = []
    if kind == duration.EXTENSION:
        held = set(certificate.categories) if certificate is not None else set()
        added = [c for c in organisation.categories if c not in held]
        if not added:
            kind = duration.INITIAL
    return duration.for_organisation(organisation, kind, added_categories=added)


def _audit_form_view(request: HttpRequest, audit: Audit | None) -> HttpResponse:
    computation = _duration_for(request, audit)
    initial = {"duration_days": computation.total}
    if audit is not None:
        initial = {
            name: getattr(audit, name)
            for name in (
                "kind",
                "starts_on",
                "ends_on",
                "auditors",
                "sites",
                "report_date",
                "notes",
            )
        }
    form = AuditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.audit_save(audit=audit, created_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("L'audit a été enregistré."))
            if selectors.audit_planning(saved, computed_days=computation.total).days_off:
                messages.warning(
                    request,
                    _(
                        "L'audit tombe un week-end ou un jour férié : un certificateur ne "
                        "l'y planifierait pas. Vérifiez les dates."
                    ),
                )
            return redirect(org_reverse(request, "org:audit_detail", pk=saved.pk))
    return render(
        request,
        "audits/audit_form.html",
        {"form": form, "audit": audit, "computation": computation, **_duration_labels()},
        status=400 if form.errors else 200,
    )


def _duration_labels() -> dict:
    return {"duration_source": duration.table().source}


@organisation_permission_required(Permission.AUDITS_MANAGE)
@require_http_methods(["GET", "POST"])
def audit_create(request: HttpRequest) -> HttpResponse:
    return _audit_form_view(request, None)


@organisation_permission_required(Permission.AUDITS_MANAGE)
@require_http_methods(["GET", "POST"])
def audit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _audit_form_view(request, get_object_or_404(Audit, pk=pk))


def _indicators(audit: Audit):
    return referential.indicators_of(referential.version_get(code=audit.version_code))


@organisation_permission_required(Permission.AUDITS_VIEW)
@require_http_methods(["GET", "POST"])
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The audit, its findings and the decision the rules predict; findings are added here."""
    audit = get_object_or_404(Audit, pk=pk)
    can_manage = request.organisation_access.has(Permission.AUDITS_MANAGE)
    if request.method == "POST" and not can_manage:
        raise Http404
    form = FindingForm(request.POST or None, indicators=_indicators(audit))
    if request.method == "POST" and form.is_valid():
        try:
            services.finding_save(audit=audit, finding=None, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Le constat a été ajouté."))
            return redirect(org_reverse(request, "org:audit_detail", pk=audit.pk))
    today = timezone.localdate()
    computation = _duration_for(request, audit)
    decision = selectors.decision_for(
        audit, today=today, minor_threshold=settings.READINESS_MINOR_NC_THRESHOLD
    )
    return render(
        request,
        "audits/detail.html",
        {
            "audit": audit,
            "findings": list(audit.findings.prefetch_related("actions__owner", "proofs")),
            "cancelled_findings": list(
                Finding.all_objects.filter(audit=audit, cancelled_at__isnull=False)
                .select_related("cancelled_by")
                .order_by("cancelled_at")
            ),
            "decision": decision,
            "decision_label": rules.decision_label(audit.kind, decision.decision),
            "threshold": settings.READINESS_MINOR_NC_THRESHOLD,
            "computation": computation,
            "planning": selectors.audit_planning(audit, computed_days=computation.total),
            **_duration_labels(),
            "form": form,
            "can_manage": can_manage,
            "today": today,
        },
        status=400 if form.errors else 200,
    )


def _finding(audit_pk: int, pk: int) -> Finding:
    """Cancelled findings included: their page keeps their history."""
    return get_object_or_404(
        Finding.all_objects.select_related("audit", "cancelled_by", "lifted_by"),
        pk=pk,
        audit_id=audit_pk,
    )


@organisation_permission_required(Permission.AUDITS_MANAGE)
@require_http_methods(["GET", "POST"])
def finding_detail(request: HttpRequest, audit_pk: int, pk: int) -> HttpResponse:
    """Edit a finding and follow a non-conformity to its lifting."""
    finding = _finding(audit_pk, pk)
    which = request.POST.get("form")
    indicators = _indicators(finding.audit)
    edit_form = FindingForm(
        request.POST if which == "edit" else None,
        indicators=indicators,
        initial={
            "indicator_number": finding.indicator_number,
            "kind": finding.kind,
            "description": finding.description,
            "missing": finding.missing,
            "root_cause": finding.root_cause,
            "deadline": finding.deadline,
        },
    )
    status_form = FindingStatusForm(
        request.POST if which == "status" else None,
        indicator_number=finding.indicator_number,
        by_certifier=finding.audit.kind in services.OFFICIAL_KINDS,
        initial={
            "proofs": list(finding.proofs.all()),
            "lifted_on": finding.lifted_on,
            "lifting_reference": finding.lifting_reference,
        },
    )
    if request.method == "POST" and finding.is_cancelled:
        raise Http404
    if request.method == "POST":
        form = edit_form if which == "edit" else status_form
        if form.is_valid():
            try:
                if form is edit_form:
                    services.finding_save(audit=finding.audit, finding=finding, **form.cleaned_data)
                else:
                    services.finding_set_status(
                        finding=finding,
                        status=form.cleaned_data["status"],
                        proofs=list(form.cleaned_data["proofs"]),
                        actor=request.user,
                        lifted_on=form.cleaned_data["lifted_on"],
                        lifting_reference=form.cleaned_data.get("lifting_reference", ""),
                    )
            except ValidationError as error:
                finding.refresh_from_db()
                apply_errors(form, error)
            else:
                messages.success(request, _("Le constat a été enregistré."))
                if finding.status == Finding.Status.LIFTED and _actions_not_done(finding):
                    messages.warning(
                        request,
                        _(
                            "La levée est enregistrée alors qu'une action corrective n'est pas "
                            "terminée : mettez le plan de progrès à jour."
                        ),
                    )
                return redirect(
                    org_reverse(request, "org:finding_detail", audit_pk=audit_pk, pk=pk)
                )
    actions = list(finding.actions.select_related("owner"))
    return render(
        request,
        "audits/finding.html",
        {
            "finding": finding,
            "indicator": next(
                (i for i in indicators if i.number == finding.indicator_number), None
            ),
            "edit_form": edit_form,
            "status_form": status_form,
            "actions": actions,
            "actions_not_done": [a for a in actions if a.status != Action.Status.DONE],
            "next_statuses": services.TRANSITIONS[finding.status],
            "today": timezone.localdate(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _actions_not_done(finding: Finding) -> bool:
    return finding.actions.exclude(status=Action.Status.DONE).exists()


@organisation_permission_required(Permission.AUDITS_MANAGE)
@require_http_methods(["GET", "POST"])
def finding_cancel(request: HttpRequest, audit_pk: int, pk: int) -> HttpResponse:
    """Cancel a finding entered by mistake, with its reason, after confirmation."""
    finding = _finding(audit_pk, pk)
    if finding.is_cancelled:
        return redirect(org_reverse(request, "org:finding_detail", audit_pk=audit_pk, pk=pk))
    form = FindingCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.finding_cancel(
                finding=finding, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Le constat est annulé : il ne compte plus nulle part et reste dans "
                    "l'historique."
                ),
            )
            return redirect(org_reverse(request, "org:audit_detail", pk=audit_pk))
    return render(
        request,
        "audits/finding_cancel.html",
        {"finding": finding, "form": form},
        status=400 if form.errors else 200,
    )


@organisation_permission_required(Permission.AUDITS_MANAGE)
@require_POST
def finding_action(request: HttpRequest, audit_pk: int, pk: int) -> HttpResponse:
    finding = _finding(audit_pk, pk)
    if finding.is_cancelled:
        raise Http404
    if not finding.is_nc:
        messages.error(request, _("Seules les non-conformités appellent une action corrective."))
        return redirect(org_reverse(request, "org:finding_detail", audit_pk=audit_pk, pk=pk))
    action = services.corrective_action_create(
        organisation=request.organisation, finding=finding, created_by=request.user
    )
    messages.success(request, _("L'action corrective a été créée ; précisez-la."))
    return redirect(org_reverse(request, "org:action_edit", pk=action.pk))


def _applicable(request: HttpRequest, audit: Audit) -> set[int]:
    version = referential.version_get(code=audit.version_code)
    return referential.applicable_numbers(request.organisation, version)


@organisation_permission_required(Permission.AUDITS_VIEW)
def audit_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """The timetable, printable, with the applicable indicators no slot covers."""
    audit = get_object_or_404(Audit, pk=pk)
    return render(
        request,
        "audits/plan.html",
        {
            "audit": audit,
            "slots": list(audit.slots.all()),
            "uncovered": selectors.uncovered_indicators(audit, _applicable(request, audit)),
            "planning": selectors.audit_planning(
                audit, computed_days=_duration_for(request, audit).total
            ),
            "can_manage": request.organisation_access.has(Permission.AUDITS_MANAGE),
        },
    )


@organisation_permission_required(Permission.AUDITS_MANAGE)
@require_http_methods(["GET", "POST"])
def slot_edit(request: HttpRequest, pk: int, slot_pk: int | None = None) -> HttpResponse:
    audit = get_object_or_404(Audit, pk=pk)
    slot = get_object_or_404(Slot, pk=slot_pk, audit=audit) if slot_pk else None
    initial = {"day": audit.starts_on}
    if slot is not None:
        initial = {name: getattr(slot, name) for name in SlotForm.base_fields}
    form = SlotForm(
        request.POST or None,
        initial=initial,
        indicators=_indicators(audit),
        applicable=_applicable(request, audit),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.slot_save(audit=audit, slot=slot, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Le créneau a été enregistré."))
            return redirect(org_reverse(request, "org:audit_plan", pk=audit.pk))
    return render(
        request,
        "audits/slot_form.html",
        {"form": form, "audit": audit, "slot": slot},
        status=400 if form.errors else 200,
    )


@organisation_permission_required(Permission.AUDITS_MANAGE)
@require_http_methods(["GET", "POST"])
def slot_delete(request: HttpRequest, pk: int, slot_pk: int) -> HttpResponse:
    """A timetable line is planning, not a proof: it may be removed, after confirmation."""
    slot = get_object_or_404(Slot.objects.select_related("audit"), pk=slot_pk, audit_id=pk)
    if request.method == "POST":
        slot.delete()
        messages.success(request, _("Le créneau a été retiré du plan."))
        return redirect(org_reverse(request, "org:audit_plan", pk=pk))
    return render(request, "audits/slot_delete.html", {"slot": slot, "audit": slot.audit})


def _findings_imported_message(result: services.FindingsImported) -> str:
    created, already = len(result.created), len(result.already)
    text = ngettext(
        "%(count)s constat a été importé.", "%(count)s constats ont été importés.", created
    ) % {"count": created}
    if already:
        lines = ", ".join(str(row.line) for row in result.already)
        text += " " + ngettext(
            "%(count)s ligne était déjà importée sur cet audit (ligne %(lines)s) : elle n'a pas "
            "été ajoutée une seconde fois.",
            "%(count)s lignes étaient déjà importées sur cet audit (lignes %(lines)s) : elles "
            "n'ont pas été ajoutées une seconde fois.",
            already,
        ) % {"count": already, "lines": lines}
    return text


@organisation_permission_required(Permission.AUDITS_MANAGE)
@require_http_methods(["GET", "POST"])
def findings_import(request: HttpRequest, pk: int) -> HttpResponse:
    """The certifier's report as CSV: every line checked, all imported or none."""
    audit = get_object_or_404(Audit, pk=pk)
    return csv_import_response(
        request,
        FindingsImportForm(request.POST or None, request.FILES or None),
        lambda data: services.findings_import(audit=audit, data=data),
        done=_findings_imported_message,
        success_url=org_reverse(request, "org:audit_detail", pk=audit.pk),
        template="audits/findings_import.html",
        context={"audit": audit},
    )
