"""The organisation's questionnaires and a session's surveys: thin views over services."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from learners.views import session_with_learners_or_404
from qualiopi_portal.core.exports import FORMATS, table_response
from qualiopi_portal.tenancy.decorators import organisation_permission_required
from qualiopi_portal.tenancy.models import ActionCategory
from qualiopi_portal.tenancy.permissions import Permission
from qualiopi_portal.tenancy.shortcuts import org_reverse
from training_offers import selectors as offer_selectors
from training_offers.forms import PeriodForm
from training_offers.models import Session

from . import selectors, services
from .models import Answer, Invitation, Questionnaire


@organisation_permission_required(Permission.LEARNERS_VIEW)
@require_http_methods(["GET", "POST"])
def questionnaire_list(request: HttpRequest) -> HttpResponse:
    """The current version of each questionnaire; the ready-made ones installed on request."""
    if request.method == "POST":
        if not request.organisation_access.has(Permission.LEARNERS_MANAGE):
            raise Http404
        made = services.questionnaires_install(actor=request.user)
        messages.success(
            request,
            ngettext(
                "%(count)s questionnaire prêt à l'emploi a été ajouté.",
                "%(count)s questionnaires prêts à l'emploi ont été ajoutés.",
                len(made),
            )
            % {"count": len(made)},
        )
        return redirect(org_reverse(request, "org:questionnaire_list"))
    questionnaires = list(
        Questionnaire.objects.filter(is_current=True)
        .annotate(
            asked=Count("invitations", distinct=True),
            answered=Count(
                "invitations", filter=Q(invitations__answered_at__isnull=False), distinct=True
            ),
            questions_count=Count("questions", distinct=True),
        )
        .order_by("kind", "pk")
    )
    missing = {spec["code"] for spec in services.ready_made()} - {
        q.code for q in Questionnaire.objects.all()
    }
    return render(
        request,
        "surveys/questionnaire_list.html",
        {
            "questionnaires": questionnaires,
            "missing": len(missing),
            "can_manage": request.organisation_access.has(Permission.LEARNERS_MANAGE),
        },
    )


@organisation_permission_required(Permission.LEARNERS_VIEW)
@require_http_methods(["GET"])
def questionnaire_detail(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    return render(
        request,
        "surveys/questionnaire_detail.html",
        {
            "questionnaire": questionnaire,
            "questions": list(questionnaire.questions.all()),
            "versions": list(
                Questionnaire.objects.filter(code=questionnaire.code).order_by("-version")
            ),
        },
    )


@organisation_permission_required(Permission.LEARNERS_VIEW)
@require_http_methods(["GET"])
def questionnaire_answers_export(request: HttpRequest, pk: int, export_format: str) -> HttpResponse:
    """The answers to one questionnaire version, one line per response, one column per
    question (CSV or XLSX). No respondent's name: the export serves analysis, not files."""
    if export_format not in FORMATS:
        raise Http404
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    questions = list(questionnaire.questions.all())
    labels = {q.pk: {c["code"]: c["label"] for c in q.choices or []} for q in questions}
    responses = (
        questionnaire.responses.select_related("session__offer")
        .prefetch_related("answers")
        .order_by("submitted_at", "pk")
    )

    def cell(answer: Answer | None) -> object:
        if answer is None:
            return ""
        if answer.number is not None:
            return answer.number
        if answer.choices:
            chosen = labels.get(answer.question_id, {})
            return " ; ".join(chosen.get(code, code) for code in answer.choices)
        return answer.text

    def rows():
        for response in responses:
            given = {answer.question_id: answer for answer in response.answers.all()}
            session = response.session
            yield [
                timezone.localtime(response.submitted_at).strftime("%d/%m/%Y %H:%M"),
                (
                    f"{session.offer.title} ({session.starts_on:%d/%m/%Y} – "
                    f"{session.ends_on:%d/%m/%Y})"
                    if session
                    else ""
                ),
                _("lien personnel") if response.invitation_id else _("import ou anonyme"),
                *(cell(given.get(question.pk)) for question in questions),
            ]

    return table_response(
        export_format=export_format,
        filename=f"reponses-{questionnaire.code}-v{questionnaire.version}",
        sheet_title=_("Réponses"),
        header=[_("Reçue le"), _("Session"), _("Origine"), *(q.label for q in questions)],
        rows=rows(),
    )


def _end_of_session_kinds(session: Session) -> list[str]:
    """What is asked at the end of a session: satisfaction, and for apprenticeship the
    apprentices' evaluation of contents and teaching (V10 indicator 33)."""
    kinds = [Questionnaire.Kind.SATISFACTION_HOT]
    if session.offer.category == ActionCategory.APPRENTICESHIP:
        kinds.append(Questionnaire.Kind.APPRENTICE_EVALUATION)
    return kinds


@organisation_permission_required(Permission.ORGANISATION_VIEW)
@require_http_methods(["GET", "POST"])
def session_surveys(request: HttpRequest, session_pk: int) -> HttpResponse:
    """Who was asked, sent and has answered; a manager sends the end-of-session surveys."""
    session = session_with_learners_or_404(request, session_pk)
    can_manage = request.organisation_access.has(Permission.LEARNERS_MANAGE)
    kinds = _end_of_session_kinds(session)
    if request.method == "POST":
        if not can_manage:
            raise Http404
        questionnaire = services.current(request.POST.get("kind", ""))
        if questionnaire is None or questionnaire.kind not in kinds:
            messages.error(
                request,
                _(
                    "Ce questionnaire n'existe pas encore : ajoutez les questionnaires prêts à "
                    "l'emploi depuis la page Enquêtes."
                ),
            )
        else:
            try:
                created = services.invitations_for_session(
                    session=session, questionnaire=questionnaire, actor=request.user
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)s invitation part, une par apprenant·e.",
                        "%(count)s invitations partent, une par apprenant·e.",
                        len(created),
                    )
                    % {"count": len(created)},
                )
        return redirect(org_reverse(request, "org:session_surveys", session_pk=session.pk))
    invitations = list(
        Invitation.objects.filter(session=session)
        .select_related("questionnaire")
        .order_by("questionnaire__kind", "name")
    )
    available = {q.kind: q for q in Questionnaire.objects.filter(is_current=True, kind__in=kinds)}
    return render(
        request,
        "surveys/session_surveys.html",
        {
            "session": session,
            "invitations": invitations,
            "kinds": [
                (kind, Questionnaire.Kind(kind).label, available.get(kind)) for kind in kinds
            ],
            "can_manage": can_manage,
            "answered": sum(1 for i in invitations if i.answered_at),
        },
    )


# --- Results (indicator 2) ---------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[PeriodForm, dict | None]:
    """The period asked for (the last twelve months by default); None when it is invalid."""
    today = timezone.localdate()
    default = {"start": offer_selectors.last_twelve_months(today), "end": today}
    if not request.GET:
        return PeriodForm(initial=default), default
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return form, None
    return form, {"start": form.cleaned_data.get("start"), "end": form.cleaned_data.get("end")}


@organisation_permission_required(Permission.OFFERS_VIEW)
@require_http_methods(["GET"])
def results(request: HttpRequest) -> HttpResponse:
    """The result rates of a period with their sample, response rate, method and charts, and
    the questionnaire versions they read."""
    form, period = _period(request)
    context: dict = {
        "form": form,
        "results": None,
        "results_min_sample": settings.RESULTS_MIN_SAMPLE,
    }
    if period is not None:
        results = offer_selectors.period_results(start=period["start"], end=period["end"])
        context.update(
            results=results,
            charts=offer_selectors.results_charts(results),
            uses=selectors.questionnaire_uses(start=results.start, end=results.end),
            export_query=request.GET.urlencode(),
        )
    return render(request, "surveys/results.html", context, status=400 if form.errors else 200)


@organisation_permission_required(Permission.OFFERS_VIEW)
@require_http_methods(["GET"])
def results_export(request: HttpRequest, export_format: str) -> HttpResponse:
    """The period's rates, then each quarter's, one line per rate (CSV or XLSX)."""
    if export_format not in FORMATS:
        raise Http404
    _form, period = _period(request)
    if period is None:
        messages.error(request, _("La période demandée n'est pas valide."))
        return redirect(org_reverse(request, "org:offer_results"))
    results = offer_selectors.period_results(start=period["start"], end=period["end"])
    start = results.start.isoformat() if results.start else ""
    whole = _("Du %(start)s au %(end)s") % {"start": start or "…", "end": results.end.isoformat()}
    rows = [
        [
            label,
            rate.label,
            "" if rate.value is None else float(rate.value),
            rate.unit,
            rate.sample,
            rate.invited or "",
            rate.answered if rate.invited else "",
            "" if rate.response_rate is None else float(rate.response_rate),
            rate.method,
        ]
        for label, rates in [(whole, results.rates), *results.quarters]
        for rate in rates
    ]
    return table_response(
        export_format=export_format,
        filename=f"resultats-{request.organisation.slug}-{start or 'debut'}-{results.end}",
        sheet_title=_("Résultats"),
        header=[
            _("Période"),
            _("Indicateur"),
            _("Résultat (vide : en cours de constitution)"),
            _("Unité"),
            _("Effectif"),
            _("Interrogé·es par le portail"),
            _("Ont répondu"),
            _("Taux de réponse (%)"),
            _("Méthode de calcul"),
        ],
        rows=rows,
    )
