"""The organisation's questionnaires, its stakeholder contacts and a session's surveys: thin
views over services and selectors."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from learners.qr import qr_svg
from learners.views import session_with_learners_or_404
from qualiopi_portal.core.exports import FORMATS, table_response
from qualiopi_portal.core.tenants import current_schema_name
from qualiopi_portal.tenancy.decorators import organisation_permission_required
from qualiopi_portal.tenancy.permissions import Permission
from qualiopi_portal.tenancy.shortcuts import apply_errors, org_reverse
from training_offers import selectors as offer_selectors
from training_offers.forms import PeriodForm

from . import imports, selectors, services
from .forms import (
    AnswersFileForm,
    QuestionFormSet,
    QuestionnaireEditForm,
    StakeholderForm,
    question_drafts,
    question_initial,
)
from .models import Answer, Invitation, Question, Questionnaire, Response, RoomCode, Stakeholder

FREE_TEXT_PAGE_SIZE = 25
PAGE_SIZE = 50


def _count_per_code(invitations: QuerySet[Invitation]) -> Coalesce:
    """How many of these invitations were made with any version of the row's questionnaire."""
    return Coalesce(
        Subquery(
            invitations.filter(questionnaire__code=OuterRef("code"))
            .order_by()
            .values("questionnaire__code")
            .annotate(count=Count("pk"))
            .values("count")
        ),
        0,
    )


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
            # Every version of the questionnaire: an edit does not start the count again.
            asked=_count_per_code(Invitation.objects.all()),
            answered=_count_per_code(Invitation.objects.filter(answered_at__isnull=False)),
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
            "schedule": selectors.schedule(),
        },
    )


@organisation_permission_required(Permission.LEARNERS_VIEW)
@require_http_methods(["GET"])
def questionnaire_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One version of a questionnaire (each version has its page), with its answers' count."""
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    received = Response.objects.filter(questionnaire=questionnaire)
    questions = list(questionnaire.questions.all())
    return render(
        request,
        "surveys/questionnaire_detail.html",
        {
            "questionnaire": questionnaire,
            "questions": questions,
            "has_free_text": any(q.type == Question.Type.TEXT for q in questions),
            "versions": list(
                Questionnaire.objects.filter(code=questionnaire.code)
                .annotate(responses_count=Count("responses"))
                .order_by("-version")
            ),
            "responses": received.count(),
            "imported": received.filter(origin=Response.Origin.IMPORT).count(),
            "can_manage": request.organisation_access.has(Permission.LEARNERS_MANAGE),
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
                response.get_origin_display(),
                *(cell(given.get(question.pk)) for question in questions),
            ]

    return table_response(
        export_format=export_format,
        filename=f"reponses-{questionnaire.code}-v{questionnaire.version}",
        sheet_title=_("Réponses"),
        header=[_("Reçue le"), _("Session"), _("Provenance"), *(q.label for q in questions)],
        rows=rows(),
    )


@organisation_permission_required(Permission.LEARNERS_MANAGE)
@require_http_methods(["GET", "POST"])
def questionnaire_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The current version edited: saving makes the next version, the edited one and its
    answers stay as they were."""
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    if not questionnaire.is_current:
        current = Questionnaire.objects.filter(code=questionnaire.code, is_current=True).first()
        if current is None:
            raise Http404
        messages.info(request, _("Seule la version en cours se modifie : la voici."))
        return redirect(org_reverse(request, "org:questionnaire_edit", pk=current.pk))
    questions = list(questionnaire.questions.all())
    data = request.POST if request.method == "POST" else None
    form = QuestionnaireEditForm(
        data,
        initial={
            "title": questionnaire.title,
            "intro": questionnaire.intro,
            "anonymous": questionnaire.anonymous,
        },
    )
    formset = QuestionFormSet(data, initial=question_initial(questions), prefix="questions")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            made = services.questionnaire_version_create(
                questionnaire=questionnaire,
                title=form.cleaned_data["title"],
                intro=form.cleaned_data["intro"],
                anonymous=form.cleaned_data["anonymous"],
                drafts=question_drafts(formset),
                actor=request.user,
                organisation=request.organisation,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "La version %(new)s est enregistrée et sert désormais ; les réponses déjà "
                    "reçues gardent la version %(old)s."
                )
                % {"new": made.version, "old": questionnaire.version},
            )
            return redirect(org_reverse(request, "org:questionnaire_detail", pk=made.pk))
    return render(
        request,
        "surveys/questionnaire_edit.html",
        {
            "questionnaire": questionnaire,
            "form": form,
            "formset": formset,
            "next_version": Questionnaire.objects.filter(code=questionnaire.code).aggregate(
                latest=Max("version")
            )["latest"]
            + 1,
        },
        status=400 if form.errors or formset.total_error_count() else 200,
    )


# How long the file sent at the first step of an import is taken back at the second.
IMPORT_MAX_AGE = 3600
IMPORT_SALT = "surveys.responses_import"
LOST_FILE = gettext_lazy("Le fichier n'a pas été retrouvé : envoyez-le à nouveau.")


def _import_payload(request: HttpRequest, questionnaire: Questionnaire) -> imports.Table:
    """The file sent at the first step, from the form's signed field: only for this
    questionnaire of this organisation, and for an hour."""
    try:
        payload = signing.loads(
            request.POST.get("payload", ""), salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE
        )
    except signing.SignatureExpired:
        raise ValidationError(
            _("Le fichier a été envoyé il y a plus d'une heure : envoyez-le à nouveau.")
        ) from None
    except signing.BadSignature:
        raise ValidationError(
            _("Le fichier n'a pas été retrouvé : envoyez-le à nouveau.")
        ) from None
    if payload.get("schema") != current_schema_name() or payload.get("q") != questionnaire.pk:
        raise ValidationError(_("Le fichier n'a pas été retrouvé : envoyez-le à nouveau."))
    return imports.Table(
        header=list(payload["header"]),
        rows=[(int(line), list(values)) for line, values in payload["rows"]],
    )


def _import_sign(questionnaire: Questionnaire, table: imports.Table) -> str:
    payload = signing.dumps(
        {
            "schema": current_schema_name(),
            "q": questionnaire.pk,
            "header": table.header,
            "rows": table.rows,
        },
        salt=IMPORT_SALT,
        compress=True,
    )
    # The second step posts it back: it must fit in what a request may carry.
    if len(payload) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 64 * 1024:
        raise ValidationError(
            _("Ce fichier est trop volumineux pour être importé en une fois : découpez-le.")
        )
    return payload


@organisation_permission_required(Permission.LEARNERS_MANAGE)
@require_http_methods(["GET", "POST"])
def questionnaire_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Answers collected elsewhere, from a CSV file: first the file, then which column answers
    which question; every line is kept, or none. The file is never stored: its lines travel
    back signed in the second step's form."""
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    questions = services.import_questions(questionnaire)
    context = {"questionnaire": questionnaire, "max_rows": imports.MAX_ROWS}
    errors: list[str] = []
    uploading = request.method == "POST" and "payload" not in request.POST
    form = AnswersFileForm(
        request.POST if uploading else None, request.FILES if uploading else None
    )
    if request.method == "POST" and "payload" in request.POST:
        try:
            table = _import_payload(request, questionnaire)
        except ValidationError as error:
            errors = error.messages
        else:
            chosen = [request.POST.get(f"column_{i}", "") for i in range(len(table.header))]
            try:
                created = services.responses_import(
                    questionnaire=questionnaire,
                    table=table,
                    chosen=chosen,
                    actor=request.user,
                    organisation=request.organisation,
                )
            except ValidationError as error:
                return _mapping_page(
                    request, context, questions, table, chosen, error.messages, status=400
                )
            messages.success(
                request,
                ngettext(
                    "%(count)s réponse importée.", "%(count)s réponses importées.", len(created)
                )
                % {"count": len(created)},
            )
            return redirect(org_reverse(request, "org:questionnaire_detail", pk=questionnaire.pk))
    elif uploading and form.is_valid():
        try:
            table = imports.table_read(form.file_bytes())
        except ValidationError as error:
            errors = error.messages
        else:
            return _mapping_page(
                request, context, questions, table, imports.guess(table.header, questions), []
            )
    return render(
        request,
        "surveys/import.html",
        {**context, "form": form, "errors": errors},
        status=400 if errors or form.errors else 200,
    )


def _mapping_page(
    request: HttpRequest,
    context: dict,
    questions: list[imports.QuestionInfo],
    table: imports.Table,
    chosen: list[str],
    errors: list[str],
    *,
    status: int = 200,
) -> HttpResponse:
    try:
        payload = _import_sign(context["questionnaire"], table)
    except ValidationError as error:
        return render(
            request,
            "surveys/import.html",
            {**context, "form": AnswersFileForm(), "errors": error.messages},
            status=400,
        )
    options = [
        (imports.IGNORE, _("— ignorer cette colonne —")),
        (imports.SESSION, _("Session (son numéro)")),
        *((imports.QUESTION_PREFIX + q.code, q.label) for q in questions),
    ]
    first = table.rows[0][1] if table.rows else []
    return render(
        request,
        "surveys/import_mapping.html",
        {
            **context,
            "payload": payload,
            "errors": errors,
            "lines": len(table.rows),
            "columns": [
                {
                    "index": index,
                    "name": imports.column_name(table, index),
                    "sample": first[index][:80] if index < len(first) else "",
                    "chosen": chosen[index] if index < len(chosen) else imports.IGNORE,
                }
                for index in range(len(table.header))
            ],
            "options": options,
        },
        status=status,
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
            "campaigns": selectors.campaigns_of_session(session),
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


@organisation_permission_required(Permission.LEARNERS_MANAGE)
@require_http_methods(["GET", "POST"])
def session_survey_room(request: HttpRequest, session_pk: int) -> HttpResponse:
    """The end-of-session questionnaire's QR code for the room's screen. Only the code's hash
    is kept, so it is shown once, when asked for; asking again ends the previous one."""
    session = session_with_learners_or_404(request, session_pk)
    kinds = services.end_of_session_kinds(session)
    available = {q.kind: q for q in Questionnaire.objects.filter(is_current=True, kind__in=kinds)}
    url = svg = room = None
    error = ""
    if request.method == "POST":
        questionnaire = available.get(request.POST.get("kind", ""))
        if questionnaire is None:
            error = _(
                "Ce questionnaire n'existe pas encore : ajoutez les questionnaires prêts à "
                "l'emploi depuis la page Enquêtes."
            )
        else:
            try:
                code, room = services.room_code_create(
                    session=session, questionnaire=questionnaire, actor=request.user
                )
            except ValidationError as refused:
                error = " ".join(refused.messages)
            else:
                url = request.build_absolute_uri(
                    reverse(
                        "survey_room", kwargs={"slug": request.organisation.slug, "token": code}
                    )
                )
                svg = qr_svg(
                    url,
                    label=_("QR code de l'enquête « %(title)s » : %(url)s")
                    % {"title": questionnaire.title, "url": url},
                )
    return render(
        request,
        "surveys/room_code.html",
        {
            "session": session,
            "kinds": [
                (kind, Questionnaire.Kind(kind).label, available.get(kind)) for kind in kinds
            ],
            "room": room,
            "url": url,
            "svg": svg,
            "error": error,
            "hours": services.ROOM_CODE_HOURS,
            "shown": list(
                RoomCode.objects.filter(session=session, expires_at__gt=timezone.now())
                .select_related("questionnaire")
                .exclude(pk=room.pk if room else None)
            ),
        },
        status=400 if error else 200,
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
