"""Offer pages inside an organisation, and the public catalogue and results (no login)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from indicators.referential import selectors as referential
from indicators.referential.views import referential_missing
from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.tenancy.decorators import organisation_permission_required
from qualiopi_portal.tenancy.forms import CsvFileForm
from qualiopi_portal.tenancy.models import Organisation
from qualiopi_portal.tenancy.permissions import Permission
from qualiopi_portal.tenancy.selectors import organisation_access_get
from qualiopi_portal.tenancy.shortcuts import apply_errors, csv_import_response, org_reverse

from . import imports, selectors, services
from .forms import OfferForm, SessionForm
from .models import PUBLIC_FIELDS, Offer, Session

PAGE_SIZE = 50


@organisation_permission_required(Permission.OFFERS_VIEW)
def offer_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("etat", "")
    offers = Offer.objects.annotate(session_count=Count("sessions")).order_by("title", "pk")
    if status in Offer.Status.values:
        offers = offers.filter(status=status)
    try:
        code = referential.version_for_organisation(request.organisation).code
    except referential.NoVersionInForce:
        return referential_missing(request)
    page = Paginator(offers, PAGE_SIZE).get_page(request.GET.get("page"))
    for offer in page.object_list:
        offer.completeness = selectors.completeness(offer, version_code=code)
    return render(
        request,
        "training_offers/list.html",
        {
            "page": page,
            "status": status,
            "statuses": Offer.Status.choices,
            "can_manage": request.organisation_access.has(Permission.OFFERS_MANAGE),
            "query": f"etat={status}" if status else "",
        },
    )


def _offer_form_view(request: HttpRequest, offer: Offer | None) -> HttpResponse:
    form = OfferForm(request.POST or None, instance=offer)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.offer_save(offer=offer, saved_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("L'offre a été enregistrée."))
            return redirect(org_reverse(request, "org:offer_detail", pk=saved.pk))
    return render(
        request,
        "training_offers/form.html",
        {"form": form, "offer": offer},
        status=400 if form.errors else 200,
    )


@organisation_permission_required(Permission.OFFERS_MANAGE)
@require_http_methods(["GET", "POST"])
def offer_create(request: HttpRequest) -> HttpResponse:
    return _offer_form_view(request, None)


@organisation_permission_required(Permission.OFFERS_MANAGE)
@require_http_methods(["GET", "POST"])
def offer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _offer_form_view(request, get_object_or_404(Offer, pk=pk))


@organisation_permission_required(Permission.OFFERS_VIEW)
def offer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    offer = get_object_or_404(Offer, pk=pk)
    try:
        code = referential.version_for_organisation(request.organisation).code
    except referential.NoVersionInForce:
        return referential_missing(request)
    sessions = list(offer.sessions.all())
    return render(
        request,
        "training_offers/detail.html",
        {
            "offer": offer,
            "completeness": selectors.completeness(offer, version_code=code),
            "cpf": selectors.cpf(offer),
            "sessions": sessions,
            "results": selectors.period_results(offer=offer),
            "versions": list(offer.versions.select_related("saved_by")[:20]),
            "can_manage": request.organisation_access.has(Permission.OFFERS_MANAGE),
            "can_fund": request.organisation_access.has(Permission.FUNDING_VIEW),
            "can_learners": request.organisation_access.has(Permission.LEARNERS_VIEW),
        },
    )


@organisation_permission_required(Permission.OFFERS_MANAGE)
@require_http_methods(["GET", "POST"])
def offer_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish, withdraw to draft, or archive (after confirmation)."""
    offer = get_object_or_404(Offer, pk=pk)
    status = request.POST.get("status") or request.GET.get("status", "")
    if status not in Offer.Status.values:
        raise Http404
    gaps: list = []
    if status == Offer.Status.PUBLISHED:
        try:
            code = referential.version_for_organisation(request.organisation).code
        except referential.NoVersionInForce:
            return referential_missing(request)
        gaps = list(selectors.completeness(offer, version_code=code).issues)
    confirmed = request.POST.get("confirm") == "1"
    if request.method == "GET" or (not confirmed and (status == Offer.Status.ARCHIVED or gaps)):
        return render(
            request,
            "training_offers/status_confirm.html",
            {"offer": offer, "status": status, "gaps": gaps},
        )
    services.offer_set_status(
        offer=offer,
        status=status,
        actor=request.user,
        organisation=request.organisation,
        gaps=[f"{gap.indicator}: {gap.message}" for gap in gaps],
    )
    messages.success(
        request,
        _("L'offre est maintenant : %(status)s.") % {"status": offer.get_status_display().lower()},
    )
    return redirect(org_reverse(request, "org:offer_detail", pk=offer.pk))


@organisation_permission_required(Permission.OFFERS_MANAGE)
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, pk: int, session_pk: int | None = None) -> HttpResponse:
    offer = get_object_or_404(Offer, pk=pk)
    session = get_object_or_404(Session, pk=session_pk, offer=offer) if session_pk else None
    form = SessionForm(request.POST or None, instance=session)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_save(offer=offer, session=session, **form.cleaned_data)
        except ValidationError as error:
            if session is not None:
                session.refresh_from_db()
            apply_errors(form, error)
        else:
            messages.success(request, _("La session a été enregistrée."))
            return redirect(org_reverse(request, "org:offer_detail", pk=offer.pk))
    return render(
        request,
        "training_offers/session_form.html",
        {"form": form, "offer": offer, "session": session},
        status=400 if form.errors else 200,
    )


# --- Public pages (no login) ---------------------------------------------------------------


def _public_organisation(slug: str) -> Organisation:
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise Http404
    return organisation


def _public(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "public, max-age=300"
    return response


def _is_member(request: HttpRequest, organisation: Organisation) -> bool:
    """Whether the visitor works in the organisation (member or its consultant)."""
    try:
        organisation_access_get(user=request.user, slug=organisation.slug)
    except Http404:
        return False
    return True


def public_catalogue(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _public_organisation(slug)
    with schema_context(organisation.schema_name):
        offers = list(Offer.objects.filter(status=Offer.Status.PUBLISHED).order_by("title"))
        results = selectors.period_results(start=selectors.last_twelve_months(timezone.localdate()))
    embedded = request.GET.get("integre") == "1"
    embed_code = None
    if not embedded and _is_member(request, organisation):
        embed_code = format_html(
            '<iframe src="{}" title="{}" style="width:100%;min-height:600px;border:0"></iframe>',
            request.build_absolute_uri(
                reverse("public_catalogue", kwargs={"slug": organisation.slug}) + "?integre=1"
            ),
            organisation.name,
        )
    response = render(
        request,
        "training_offers/public_embed.html"
        if embedded
        else "training_offers/public_catalogue.html",
        {
            "organisation": organisation,
            "offers": offers,
            "results": results,
            "today": results.end,
            "embedded": embedded,
            "embed_code": embed_code,
        },
    )
    if embedded:
        # Made to sit in an iframe on the provider's own website; public data only.
        response.xframe_options_exempt = True
    return _public(response)


def _public_value(name: str, value) -> str:
    if name == "duration_hours":
        return _("%(hours)s h") % {"hours": number_format(value.normalize())}
    if name == "price":
        return _("%(price)s € HT") % {"price": number_format(value, 2, force_grouping=True)}
    return value


def public_offer(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organisation = _public_organisation(slug)
    with schema_context(organisation.schema_name):
        offer = Offer.objects.filter(pk=pk, status=Offer.Status.PUBLISHED).first()
        if offer is None:
            raise Http404
        results = selectors.period_results(
            offer=offer, start=selectors.last_twelve_months(timezone.localdate())
        )
    fields = [
        (label, _public_value(name, getattr(offer, name)))
        for name, label in PUBLIC_FIELDS
        if getattr(offer, name) not in (None, "")
    ]
    return _public(
        render(
            request,
            "training_offers/public_offer.html",
            {
                "organisation": organisation,
                "offer": offer,
                "fields": fields,
                "results": results,
                "today": results.end,
            },
        )
    )


@organisation_permission_required(Permission.OFFERS_MANAGE)
@require_http_methods(["GET", "POST"])
def sessions_import(request: HttpRequest, pk: int) -> HttpResponse:
    offer = get_object_or_404(Offer, pk=pk)
    return csv_import_response(
        request,
        CsvFileForm(request.POST or None, request.FILES or None),
        lambda data: services.sessions_import(offer=offer, data=data),
        done=lambda created: (
            ngettext(
                "%(count)s session a été importée.",
                "%(count)s sessions ont été importées.",
                len(created),
            )
            % {"count": len(created)}
        ),
        success_url=org_reverse(request, "org:offer_detail", pk=offer.pk),
        template="training_offers/sessions_import.html",
        context={"offer": offer, "columns": list(imports.COLUMNS)},
    )


@organisation_permission_required(Permission.EVIDENCE_ADD)
@require_http_methods(["POST"])
def catalogue_as_evidence(request: HttpRequest) -> HttpResponse:
    """The public catalogue and results page becomes a proof for indicators 1 to 3."""
    from evidence import services as evidence_services

    numbers = [1, 2]
    if Offer.objects.filter(status=Offer.Status.PUBLISHED, is_certifying=True).exists():
        numbers.append(3)
    url = request.build_absolute_uri(
        reverse("public_catalogue", kwargs={"slug": request.organisation.slug})
    )
    (item,) = evidence_services.evidence_create(
        access=request.organisation_access,
        actor=request.user,
        data={
            "title": _("Catalogue public des formations et résultats"),
            "kind": "published",
            "indicator_numbers": numbers,
            "url": url,
            "description": _(
                "Page publique du portail, datée et mise à jour à chaque publication."
            ),
        },
    )
    messages.success(request, _("Le catalogue public est relié comme preuve ; soumettez-la."))
    return redirect(org_reverse(request, "org:evidence_detail", pk=item.pk))
