"""Writes of the readiness app: computation, snapshots, the public summary and scheduling.

Readiness reads the domains (evidence, findings, offers, self-assessment, actions); they never
import it: they call `qualiopi_portal.core.signals.readiness_changed`, connected here to
`readiness_recompute_request` (indicators.apps)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import BooleanField, Case, ManyToOneRel, Q, Value, When
from django.db.models.functions import TruncWeek
from django.utils import timezone

from assessments.selectors import self_ratings
from audits import selectors as audit_selectors
from evidence.models import EvidenceItem
from improvement.models import Action
from learners import selectors as learner_selectors
from qualiopi_portal.core.queue import queue_task
from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.tenancy.models import Organisation, OrganisationReadiness
from surveys import selectors as survey_selectors
from training_offers import selectors as offer_selectors

from .models import ReadinessSnapshot
from .readiness import EvidenceFacts, Readiness, compute
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
    rows = referential.indicators_of(version)
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
        session_gaps=learner_selectors.journey_gaps(
            today=today or timezone.localdate(),
            recent_days=settings.READINESS_RECENT_SESSIONS_DAYS,
        ),
        survey_gaps=survey_selectors.appraisal_gaps(
            today=today or timezone.localdate(),
            days=settings.READINESS_RECENT_SESSIONS_DAYS,
        ),
        minor_threshold=settings.READINESS_MINOR_NC_THRESHOLD,
    )
    return readiness, _Extra(evidence, open_count)


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


def readiness_recompute_request(*, schema_name: str, reason: str, **_signal: Any) -> None:
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
    try:
        queue_task(
            "indicators.readiness_recompute_task",
            args=[organisation.pk],
            countdown=DEBOUNCE_SECONDS,
        )
    except Exception:  # broker down: the periodic job catches up
        logger.warning("could not queue readiness for %s; left for the periodic job", schema_name)


# --- Retention ----------------------------------------------------------------------------


def snapshots_thin(*, now: datetime | None = None) -> int:
    """Keep the snapshots of the current schema from growing without bound; returns how many
    were deleted (docs/decisions/0021).

    Kept: every computation of the last READINESS_SNAPSHOTS_KEEP_ALL_DAYS days (the dashboard's
    90-day trend reads them), the last computation of each earlier week (the long trend; so the
    latest snapshot always stays), and any snapshot a row points at (a report drawn from it)
    whatever its age.
    Running it twice deletes nothing the second time.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.READINESS_SNAPSHOTS_KEEP_ALL_DAYS)
    old = ReadinessSnapshot.objects.filter(computed_at__lt=cutoff)
    # One row per week before the cutoff: a few dozen a year.
    weekly = [
        pk
        for pk, _week in old.annotate(week=TruncWeek("computed_at"))
        .order_by("week", "-computed_at", "-pk")
        .distinct("week")
        .values_list("pk", "week")
    ]
    doomed = old.exclude(pk__in=weekly)
    # Whatever points at a snapshot (reports today) keeps it, found from the model's relations
    # so that this app does not import the apps built on it.
    for relation in ReadinessSnapshot._meta.get_fields(include_hidden=True):
        if isinstance(relation, ManyToOneRel):
            column = relation.field.attname
            doomed = doomed.exclude(
                pk__in=relation.related_model._default_manager.filter(
                    **{f"{column}__isnull": False}
                ).values(column)
            )
    deleted, _by_model = doomed.delete()
    return deleted
