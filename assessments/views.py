"""Self-assessment campaigns: thin views over services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from evidence.models import EvidenceItem
from indicators.referential import selectors as referential
from indicators.referential.models import ReferentialVersion
from indicators.referential.views import referential_missing
from qualiopi_portal.tenancy.decorators import organisation_permission_required
from qualiopi_portal.tenancy.permissions import Permission
from qualiopi_portal.tenancy.shortcuts import apply_errors, org_reverse

from . import selectors, services
from .forms import AgreedRatingForm, AnswerForm, CampaignForm
from .models import Answer, Campaign

PAGE_SIZE = 50


@organisation_permission_required(Permission.SELF_ASSESSMENT_VIEW)
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = Campaign.objects.order_by("-created_at", "-pk")
    page = Paginator(campaigns, PAGE_SIZE).get_page(request.GET.get("page"))
    answered = dict(
        Answer.objects.filter(campaign__in=list(page.object_list))
        .exclude(rating="")
        .values_list("campaign_id")
        .annotate(count=Count("pk"))
    )
    for campaign in page.object_list:
        campaign.answered_count = answered.get(campaign.pk, 0)
    return render(
        request,
        "assessments/campaign_list.html",
        {
            "page": page,
            "can_manage": request.organisation_access.has(Permission.SELF_ASSESSMENT_MANAGE),
        },
    )


@organisation_permission_required(Permission.SELF_ASSESSMENT_MANAGE)
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    try:
        version = referential.version_for_organisation(request.organisation)
    except referential.NoVersionInForce:
        return referential_missing(request)
    initial = {
        "title": _("Autoévaluation du %(date)s")
        % {"date": date_format(timezone.localdate(), "SHORT_DATE_FORMAT")}
    }
    form = CampaignForm(request.POST or None, organisation=request.organisation, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(
                organisation=request.organisation,
                title=form.cleaned_data["title"],
                version_code=version.code,
                respondents=list(form.cleaned_data["respondents"]),
                created_by=request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, _("La campagne « %(title)s » est ouverte.") % {"title": campaign.title}
            )
            return redirect(org_reverse(request, "org:campaign_detail", pk=campaign.pk))
    return render(
        request,
        "assessments/campaign_form.html",
        {"form": form, "version": version},
        status=400 if form.errors else 200,
    )


def _campaign(request: HttpRequest, pk: int) -> tuple[Campaign, ReferentialVersion]:
    campaign = get_object_or_404(Campaign, pk=pk)
    version = get_object_or_404(ReferentialVersion, code=campaign.version_code)
    return campaign, version


@organisation_permission_required(Permission.SELF_ASSESSMENT_VIEW)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The consolidated view: every applicable indicator, each respondent, disagreements."""
    campaign, version = _campaign(request, pk)
    ref = referential.referential_context(request.organisation, version)
    respondents = selectors.campaign_respondents(campaign=campaign)
    visible = selectors.campaign_visible_respondents(
        campaign=campaign,
        respondents=respondents,
        user=request.user,
        access=request.organisation_access,
    )
    rows = selectors.campaign_rows(
        campaign=campaign,
        indicators=[i for i in ref.indicators if i.number in ref.applicable],
        respondents=visible,
    )
    only = request.GET.get("vue")
    if only == "desaccords":
        rows = [row for row in rows if row.disagreement]
    access = request.organisation_access
    return render(
        request,
        "assessments/campaign_detail.html",
        {
            "campaign": campaign,
            "version": version,
            "respondents": respondents,
            "visible_respondents": visible,
            "rows": rows,
            "only": only,
            "disagreements": sum(1 for row in rows if row.disagreement),
            "is_respondent": any(user.pk == request.user.pk for user in respondents),
            "can_manage": access.has(Permission.SELF_ASSESSMENT_MANAGE),
            "can_review": access.has(Permission.SELF_ASSESSMENT_REVIEW),
        },
    )


@organisation_permission_required(Permission.SELF_ASSESSMENT_MANAGE)
@require_POST
def campaign_status(request: HttpRequest, pk: int) -> HttpResponse:
    campaign, _version = _campaign(request, pk)
    status = request.POST.get("status", "")
    if status == Campaign.Status.CLOSED and request.POST.get("confirm") != "1":
        return render(request, "assessments/campaign_close.html", {"campaign": campaign})
    try:
        services.campaign_set_status(campaign=campaign, status=status)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("La campagne est maintenant : %(status)s.")
            % {"status": campaign.get_status_display().lower()},
        )
    return redirect(org_reverse(request, "org:campaign_detail", pk=campaign.pk))


@organisation_permission_required(Permission.SELF_ASSESSMENT_VIEW)
@require_http_methods(["GET", "POST"])
def campaign_indicator(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """The five steps for one indicator: the expected level, then the respondent's answer;
    every answer side by side and, in review, the agreed rating."""
    campaign, version = _campaign(request, pk)
    ref = referential.referential_context(request.organisation, version)
    indicators, applicable = ref.indicators, ref.applicable
    indicator = next((i for i in indicators if i.number == number), None)
    if indicator is None or number not in applicable:
        raise Http404
    respondents = selectors.campaign_respondents(campaign=campaign)
    is_respondent = any(user.pk == request.user.pk for user in respondents)
    can_review = request.organisation_access.has(Permission.SELF_ASSESSMENT_REVIEW)
    visible = selectors.campaign_visible_respondents(
        campaign=campaign,
        respondents=respondents,
        user=request.user,
        access=request.organisation_access,
    )
    answers = list(
        campaign.answers.filter(
            indicator_number=number, respondent_id__in=[user.pk for user in visible]
        )
        .select_related("respondent")
        .prefetch_related("evidence")
        .order_by("pk")
    )
    mine = next((a for a in answers if a.respondent_id == request.user.pk), None)
    agreed = campaign.agreed.filter(indicator_number=number).first()
    evidence_items = EvidenceItem.objects.filter(
        is_archived=False, indicator_numbers__contains=[number]
    ).order_by("title")
    answer_form = review_form = None
    if is_respondent and campaign.status == Campaign.Status.OPEN:
        initial = {}
        if mine is not None:
            initial = {
                "process": mine.process,
                "evidence": list(mine.evidence.all()),
                "rating": mine.rating,
                "justification": mine.justification,
                "corrective_actions": mine.corrective_actions,
            }
        answer_form = AnswerForm(
            request.POST if request.POST.get("form") == "answer" else None,
            initial=initial,
            evidence_items=evidence_items,
            allows_not_applicable=indicator.may_be_not_applicable,
        )
    if can_review and campaign.status == Campaign.Status.REVIEW:
        initial = {}
        if agreed is not None:
            initial = {
                "rating": agreed.rating,
                "justification": agreed.justification,
                "comment": agreed.comment,
            }
        review_form = AgreedRatingForm(
            request.POST if request.POST.get("form") == "review" else None,
            initial=initial,
            allows_not_applicable=indicator.may_be_not_applicable,
        )
    if request.method == "POST":
        form = answer_form if request.POST.get("form") == "answer" else review_form
        if form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                if form is answer_form:
                    services.answer_save(
                        campaign=campaign,
                        respondent=request.user,
                        indicator=indicator,
                        process=data["process"],
                        evidence=list(data["evidence"]),
                        rating=data["rating"],
                        justification=data.get("justification", ""),
                        corrective_actions=data["corrective_actions"],
                    )
                    text = _("Votre réponse pour l'indicateur %(number)s est enregistrée.")
                else:
                    services.agreed_rating_set(
                        campaign=campaign,
                        indicator=indicator,
                        rating=data["rating"],
                        justification=data.get("justification", ""),
                        comment=data["comment"],
                        reviewed_by=request.user,
                    )
                    text = _("L'appréciation retenue pour l'indicateur %(number)s est enregistrée.")
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, text % {"number": number})
                following = next((n for n in sorted(applicable) if n > number), None)
                if following is not None and request.POST.get("next") == "1":
                    return redirect(
                        org_reverse(
                            request, "org:campaign_indicator", pk=campaign.pk, number=following
                        )
                    )
                return redirect(
                    org_reverse(request, "org:campaign_indicator", pk=pk, number=number)
                )
    ordered = sorted(applicable)
    position = ordered.index(number)
    return render(
        request,
        "assessments/campaign_indicator.html",
        {
            "campaign": campaign,
            "indicator": indicator,
            "answers": answers,
            "agreed": agreed,
            "answer_form": answer_form,
            "review_form": review_form,
            "previous_number": ordered[position - 1] if position else None,
            "next_number": ordered[position + 1] if position + 1 < len(ordered) else None,
            "can_plan": request.organisation_access.has(Permission.ACTIONS_MANAGE),
            "has_corrective": any(a.corrective_actions for a in answers),
        },
        status=400 if request.method == "POST" else 200,
    )


@organisation_permission_required(Permission.ACTIONS_MANAGE)
@require_POST
def campaign_indicator_action(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    campaign, version = _campaign(request, pk)
    indicator = get_object_or_404(version.indicators, number=number)
    try:
        action = services.action_create_from_answers(
            organisation=request.organisation,
            campaign=campaign,
            indicator=indicator,
            created_by=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(org_reverse(request, "org:campaign_indicator", pk=pk, number=number))
    messages.success(request, _("L'action a été ajoutée au plan de progrès ; précisez-la."))
    return redirect(org_reverse(request, "org:action_edit", pk=action.pk))
