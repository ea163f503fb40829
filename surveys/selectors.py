"""Reads of surveys: which questionnaire versions the results of a period read, the gaps
readiness counts, a session's campaigns and whether they are closed, the free-text answers a
referent reads, and what the daily schedule sends, when, and on what authority (the portal's
defaults: the referential sets no delay)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from qualiopi_portal.tenancy.models import ActionCategory
from training_offers.models import Session

from .models import Answer, CampaignSummary, Invitation, Question, Questionnaire, Response


@dataclass(frozen=True)
class QuestionnaireUse:
    """One questionnaire version over a period: asked, answered, and answers received."""

    questionnaire_pk: int
    title: str
    version: int
    invited: int
    answered: int
    responses: int  # imported answers included

    @property
    def response_rate(self) -> float | None:
        return round(100 * self.answered / self.invited, 1) if self.invited else None


def questionnaire_uses(*, start: date | None, end: date) -> list[QuestionnaireUse]:
    """Per questionnaire version, for the sessions ended in the period (and, for surveys
    without a session, those asked in it): said on the results page so that two versions are
    never mixed silently. Two queries whatever the number of answers."""
    in_period = Q(session__ends_on__lte=end)
    if start:
        in_period &= Q(session__ends_on__gte=start)
    loose = Q(session__isnull=True, created_at__date__lte=end)
    if start:
        loose &= Q(created_at__date__gte=start)
    named = ("questionnaire", "questionnaire__title", "questionnaire__version")
    uses: dict[tuple[int, str, int], list[int]] = {}
    for *key, invited, answered in (
        Invitation.objects.filter(in_period | loose)
        .values_list(*named)
        .annotate(invited=Count("pk"), answered=Count("pk", filter=Q(answered_at__isnull=False)))
        .order_by()
    ):
        uses[tuple(key)] = [invited, answered, 0]
    loose_responses = Q(session__isnull=True, submitted_at__date__lte=end)
    if start:
        loose_responses &= Q(submitted_at__date__gte=start)
    for *key, count in (
        Response.objects.filter(in_period | loose_responses)
        .values_list(*named)
        .annotate(count=Count("pk"))
        .order_by()
    ):
        uses.setdefault(tuple(key), [0, 0, 0])[2] = count
    return [
        QuestionnaireUse(pk, title, version, invited, answered, responses)
        for (pk, title, version), (invited, answered, responses) in sorted(
            uses.items(), key=lambda item: (item[0][1], item[0][2])
        )
    ]


# --- Readiness (indicators 2, 30 and V10's 33) ----------------------------------------------

# Reason codes readiness shows (indicators.presentation says them in French, with their source).
APPRAISAL_REASONS = {
    Questionnaire.Audience.LEARNER: "appraisal_missing_learner",
    Questionnaire.Audience.FINANCER: "appraisal_missing_financer",
    Questionnaire.Audience.EMPLOYER: "appraisal_missing_employer",
    Questionnaire.Audience.TEACHING_TEAM: "appraisal_missing_teaching_team",
}
RESULTS_WITHOUT_ANSWERS = "results_without_answers"
APPRENTICE_EVALUATION_MISSING = "apprentice_evaluation_missing"


def appraisal_gaps(*, today: date, days: int) -> dict[int, list[str]]:
    """Per indicator, the reasons the surveys leave a gap over the last `days` days.

    30: each stakeholder group the organisation worked with in the window (learners of ended
    sessions, the financers of their funding lines, the employers of their learners, their
    trainers) without an answer from a questionnaire addressed to that group. 2: ended sessions
    and no end-of-session satisfaction answer, so no published rate comes from answers.
    33 (V10; ignored by a version without it): apprenticeship sessions ended and no
    apprentices' evaluation. Three queries."""
    since = today - timedelta(days=days)
    ended = Session.objects.filter(ends_on__gte=since, ends_on__lte=today)
    facts = ended.aggregate(
        sessions=Count("pk", distinct=True),
        apprentice=Count(
            "pk", filter=Q(offer__category=ActionCategory.APPRENTICESHIP), distinct=True
        ),
        funded=Count("funding_lines", distinct=True),
        employers=Count("enrolments", filter=~Q(enrolments__learner__employer=""), distinct=True),
        trainers=Count("trainer_links", distinct=True),
    )
    if not facts["sessions"]:
        return {}
    answered = set(
        Response.objects.filter(submitted_at__date__gte=since)
        .exclude(questionnaire__kind=Questionnaire.Kind.POSITIONING)
        .values_list("questionnaire__audience", "questionnaire__kind")
        .distinct()
    )
    audiences = {audience for audience, _kind in answered}
    kinds = {kind for _audience, kind in answered}
    involved = {
        Questionnaire.Audience.LEARNER: True,
        Questionnaire.Audience.FINANCER: bool(facts["funded"]),
        Questionnaire.Audience.EMPLOYER: bool(facts["employers"]),
        Questionnaire.Audience.TEACHING_TEAM: bool(facts["trainers"]),
    }
    # Apprentices answering the general questionnaires are learners too.
    if Questionnaire.Audience.APPRENTICE in audiences:
        audiences.add(Questionnaire.Audience.LEARNER)
    gaps: dict[int, list[str]] = {}
    missing = [
        reason
        for audience, reason in APPRAISAL_REASONS.items()
        if involved[audience] and audience not in audiences
    ]
    if missing:
        gaps[30] = missing
    if Questionnaire.Kind.SATISFACTION_HOT not in kinds:
        gaps[2] = [RESULTS_WITHOUT_ANSWERS]
    if facts["apprentice"] and Questionnaire.Kind.APPRENTICE_EVALUATION not in kinds:
        gaps[33] = [APPRENTICE_EVALUATION_MISSING]
    return gaps


@dataclass
class Campaign:
    """The invitations of one questionnaire version for one session.

    Closed once every invitation has been answered or has expired (a campaign without any
    invitation does not exist); it closed at the last answer or expiry."""

    session_id: int
    questionnaire: Questionnaire
    invited: int
    answered: int
    pending: int  # neither answered nor expired yet
    last_event: datetime | None
    summary: CampaignSummary | None = None

    @property
    def is_closed(self) -> bool:
        return self.invited > 0 and self.pending == 0

    @property
    def closed_at(self) -> datetime | None:
        return self.last_event if self.is_closed else None


def _campaign_rows(now: datetime) -> QuerySet:
    return (
        Invitation.objects.filter(session__isnull=False)
        .values("session_id", "questionnaire_id")
        .annotate(
            invited=Count("pk"),
            answered=Count("pk", filter=Q(answered_at__isnull=False)),
            pending=Count("pk", filter=Q(answered_at__isnull=True, expires_at__gt=now)),
            last_event=Max(Coalesce("answered_at", "expires_at")),
        )
        .order_by("questionnaire_id")
    )


def _campaigns(queryset: QuerySet) -> list[Campaign]:
    rows = list(queryset)
    questionnaires = Questionnaire.objects.in_bulk({row["questionnaire_id"] for row in rows})
    summaries = {}
    if rows:
        summaries = {
            (summary.session_id, summary.questionnaire_id): summary
            for summary in CampaignSummary.objects.filter(
                session_id__in={row["session_id"] for row in rows}
            ).select_related("evidence")
        }
    return [
        Campaign(
            session_id=row["session_id"],
            questionnaire=questionnaires[row["questionnaire_id"]],
            invited=row["invited"],
            answered=row["answered"],
            pending=row["pending"],
            last_event=row["last_event"],
            summary=summaries.get((row["session_id"], row["questionnaire_id"])),
        )
        for row in rows
    ]


def campaigns_of_session(session: Session, *, now: datetime | None = None) -> list[Campaign]:
    """The session's campaigns, one per questionnaire version asked, with their summary."""
    rows = _campaign_rows(now or timezone.now()).filter(session=session)
    return sorted(_campaigns(rows), key=lambda c: (c.questionnaire.kind, c.questionnaire.version))


def campaign_get(
    *, session_id: int, questionnaire_id: int, now: datetime | None = None
) -> Campaign | None:
    rows = _campaign_rows(now or timezone.now()).filter(
        session_id=session_id, questionnaire_id=questionnaire_id
    )
    campaigns = _campaigns(rows)
    return campaigns[0] if campaigns else None


def campaigns_closed_without_summary(*, now: datetime | None = None) -> list[tuple[int, int]]:
    """(session id, questionnaire id) of the closed campaigns that have no summary yet
    (current schema): what the nightly task renders."""
    summarised = CampaignSummary.objects.filter(
        session_id=OuterRef("session_id"), questionnaire_id=OuterRef("questionnaire_id")
    )
    rows = (
        _campaign_rows(now or timezone.now())
        .filter(~Exists(summarised))
        .filter(pending=0)
        .order_by("session_id", "questionnaire_id")
    )
    return [(row["session_id"], row["questionnaire_id"]) for row in rows]


# --- Free-text answers ---------------------------------------------------------------------


def _free_text(code: str) -> QuerySet[Answer]:
    return Answer.objects.filter(
        question__questionnaire__code=code, question__type=Question.Type.TEXT
    ).exclude(text="")


def free_text_answers(*, code: str, session_id: int | None = None) -> QuerySet[Answer]:
    """The free-text answers to every version of a questionnaire, newest first."""
    answers = (
        _free_text(code)
        .select_related(
            "question__questionnaire",
            "response__session__offer",
            "response__invitation",
            "action",
        )
        .order_by("-response__submitted_at", "-pk")
    )
    if session_id is not None:
        answers = answers.filter(response__session_id=session_id)
    return answers


def free_text_sessions(*, code: str) -> QuerySet[Session]:
    """The sessions that have free-text answers to a questionnaire (the page's filter)."""
    return (
        Session.objects.filter(pk__in=_free_text(code).values("response__session_id"))
        .select_related("offer")
        .order_by("-starts_on", "-pk")
    )


def free_text_position(answers: QuerySet[Answer], answer: Answer) -> int:
    """How many answers of the list come before this one (newest first): the page to open."""
    at = answer.response.submitted_at
    return answers.filter(
        Q(response__submitted_at__gt=at) | Q(response__submitted_at=at, pk__gt=answer.pk)
    ).count()


# --- The schedule -------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleLine:
    kind: str
    title: str
    who: str
    when: str
    source: str
    installed: bool


def _at() -> str:
    return _("chaque jour à %(hour)s h %(minute)02d") % {
        "hour": settings.SURVEY_SCHEDULE_HOUR,
        "minute": settings.SURVEY_SCHEDULE_MINUTE,
    }


def _days(count: int) -> str:
    return ngettext("%(count)s jour", "%(count)s jours", count) % {"count": count}


def schedule_lines() -> list[ScheduleLine]:
    """One line per questionnaire the schedule sends (current schema): to whom, when, where the
    delay comes from, and whether the organisation has the questionnaire (without it, nothing
    goes)."""
    installed = set(
        Questionnaire.objects.filter(is_current=True).values_list("kind", flat=True).distinct()
    )
    hot = settings.SURVEY_HOT_WINDOW_DAYS
    cold = settings.SURVEY_COLD_DAYS
    window = settings.SURVEY_COLD_WINDOW_DAYS
    hot_when = _(
        "%(at)s, dès le lendemain du dernier jour de la session et pendant %(days)s ; le "
        "bouton de la session l'envoie dès le dernier jour."
    ) % {"at": _at(), "days": _days(hot)}
    hot_source = _("%(days)s : valeur par défaut du portail, aucune règle.") % {"days": _days(hot)}
    cold_when = _(
        "%(at)s, %(days)s après le dernier jour de la session (rattrapé pendant les "
        "%(window)s qui suivent, pas au-delà)."
    ) % {"at": _at(), "days": _days(cold), "window": _days(window)}
    cold_source = _(
        "%(days)s : valeur par défaut du portail, le référentiel ne fixe pas de délai."
    ) % {"days": _days(cold)}
    yearly_when = _(
        "%(at)s, à chaque contact qui n'a pas reçu ce questionnaire depuis 12 mois : un "
        "contact ajouté est interrogé au passage suivant."
    ) % {"at": _at()}
    yearly_source = _("Une fois tous les 12 mois : valeur par défaut du portail.")
    kind = Questionnaire.Kind
    rows = [
        (
            kind.SATISFACTION_HOT,
            _("Les apprenant·es de la session qui ne l'ont pas encore reçu."),
            hot_when,
            hot_source,
        ),
        (
            kind.APPRENTICE_EVALUATION,
            _("Les apprenti·es des sessions d'une offre en apprentissage (indicateur 33)."),
            hot_when,
            hot_source,
        ),
        (
            kind.APPRAISAL_COLD,
            _("Les apprenant·es qui ont suivi la session."),
            cold_when,
            cold_source,
        ),
        (
            kind.APPRAISAL_COLD_EMPLOYER,
            _(
                "Les contacts employeurs dont l'entreprise est l'employeur d'un·e apprenant·e "
                "de la session (nom comparé sans majuscules, accents ni espaces en trop)."
            ),
            cold_when,
            cold_source,
        ),
        (kind.FINANCER, _("Les contacts financeurs."), yearly_when, yearly_source),
        (
            kind.TEACHING_TEAM,
            _("Les contacts de l'équipe pédagogique."),
            yearly_when,
            yearly_source,
        ),
    ]
    return [
        ScheduleLine(
            kind=code,
            title=str(kind(code).label),
            who=who,
            when=when,
            source=source,
            installed=code in installed,
        )
        for code, who, when, source in rows
    ]


def reminders_line() -> str:
    """How reminders follow every invitation, scheduled or not."""
    return _(
        "Rappels : au plus %(count)s, %(days)s après le dernier message, tant que la personne "
        "n'a pas répondu ni demandé à ne plus en recevoir (réglages du portail, aucune règle)."
    ) % {"count": settings.SURVEY_REMINDERS, "days": _days(settings.SURVEY_REMINDER_DAYS)}


@dataclass(frozen=True)
class Schedule:
    lines: list[ScheduleLine]
    reminders: str


def schedule() -> Schedule:
    """What the pages show under « Programmation des envois »."""
    return Schedule(lines=schedule_lines(), reminders=reminders_line())
