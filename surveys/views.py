"""The organisation's questionnaires, its stakeholder contacts and a session's surveys: thin
views over services and selectors."""

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
from qualiopi_portal.tenancy.permissions import Permission
from qualiopi_portal.tenancy.shortcuts import apply_errors, org_reverse

from . import selectors, services
from .forms import StakeholderForm
from .models import Invitation, Questionnaire, Stakeholder

PAGE_SIZE = 50


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
            "schedule": selectors.schedule(),
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


@organisation_permission_required(Permission.ORGANISATION_VIEW)
@require_http_methods(["GET", "POST"])
def session_surveys(request: HttpRequest, session_pk: int) -> HttpResponse:
    """Who was asked, sent and has answered; a manager sends the end-of-session surveys."""
    session = session_with_learners_or_404(request, session_pk)
    can_manage = request.organisation_access.has(Permission.LEARNERS_MANAGE)
    kinds = services.end_of_session_kinds(session)
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
        .select_related("questionnaire", "stakeholder")
        .order_by("questionnaire__kind", "name", "pk")
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


# --- Stakeholder contacts ----------------------------------------------------------------------


@organisation_permission_required(Permission.LEARNERS_VIEW)
@require_http_methods(["GET", "POST"])
def stakeholder_list(request: HttpRequest) -> HttpResponse:
    """The employers', financers' and teaching team's contacts the schedule asks; a manager adds
    one below (or the sessions' trainers at once)."""
    can_manage = request.organisation_access.has(Permission.LEARNERS_MANAGE)
    form = StakeholderForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                contact = services.stakeholder_create(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(name)s est ajouté·e aux contacts : %(audience)s.")
                    % {"name": contact.name, "audience": contact.get_audience_display()},
                )
                return redirect(org_reverse(request, "org:stakeholder_list"))
    archived = request.GET.get("vue") == "archives"
    contacts = Stakeholder.objects.filter(archived_at__isnull=not archived)
    page = Paginator(contacts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "surveys/stakeholder_list.html",
        {
            "page": page,
            "query": "vue=archives" if archived else "",
            "archived": archived,
            "archived_count": Stakeholder.objects.filter(archived_at__isnull=False).count(),
            "form": form,
            "can_manage": can_manage,
            "schedule": selectors.schedule(),
        },
        status=400 if form is not None and form.errors else 200,
    )


@organisation_permission_required(Permission.LEARNERS_MANAGE)
@require_http_methods(["GET", "POST"])
def stakeholder_archive(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask first, then archive: the contact is asked nothing more; their answers stay."""
    contact = get_object_or_404(Stakeholder, pk=pk, archived_at__isnull=True)
    if request.method == "POST":
        services.stakeholder_archive(stakeholder=contact)
        messages.success(
            request,
            _(
                "%(name)s est archivé·e : plus aucune enquête ni aucun rappel ne lui sera "
                "envoyé. Ses réponses sont conservées."
            )
            % {"name": contact.name},
        )
        return redirect(org_reverse(request, "org:stakeholder_list"))
    return render(request, "surveys/stakeholder_archive.html", {"contact": contact})


@organisation_permission_required(Permission.LEARNERS_MANAGE)
@require_POST
def stakeholder_trainers_add(request: HttpRequest) -> HttpResponse:
    """The trainers of the last 12 months' sessions join the teaching team's contacts."""
    made = services.stakeholders_from_trainers(actor=request.user)
    if made:
        messages.success(
            request,
            ngettext(
                "%(count)s formateur·rice ajouté·e aux contacts de l'équipe pédagogique.",
                "%(count)s formateur·rices ajouté·es aux contacts de l'équipe pédagogique.",
                len(made),
            )
            % {"count": len(made)},
        )
    else:
        messages.info(
            request,
            _(
                "Aucun·e formateur·rice à ajouter : les formateur·rices des sessions des "
                "12 derniers mois sont déjà dans la liste (ou aucun·e n'est rattaché·e à une "
                "session)."
            ),
        )
    return redirect(org_reverse(request, "org:stakeholder_list"))
