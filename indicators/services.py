"""Writes of the indicators app: readiness computation and its scheduling."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import BooleanField, Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from audits import selectors as audit_selectors
from evidence.models import EvidenceItem
from qualiopi_portal.tenancy.models import Membership, Organisation, OrganisationReadiness, Role
from qualiopi_portal.tenancy.selectors import member_user_ids
from training_offers import selectors as offer_selectors

from .models import Action, AgreedRating, Answer, Campaign, Rating, ReadinessSnapshot, Respondent
from .readiness import EvidenceFacts, Readiness, compute, effective_ratings
from .referential import selectors as referential
from .referential.applicability import evaluate
from .referential.models import ChangeKind

logger = logging.getLogger("qualiopi.readiness")

# Changes within this window are folded into one computation per organisation.
DEBOUNCE_SECONDS = 3
# Days of history kept on the public summary for the portfolio's trend.
TREND_POINTS = 30


def trend_with(trend: list, computed_at, percent: float) -> list:
    """The daily trend ([[iso day, percent], …], oldest first) with today's latest figure."""
    day = timezone.localtime(computed_at).date().isoformat()
    points = [point for point in trend if point[0] != day]
    return [*points, [day, percent]][-TREND_POINTS:]


def readiness_compute(
    *, organisation: Organisation, today: date | None = None, version=None
) -> Readiness:
    """Load the facts (current schema must be the organisation's) and apply the pure rules."""
    readiness, _extra = _compute(organisation=organisation, today=today, version=version)
    return readiness


@dataclass(frozen=True)
class _Extra:
    """Facts loaded for the computation that the public summary also shows."""

    evidence: list[EvidenceFacts]
    open_findings: int


def _compute(
    *, organisation: Organisation, today: date | None = None, version=None
) -> tuple[Readiness, _Extra]:
    version = version or referential.version_for_organisation(organisation, today=today)
    target = referential.target_date_for_organisation(organisation, today=today)
    # One read of the version's indicators serves both the applicability rules and the facts.
    rows = list(version.indicators.select_related("criterion"))
    result = evaluate(
        [referential.rule_from_indicator(row) for row in rows],
        referential.scope_for_organisation(organisation),
    )
    # Before any certificate, the next audit is the initial one.
    indicators = referential.indicator_facts(
        rows, result, initial_audit=audit_selectors.certificate_current() is None
    )
    # Proofs filed before this version came into force, for the indicators it rewords, wait for
    # a person's confirmation (V10 since 1 November 2026, décret 2026-728).
    reworded = {row.number for row in rows if row.change_kind == ChangeKind.REWORDED}
    items = EvidenceItem.objects.filter(is_archived=False)
    if reworded and version.in_force_from is not None:
        since = timezone.make_aware(datetime.combine(version.in_force_from, time.min))
        filed_before = Q(last_uploaded_at__lt=since) | Q(
            last_uploaded_at__isnull=True, created_at__lt=since
        )
        items = items.annotate(
            to_review=Case(
                When(filed_before & Q(v10_confirmed_at__isnull=True), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    else:
        items = items.annotate(to_review=Value(False, output_field=BooleanField()))
    evidence = [
        EvidenceFacts(
            tuple(numbers),
            status,
            valid_until,
            to_review_for=tuple(sorted(reworded.intersection(numbers))) if to_review else (),
        )
        for numbers, status, valid_until, to_review in items.values_list(
            "indicator_numbers", "status", "valid_until", "to_review"
        )
    ]
    open_ncs, open_count = audit_selectors.open_ncs()
    readiness = compute(
        indicators=indicators,
        evidence=evidence,
        target_date=target,
        ratings=self_ratings(),
        open_ncs=open_ncs,
        offer_gaps=offer_selectors.offers_threatening(version_code=version.code),
        minor_threshold=settings.READINESS_MINOR_NC_THRESHOLD,
    )
    return readiness, _Extra(evidence, open_count)


def self_ratings() -> dict[int, str]:
    """The self-assessment's say per indicator (current schema), in two queries."""
    created: dict[int, object] = {}
    agreed: dict[int, dict[int, str]] = {}
    for campaign_id, created_at, number, rating in AgreedRating.objects.values_list(
        "campaign_id", "campaign__created_at", "indicator_number", "rating"
    ):
        created[campaign_id] = created_at
        agreed.setdefault(campaign_id, {})[number] = rating
    answered: dict[int, dict[int, list[str]]] = {}
    for campaign_id, created_at, number, rating in Answer.objects.exclude(rating="").values_list(
        "campaign_id", "campaign__created_at", "indicator_number", "rating"
    ):
        created[campaign_id] = created_at
        answered.setdefault(campaign_id, {}).setdefault(number, []).append(rating)
    # Newest campaign first (by creation, then id), as `effective_ratings` expects.
    order = sorted(created, key=lambda pk: (created[pk], pk), reverse=True)
    return effective_ratings((agreed.get(pk, {}), answered.get(pk, {})) for pk in order)


# First key of the PostgreSQL advisory lock that serialises one organisation's computations.
READINESS_LOCK_NAMESPACE = 0x52454144  # "READ"


def _readiness_lock(organisation: Organisation) -> None:
    """Wait for any other computation of this organisation to commit (lock released at our end).

    Two deliveries of the same request then agree: the second one sees the first one's result
    instead of computing it again. A killed worker's session ends, and its lock with it.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)",
            [READINESS_LOCK_NAMESPACE, organisation.pk % 2**31],
        )


@transaction.atomic
def readiness_recompute(*, organisation: Organisation) -> ReadinessSnapshot:
    """Compute, store a snapshot in the organisation's schema and the summary in public."""
    _readiness_lock(organisation)
    with schema_context(organisation.schema_name):
        started = timezone.now()
        version = referential.version_for_organisation(organisation)
        readiness, extra = _compute(organisation=organisation, version=version)
        snapshot = ReadinessSnapshot.objects.create(
            version_code=version.code,
            target_date=readiness.target_date,
            overall_percent=readiness.overall_percent,
            outcome=readiness.outcome,
            predicted_major=readiness.predicted_major,
            predicted_minor=readiness.predicted_minor,
            result=readiness.as_dict(),
        )
        pending_review = sum(
            1 for item in extra.evidence if item.status == EvidenceItem.Status.SUBMITTED
        )
        overdue_actions = Action.objects.filter(
            status__in=Action.OPEN_STATUSES, due_date__lt=timezone.localdate()
        ).count()
    # Locked: a request recorded meanwhile must not be overwritten by the value read here.
    summary, _created = OrganisationReadiness.objects.select_for_update().get_or_create(
        organisation=organisation
    )
    summary.computed_at = snapshot.computed_at
    summary.version_code = snapshot.version_code
    summary.target_date = snapshot.target_date
    summary.overall_percent = snapshot.overall_percent
    summary.outcome = snapshot.outcome
    summary.predicted_major = snapshot.predicted_major
    summary.predicted_minor = snapshot.predicted_minor
    summary.pending_review = pending_review
    summary.overdue_actions = overdue_actions
    summary.open_findings = extra.open_findings
    summary.trend = trend_with(summary.trend, snapshot.computed_at, snapshot.overall_percent)
    summary.indicator_statuses = {
        str(item["number"]): item["status"] for item in snapshot.result["indicators"]
    }
    if summary.requested_at and summary.requested_at <= started:
        summary.requested_at = None
    summary.save()
    return snapshot


def readiness_recompute_owed(*, organisation: Organisation) -> ReadinessSnapshot | None:
    """Compute only while a request is pending (`requested_at` set), else do nothing.

    Every queued computation goes through here, so a redelivered, duplicated or late task finds
    the request already settled and stores no second snapshot. The check runs under the
    organisation's lock, after any computation in progress has committed.
    """
    with transaction.atomic():
        _readiness_lock(organisation)
        owed = OrganisationReadiness.objects.filter(
            organisation=organisation, requested_at__isnull=False
        ).exists()
        return readiness_recompute(organisation=organisation) if owed else None


def readiness_recompute_request(*, schema_name: str, reason: str) -> None:
    """Called after commit by every change that can move readiness (evidence, reviews…).

    Never computes inside the request: it queues one debounced Celery task per organisation.
    When the broker cannot be reached, the request is recorded on the public summary and the
    periodic job computes it later, so nothing is lost.
    """
    organisation = Organisation.objects.filter(schema_name=schema_name).first()
    if organisation is None:
        return
    logger.info("readiness recompute requested for %s: %s", schema_name, reason)
    OrganisationReadiness.objects.update_or_create(
        organisation=organisation, defaults={"requested_at": timezone.now()}
    )
    if not cache.add(f"readiness:debounce:{schema_name}", 1, timeout=DEBOUNCE_SECONDS):
        return  # a computation is already queued and will see this change
    from .tasks import readiness_recompute_task

    try:
        readiness_recompute_task.apply_async(args=[organisation.pk], countdown=DEBOUNCE_SECONDS)
    except Exception:  # broker down: the periodic job catches up
        logger.warning("could not queue readiness for %s; left for the periodic job", schema_name)


def readiness_changed(reason: str) -> None:
    """After the current transaction commits, ask for a recomputation of this organisation."""
    # The schema is taken now: the callback may run after the request has left it.
    schema_name = connection.schema_name
    transaction.on_commit(
        lambda: readiness_recompute_request(schema_name=schema_name, reason=reason)
    )


# --- Self-assessment campaigns -------------------------------------------------------------

RESPONDENT_ROLES = (Role.REFERENT, Role.DIRECTOR, Role.CONSULTANT)


def rating_check(*, indicator: Any, rating: str, justification: str, field: str = "rating") -> None:
    """ "Non applicable" only where the referential allows it, and always justified."""
    if rating != Rating.NOT_APPLICABLE:
        return
    if not indicator.may_be_not_applicable:
        raise ValidationError(
            {
                field: _(
                    "L'indicateur %(number)s ne peut pas être déclaré non applicable : le "
                    "référentiel ne le permet pas."
                )
                % {"number": indicator.number}
            }
        )
    if not justification.strip():
        raise ValidationError(
            {"justification": _("Justifiez pourquoi l'indicateur ne s'applique pas à vous.")}
        )


@transaction.atomic
def campaign_create(
    *, organisation: Organisation, title: str, version_code: str, respondents: list, created_by
) -> Campaign:
    if not respondents:
        raise ValidationError({"respondents": _("Choisissez au moins un·e répondant·e.")})
    allowed = member_user_ids(organisation=organisation, roles=RESPONDENT_ROLES)
    if any(user.pk not in allowed for user in respondents):
        raise ValidationError(
            {"respondents": _("Les répondant·es doivent être membres de l'organisation.")}
        )
    campaign = Campaign.objects.create(
        title=title.strip(), version_code=version_code, created_by=created_by
    )
    Respondent.objects.bulk_create(Respondent(campaign=campaign, user=user) for user in respondents)
    return campaign


@transaction.atomic
def campaign_set_status(*, campaign: Campaign, status: str) -> Campaign:
    """open → review → closed; a review can be reopened for answers, a closed one cannot."""
    allowed = {
        Campaign.Status.OPEN: {Campaign.Status.REVIEW},
        Campaign.Status.REVIEW: {Campaign.Status.OPEN, Campaign.Status.CLOSED},
        Campaign.Status.CLOSED: set(),
    }
    if status not in allowed[campaign.status]:
        raise ValidationError(_("Ce changement d'état n'est pas possible."))
    campaign.status = status
    campaign.closed_at = timezone.now() if status == Campaign.Status.CLOSED else None
    campaign.save(update_fields=["status", "closed_at"])
    return campaign


@transaction.atomic
def answer_save(
    *,
    campaign: Campaign,
    respondent,
    indicator: Any,
    process: str,
    evidence: list,
    rating: str,
    justification: str,
    corrective_actions: str,
) -> Answer:
    """Steps 2 to 5 of one indicator for one respondent (step 1 is the referential's)."""
    if campaign.status != Campaign.Status.OPEN:
        raise ValidationError(_("Cette campagne n'accepte plus de réponses."))
    if not campaign.respondents.filter(user=respondent).exists():
        raise ValidationError(_("Vous ne faites pas partie des répondant·es de cette campagne."))
    rating_check(indicator=indicator, rating=rating, justification=justification)
    answer, _created = Answer.objects.update_or_create(
        campaign=campaign,
        respondent=respondent,
        indicator_number=indicator.number,
        defaults={
            "process": process.strip(),
            "rating": rating,
            "justification": justification.strip() if rating == Rating.NOT_APPLICABLE else "",
            "corrective_actions": corrective_actions.strip(),
        },
    )
    answer.evidence.set(evidence)
    readiness_changed("self-assessment answer")
    return answer


@transaction.atomic
def agreed_rating_set(
    *,
    campaign: Campaign,
    indicator: Any,
    rating: str,
    justification: str,
    comment: str,
    reviewed_by,
) -> AgreedRating:
    """The review step: the reviewer comments and sets the rating everyone agrees on."""
    if campaign.status != Campaign.Status.REVIEW:
        raise ValidationError(_("Passez la campagne en revue avant de fixer les appréciations."))
    rating_check(indicator=indicator, rating=rating, justification=justification)
    agreed, _created = AgreedRating.objects.update_or_create(
        campaign=campaign,
        indicator_number=indicator.number,
        defaults={
            "rating": rating,
            "justification": justification.strip() if rating == Rating.NOT_APPLICABLE else "",
            "comment": comment.strip(),
            "reviewed_by": reviewed_by,
        },
    )
    readiness_changed("agreed rating")
    return agreed


# --- Action plan (plan de progrès) ---------------------------------------------------------

ACTION_FIELDS = ("title", "description", "indicator_numbers", "owner", "due_date")


def _action_check(*, organisation: Organisation, owner, due_date, title: str) -> None:
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("Décrivez l'action.")
    if owner is None:
        errors["owner"] = _("Choisissez la personne responsable de l'action.")
    elif owner.pk not in member_user_ids(organisation=organisation):
        errors["owner"] = _("La personne responsable doit être membre de l'organisation.")
    if due_date is None:
        errors["due_date"] = _("Fixez une échéance.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def action_create(
    *,
    organisation: Organisation,
    title: str,
    owner,
    due_date: date | None,
    created_by,
    indicator_numbers: list[int] | None = None,
    description: str = "",
    source: str = Action.Source.MANUAL,
    campaign: Campaign | None = None,
    finding=None,
) -> Action:
    _action_check(organisation=organisation, owner=owner, due_date=due_date, title=title)
    action = Action.objects.create(
        title=title.strip(),
        description=description.strip(),
        indicator_numbers=sorted(set(indicator_numbers or [])),
        owner=owner,
        due_date=due_date,
        source=source,
        campaign=campaign,
        finding=finding,
        created_by=created_by,
    )
    readiness_changed("action created")
    return action


@transaction.atomic
def action_update(
    *,
    organisation: Organisation,
    action: Action,
    status: str,
    completion_evidence=None,
    completion_note: str = "",
    **fields: Any,
) -> Action:
    """Edit an action; "réalisée" needs its proof (an evidence item or a written record)."""
    values = {name: fields.get(name, getattr(action, name)) for name in ACTION_FIELDS}
    _action_check(
        organisation=organisation,
        owner=values["owner"],
        due_date=values["due_date"],
        title=values["title"],
    )
    if status == Action.Status.DONE and completion_evidence is None and not completion_note.strip():
        raise ValidationError(
            {
                "completion_note": _(
                    "Une action réalisée a besoin de sa preuve : choisissez une preuve de la "
                    "bibliothèque ou décrivez ce qui a été fait."
                )
            }
        )
    for name, value in values.items():
        setattr(action, name, value)
    action.title = action.title.strip()
    action.indicator_numbers = sorted(set(action.indicator_numbers))
    if status == Action.Status.DONE and action.status != Action.Status.DONE:
        action.completed_at = timezone.now()
    elif status != Action.Status.DONE:
        action.completed_at = None
    action.status = status
    action.completion_evidence = completion_evidence
    action.completion_note = completion_note.strip()
    action.save()
    readiness_changed("action updated")
    return action


@transaction.atomic
def action_save(
    *,
    organisation: Organisation,
    action: Action | None,
    created_by=None,
    status: str = Action.Status.TODO,
    completion_evidence=None,
    completion_note: str = "",
    **fields: Any,
) -> Action:
    """The action form: create (possibly already started or done) or edit, in one step."""
    if action is None:
        action = action_create(organisation=organisation, created_by=created_by, **fields)
        fields = {}
        if status == Action.Status.TODO and completion_evidence is None and not completion_note:
            return action
    return action_update(
        organisation=organisation,
        action=action,
        status=status,
        completion_evidence=completion_evidence,
        completion_note=completion_note,
        **fields,
    )


def default_due_date(*, organisation: Organisation, today: date | None = None) -> date:
    """A month from now, or two weeks before the audit when that comes first."""
    today = today or timezone.localdate()
    due = today + timedelta(days=30)
    audit = organisation.next_audit_date
    if audit and today < audit - timedelta(days=14) < due:
        due = audit - timedelta(days=14)
    return due


def default_owner(organisation: Organisation, user) -> Any:
    """Whoever clicked, when a member; a firm's consultant hands it to the referent."""
    if user.pk in member_user_ids(organisation=organisation):
        return user
    membership = (
        Membership.objects.filter(organisation=organisation, role=Role.REFERENT)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership else None


def action_create_from_gap(*, organisation: Organisation, indicator: Any, created_by) -> Action:
    """One click on a dashboard gap: an action for that indicator, owned by whoever clicked."""
    return action_create(
        organisation=organisation,
        title=_("Indicateur %(number)s — %(title)s : réunir une preuve validée")
        % {"number": indicator.number, "title": indicator.title},
        indicator_numbers=[indicator.number],
        owner=default_owner(organisation, created_by),
        due_date=default_due_date(organisation=organisation),
        created_by=created_by,
        source=Action.Source.GAP,
    )


def action_create_from_answers(
    *, organisation: Organisation, campaign: Campaign, indicator: Any, created_by
) -> Action:
    """One click in the self-assessment: the respondents' corrective actions become one action."""
    texts = list(
        campaign.answers.filter(indicator_number=indicator.number)
        .exclude(corrective_actions="")
        .order_by("pk")
        .values_list("corrective_actions", flat=True)
    )
    if not texts:
        raise ValidationError(_("Aucune action corrective n'a été proposée pour cet indicateur."))
    first_line = texts[0].splitlines()[0][:250]
    return action_create(
        organisation=organisation,
        title=first_line,
        description="\n\n".join(texts),
        indicator_numbers=[indicator.number],
        owner=default_owner(organisation, created_by),
        due_date=default_due_date(organisation=organisation),
        created_by=created_by,
        source=Action.Source.SELF_ASSESSMENT,
        campaign=campaign,
    )
