"""Financing pages: the funding routes catalogue, each session's funding plan and service-fait
documents, the sessions to invoice with the revenue at risk, and the certification budget.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from evidence.models import EvidenceItem
from learners import selectors as learner_selectors
from qualiopi_portal.tenancy.decorators import organisation_permission_required
from qualiopi_portal.tenancy.permissions import Permission
from qualiopi_portal.tenancy.shortcuts import apply_errors, org_reverse
from training_offers.models import Session

from . import budget as budget_rules
from . import selectors, services
from .catalogue import catalogue
from .forms import BudgetForm, DocumentLinkForm, FundingLineForm, SessionPriceForm
from .models import FundingLine

PAGE_SIZE = 30


@organisation_permission_required(Permission.FUNDING_VIEW)
def overview(request: HttpRequest) -> HttpResponse:
    """Sessions to invoice and what blocks them; the revenue at risk at the top."""
    status = request.GET.get("etat", "")
    if status not in selectors.PlanStatus.values:
        status = ""
    plans = selectors.funded_sessions()
    shown = [plan for plan in plans if plan.status == status] if status else plans
    return render(
        request,
        "financing/overview.html",
        {
            "page": Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page")),
            "status": status,
            "statuses": selectors.PlanStatus.choices,
            "query": f"etat={status}" if status else "",
            "risk": selectors.at_risk(plans, today=timezone.localdate()),
        },
    )


@organisation_permission_required(Permission.FUNDING_VIEW)
def routes(request: HttpRequest) -> HttpResponse:
    cat = catalogue()
    return render(
        request,
        "financing/routes.html",
        {
            "catalogue": cat,
            "current": [route for route in cat.routes if not route.historical],
            "historical": [route for route in cat.routes if route.historical],
        },
    )


def _session(session_pk: int) -> Session:
    return get_object_or_404(Session.objects.select_related("offer"), pk=session_pk)


@organisation_permission_required(Permission.FUNDING_VIEW)
@require_http_methods(["GET", "POST"])
def session_funding(request: HttpRequest, session_pk: int) -> HttpResponse:
    """The session's plan: financers, what each will pay, the documents still to collect."""
    session = _session(session_pk)
    can_manage = request.organisation_access.has(Permission.FUNDING_MANAGE)
    price_form = SessionPriceForm(
        request.POST if request.method == "POST" else None, initial={"price": session.price}
    )
    if request.method == "POST":
        if not can_manage:
            raise Http404
        if price_form.is_valid():
            try:
                services.session_price_set(session=session, price=price_form.cleaned_data["price"])
            except ValidationError as error:
                apply_errors(price_form, error)
            else:
                messages.success(request, _("Le prix de la session a été enregistré."))
                return redirect(org_reverse(request, "org:funding_session", session_pk=session.pk))
    plan = selectors.session_plan(session)
    return render(
        request,
        "financing/session.html",
        {
            "session": session,
            "plan": plan,
            "price_form": price_form,
            "can_manage": can_manage,
            "evidence_choices": selectors.evidence_choices() if plan.missing else [],
            "attendance": learner_selectors.attendance_by_funding_line(session),
            "catalogue": catalogue(),
        },
        status=400 if price_form.errors else 200,
    )


@organisation_permission_required(Permission.FUNDING_MANAGE)
@require_http_methods(["GET", "POST"])
def line_edit(request: HttpRequest, session_pk: int, pk: int | None = None) -> HttpResponse:
    session = _session(session_pk)
    line = get_object_or_404(FundingLine, pk=pk, session=session) if pk else None
    initial = {}
    if line is None and session.offer.duration_hours:
        initial = {"trainees": 1, "hours_planned": session.offer.duration_hours}
    form = FundingLineForm(request.POST or None, instance=line, initial=initial)
    if request.method == "POST" and not form.is_valid():
        # Say everything at once: the rules on the fields the form could read, too.
        problems = services.funding_line_errors(session=session, line=line, **form.cleaned_data)
        for field, errors in problems.items():
            if field not in form.errors:
                form.add_error(field, errors)
    elif request.method == "POST":
        try:
            services.funding_line_save(
                session=session, line=line, created_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            if line is not None:
                line.refresh_from_db()
            apply_errors(form, error)
        else:
            messages.success(request, _("Le financement a été enregistré."))
            return redirect(org_reverse(request, "org:funding_session", session_pk=session.pk))
    return render(
        request,
        "financing/line_form.html",
        {"form": form, "session": session, "line": line, "catalogue": catalogue()},
        status=400 if form.errors else 200,
    )


@organisation_permission_required(Permission.FUNDING_MANAGE)
@require_http_methods(["GET", "POST"])
def line_remove(request: HttpRequest, session_pk: int, pk: int) -> HttpResponse:
    """A financer's line is planning, not a proof: it may be removed, after confirmation."""
    session = _session(session_pk)
    line = get_object_or_404(FundingLine, pk=pk, session=session)
    if request.method == "POST":
        services.funding_line_remove(line=line)
        messages.success(request, _("Le financement a été retiré du plan."))
        return redirect(org_reverse(request, "org:funding_session", session_pk=session.pk))
    return render(
        request,
        "financing/line_remove.html",
        {"session": session, "line": line, "route": catalogue().route(line.route_code)},
    )


@organisation_permission_required(Permission.FUNDING_MANAGE)
@require_POST
def line_hours_from_attendance(request: HttpRequest, session_pk: int, pk: int) -> HttpResponse:
    """The hours present of a line, taken from its learners' attendance instead of typed."""
    session = _session(session_pk)
    line = get_object_or_404(FundingLine, pk=pk, session=session)
    back = redirect(org_reverse(request, "org:funding_session", session_pk=session.pk))
    attendance = learner_selectors.attendance_by_funding_line(session).get(line.pk)
    if attendance is None:
        messages.error(
            request,
            _(
                "Aucun·e apprenant·e n'est rattaché·e à ce financement : choisissez sa ligne "
                "dans l'inscription de chaque apprenant·e."
            ),
        )
        return back
    try:
        services.funding_line_hours_present_set(line=line, hours=attendance.hours)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return back
    messages.success(
        request,
        _("Heures présentes reprises de l'émargement : %(hours)s h.")
        % {"hours": number_format(attendance.hours, 1)},
    )
    return back


@organisation_permission_required(Permission.FUNDING_MANAGE)
@require_POST
def document_link(request: HttpRequest, session_pk: int) -> HttpResponse:
    """Attach a proof to an expected document, or detach it (`retirer`)."""
    session = _session(session_pk)
    back = redirect(org_reverse(request, "org:funding_session", session_pk=session.pk) + "#pieces")
    if request.POST.get("retirer"):
        services.document_unlink(session=session, key=request.POST["retirer"])
        messages.success(request, _("La preuve n'est plus rattachée à cette pièce."))
        return back
    form = DocumentLinkForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return back
    evidence: EvidenceItem = form.cleaned_data["evidence"]
    try:
        services.document_link(
            session=session,
            key=form.cleaned_data["key"],
            evidence=evidence,
            linked_by=request.user,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("« %(title)s » est rattachée à la session.") % {"title": evidence.title}
        )
    return back


@organisation_permission_required(Permission.FUNDING_VIEW)
@require_http_methods(["GET", "POST"])
def budget(request: HttpRequest) -> HttpResponse:
    """The three-year budget, computed from assumptions the seeds' figures start."""
    organisation = request.organisation
    stored = selectors.budget_stored()
    can_manage = request.organisation_access.has(Permission.FUNDING_MANAGE)
    if request.method == "POST" and not can_manage:
        raise Http404
    # A model form's initial values override its instance's: only a budget not yet stored
    # starts this year (saving the page must not move a stored cycle).
    initial = None if stored else {"cycle_start_year": timezone.localdate().year}
    form = BudgetForm(request.POST or None, instance=stored, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.budget_save(budget=stored, updated_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Les hypothèses du budget ont été enregistrées."))
            return redirect(org_reverse(request, "org:funding_budget"))
    audit_days = selectors.cycle_audit_days(organisation)
    computed = budget_rules.compute(selectors.budget_assumptions(stored, audit_days=audit_days))
    start_year = stored.cycle_start_year if stored else timezone.localdate().year
    return render(
        request,
        "financing/budget.html",
        {
            "form": form,
            "budget": computed,
            "years": [
                {**year, "calendar_year": start_year + year["year"] - 1} for year in computed.years
            ],
            "stored": stored,
            "start_year": start_year,
            "audit_days": audit_days,
            "can_manage": can_manage,
            "risk": selectors.revenue_at_risk(today=timezone.localdate()),
        },
        status=400 if form.errors else 200,
    )
