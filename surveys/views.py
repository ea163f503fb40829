"""The organisation's questionnaires and a session's surveys: thin views over services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from learners.views import session_with_learners_or_404
from qualiopi_portal.tenancy.decorators import organisation_permission_required
from qualiopi_portal.tenancy.models import ActionCategory
from qualiopi_portal.tenancy.permissions import Permission
from qualiopi_portal.tenancy.shortcuts import org_reverse
from training_offers.models import Session

from . import selectors, services
from .models import Invitation, Question, Questionnaire

FREE_TEXT_PAGE_SIZE = 25


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
            text_questions=Count(
                "questions", filter=Q(questions__type=Question.Type.TEXT), distinct=True
            ),
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
    questions = list(questionnaire.questions.all())
    return render(
        request,
        "surveys/questionnaire_detail.html",
        {
            "questionnaire": questionnaire,
            "questions": questions,
            "has_free_text": any(q.type == Question.Type.TEXT for q in questions),
            "versions": list(
                Questionnaire.objects.filter(code=questionnaire.code).order_by("-version")
            ),
        },
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
            "campaigns": selectors.campaigns_of_session(session),
            "can_manage": can_manage,
            "answered": sum(1 for i in invitations if i.answered_at),
        },
    )


@organisation_permission_required(Permission.LEARNERS_MANAGE)
@require_http_methods(["GET", "POST"])
def campaign_close(request: HttpRequest, session_pk: int, questionnaire_pk: int) -> HttpResponse:
    """Close a campaign before its links expire, after confirmation: the links not answered
    expire now, nothing is deleted, and the summary is made by the worker."""
    session = session_with_learners_or_404(request, session_pk)
    campaign = selectors.campaign_get(session_id=session.pk, questionnaire_id=questionnaire_pk)
    if campaign is None:
        raise Http404
    back = org_reverse(request, "org:session_surveys", session_pk=session.pk)
    if campaign.summary is not None:
        messages.info(request, _("Cette campagne est déjà close : sa synthèse est faite."))
        return redirect(back)
    if campaign.is_closed and request.method == "GET":
        messages.info(
            request,
            _(
                "Cette campagne est déjà close : sa synthèse sera dans la bibliothèque de "
                "preuves au plus tard demain matin."
            ),
        )
        return redirect(back)
    if request.method == "POST":
        try:
            expired = services.campaign_close(
                session=session,
                questionnaire=campaign.questionnaire,
                actor=request.user,
                organisation=request.organisation,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                ngettext(
                    "La campagne est close : %(count)s lien sans réponse a expiré. La synthèse "
                    "sera dans la bibliothèque de preuves dans un instant.",
                    "La campagne est close : %(count)s liens sans réponse ont expiré. La "
                    "synthèse sera dans la bibliothèque de preuves dans un instant.",
                    expired,
                )
                % {"count": expired},
            )
        return redirect(back)
    return render(
        request, "surveys/campaign_close.html", {"session": session, "campaign": campaign}
    )


# --- Free-text answers ---------------------------------------------------------------------


@organisation_permission_required(Permission.LEARNERS_VIEW)
@require_http_methods(["GET"])
def questionnaire_free_text(request: HttpRequest, pk: int) -> HttpResponse:
    """The free-text answers to every version of a questionnaire, newest first, by session;
    the name of who answered only for a named questionnaire."""
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    sessions = list(selectors.free_text_sessions(code=questionnaire.code))
    chosen = request.GET.get("session", "")
    session = next((s for s in sessions if str(s.pk) == chosen), None)
    answers = selectors.free_text_answers(
        code=questionnaire.code, session_id=session.pk if session else None
    )
    paginator = Paginator(answers, FREE_TEXT_PAGE_SIZE)
    number = request.GET.get("page")
    wanted = request.GET.get("reponse", "")
    if wanted.isdigit():
        # From an action's page: the page that shows its answer.
        answer = answers.filter(pk=int(wanted)).first()
        if answer is not None:
            number = str(selectors.free_text_position(answers, answer) // FREE_TEXT_PAGE_SIZE + 1)
    page = paginator.get_page(number)
    return render(
        request,
        "surveys/free_text.html",
        {
            "questionnaire": questionnaire,
            "page": page,
            "sessions": sessions,
            "session": session,
            "query": f"session={session.pk}" if session else "",
            "can_act": request.organisation_access.has(Permission.ACTIONS_MANAGE),
        },
    )


@organisation_permission_required(Permission.LEARNERS_VIEW)
@require_POST
def free_text_action(request: HttpRequest, pk: int, answer_pk: int) -> HttpResponse:
    """One click: the answer becomes an action of the plan de progrès, once; a second click
    opens the action already made."""
    if not request.organisation_access.has(Permission.ACTIONS_MANAGE):
        raise Http404
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    if not selectors.free_text_answers(code=questionnaire.code).filter(pk=answer_pk).exists():
        raise Http404
    try:
        action, made = services.answer_action_create(
            answer_id=answer_pk, organisation=request.organisation, actor=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(org_reverse(request, "org:questionnaire_free_text", pk=questionnaire.pk))
    if made:
        messages.success(
            request,
            _("L'action a été ajoutée au plan de progrès ; vérifiez l'échéance et le responsable."),
        )
    else:
        messages.info(request, _("Cette réponse a déjà son action dans le plan de progrès."))
    return redirect(org_reverse(request, "org:action_edit", pk=action.pk))
