"""The readiness report and the audit-prep report: what they contain, drawn from the database.

Both are rendered by a Celery task (`reports.tasks.report_render_task`); the Report row carries the
state the person waits on and, once ready, the stored PDF and the snapshot it reflects. A message
may be delivered twice and a worker may die mid-rendering: the row is claimed before any work and
every write after that is conditional on the claim, so each report ends with one snapshot and one
file (docs/decisions/0011-lost-work.md).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audits import selectors as audit_selectors
from audits.models import Audit, Finding
from evidence.models import EvidenceItem
from improvement.models import Action
from indicators import selectors
from indicators.models import ReadinessSnapshot
from indicators.presentation import ReadinessLabels, indicator_rows_for
from indicators.referential import selectors as referential
from indicators.services import readiness_recompute
from qualiopi_portal.core.pdf import render_pdf
from qualiopi_portal.core.queue import queue_task
from qualiopi_portal.core.tenants import current_schema_name
from qualiopi_portal.core.workers import worker_incarnation
from qualiopi_portal.tenancy.models import Organisation
from training_offers import selectors as offer_selectors

from .models import Report
from .pack import build_pack

logger = logging.getLogger("qualiopi.reports")


@dataclass
class IndicatorSection(ReadinessLabels):
    indicator: object
    status: str
    reasons: list[str]
    evidence: list[EvidenceItem] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)


def _sections(snapshot: ReadinessSnapshot, version) -> dict[int, list[IndicatorSection]]:
    """Per criterion, each applicable indicator with its evidence, open findings and actions."""
    statuses = {item["number"]: item for item in snapshot.result["indicators"]}
    evidence: dict[int, list[EvidenceItem]] = {}
    for item in EvidenceItem.objects.filter(is_archived=False).order_by("title"):
        for number in item.indicator_numbers:
            evidence.setdefault(number, []).append(item)
    findings: dict[int, list[Finding]] = {}
    for finding in audit_selectors.open_findings():
        findings.setdefault(finding.indicator_number, []).append(finding)
    actions: dict[int, list[Action]] = {}
    for action in Action.objects.filter(status__in=Action.OPEN_STATUSES).select_related("owner"):
        for number in action.indicator_numbers:
            actions.setdefault(number, []).append(action)
    sections: dict[int, list[IndicatorSection]] = {}
    for indicator in referential.indicators_of(version):
        state = statuses.get(indicator.number)
        if state is None or state["status"] == "not_applicable":
            continue
        sections.setdefault(indicator.criterion.number, []).append(
            IndicatorSection(
                indicator,
                state["status"],
                state["reasons"],
                evidence.get(indicator.number, []),
                findings.get(indicator.number, []),
                actions.get(indicator.number, []),
            )
        )
    return sections


def readiness_context(organisation: Organisation, snapshot: ReadinessSnapshot) -> dict:
    version = referential.version_get(code=snapshot.version_code)
    _result, rows = indicator_rows_for(organisation, version)
    sections = _sections(snapshot, version)
    today = timezone.localdate()
    # The results the public catalogue publishes (indicator 2), with the same charts.
    results = offer_selectors.period_results(
        start=offer_selectors.last_twelve_months(today), today=today
    )
    return {
        "results": results,
        "results_charts": offer_selectors.results_charts(results),
        "organisation": organisation,
        "version": version,
        "snapshot": snapshot,
        "panel": selectors.readiness_panel(),
        "criteria": [
            {"criterion": criterion, "sections": sections.get(criterion.number, [])}
            for criterion in version.criteria.order_by("number")
        ],
        "actions": list(
            Action.objects.filter(status__in=Action.OPEN_STATUSES).select_related("owner")
        ),
        "applicable_rows": [row for row in rows if row.applicable],
        "excluded_rows": [row for row in rows if not row.applicable],
        "days_to_audit": (snapshot.target_date - today).days,
        "generated_at": timezone.now(),
        "today": today,
    }


def audit_prep_context(organisation: Organisation, snapshot: ReadinessSnapshot, audit: Audit):
    context = readiness_context(organisation, snapshot)
    context.update(
        {
            "audit": audit,
            "slots": list(audit.slots.all()),
            "audit_findings": list(audit.findings.order_by("indicator_number", "pk")),
            "open_findings": list(audit_selectors.open_findings()),
        }
    )
    return context


TEMPLATES: dict[str, str] = {
    Report.Kind.READINESS: "reports/readiness.html",
    Report.Kind.AUDIT_PREP: "reports/audit_prep.html",
}


def report_request(*, kind: str, audit: Audit | None, requested_by) -> Report:
    """Record the request, then queue the rendering once the row is committed."""
    report = Report.objects.create(kind=kind, audit=audit, requested_by=requested_by)
    schema_name = current_schema_name()
    transaction.on_commit(lambda: _queue(schema_name, report.pk))
    return report


def _queue(schema_name: str, report_pk: int) -> None:
    try:
        queue_task("indicators.report_render_task", args=[schema_name, report_pk])
    except Exception:  # broker down: the periodic job picks queued reports up
        logger.warning("could not queue report %s for %s", report_pk, schema_name)


class _Superseded(Exception):
    """The claim was taken over (this rendering outlived the stale limit): drop its work."""


def report_claim(*, report_pk: int) -> int | None:
    """Take the report for one rendering and return the attempt number, or None if not ours.

    Claimable: queued, or running for longer than any rendering may live (the hard time limit
    is below `REPORT_STALE_AFTER_S`, so that renderer is gone). The row lock makes two deliveries
    of one message agree on a single renderer. A dead claim made by the worker incarnation still
    running here died by itself (its pool process was killed: hard time limit, out of memory)
    and counts as a failure; one made by another incarnation lost its worker and does not, so a
    restart or a killed worker never costs a user their document. A report fails for good after
    `REPORT_MAX_FAILURES` failures, or `REPORT_MAX_ATTEMPTS` claims in all: a document that
    kills its worker every time must not loop for ever.
    """
    stale = timezone.now() - timedelta(seconds=settings.REPORT_STALE_AFTER_S)
    claimable = Q(status=Report.Status.QUEUED) | Q(
        status=Report.Status.RUNNING, started_at__lt=stale
    )
    incarnation = worker_incarnation()
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(skip_locked=True)
            .filter(claimable, pk=report_pk)
            .first()
        )
        if report is None:
            return None  # ready, failed, being rendered, or being claimed right now
        _discard_attempt_files(report, up_to=report.attempts)
        if report.status == Report.Status.RUNNING and report.claimed_by == incarnation:
            report.failures += 1
        report.started_at = timezone.now()
        if report.failures >= settings.REPORT_MAX_FAILURES:
            _abandon(report, _failures_reason(report.failures))
            return None
        if report.attempts >= settings.REPORT_MAX_ATTEMPTS:
            _abandon(
                report,
                _("La génération a été interrompue %(count)s fois ; demandez un nouveau document.")
                % {"count": report.attempts},
            )
            return None
        report.attempts += 1
        report.status = Report.Status.RUNNING
        report.claimed_by = incarnation
        report.error = ""
        report.save(
            update_fields=["attempts", "failures", "status", "claimed_by", "error", "started_at"]
        )
        return report.attempts


def _failures_reason(count: int) -> str:
    return _(
        "La génération n'a pas abouti %(count)s fois dans le temps imparti ; demandez un "
        "nouveau document."
    ) % {"count": count}


def _abandon(report: Report, reason: str) -> None:
    """Fail the report for good, with its reason (inside the caller's transaction)."""
    report.status = Report.Status.FAILED
    report.error = reason
    report.finished_at = timezone.now()
    report.save(update_fields=["status", "error", "failures", "started_at", "finished_at"])
    logger.warning(
        "report %s abandoned after %s attempts, %s failed",
        report.pk,
        report.attempts,
        report.failures,
    )
    return None


def _timed_out(report: Report, attempt: int) -> None:
    """The soft time limit cut this attempt short: a failure, tried again while any are left.

    On a busy server a rendering can outlive its limit once and succeed later; a document that
    never fits in the limit ends failed after REPORT_MAX_FAILURES tries, with a reason.
    """
    with transaction.atomic():
        claim = _claimed(report.pk, attempt).select_for_update().first()
        if claim is None:
            return  # taken over meanwhile
        claim.failures += 1
        if claim.failures >= settings.REPORT_MAX_FAILURES:
            _discard_attempt_files(claim, up_to=claim.attempts)  # half a ZIP, say
            _abandon(claim, _failures_reason(claim.failures))
            return
        claim.status = Report.Status.QUEUED
        claim.claimed_by = ""
        claim.queued_at = timezone.now()
        claim.save(update_fields=["failures", "status", "claimed_by", "queued_at"])
        schema_name = current_schema_name()
        transaction.on_commit(lambda: _queue(schema_name, report.pk))
    logger.warning("report %s: attempt %s hit the time limit, queued again", report.pk, attempt)


def _claimed(report_pk: int, attempt: int):
    """The report, only while this attempt's claim still holds."""
    return Report.objects.filter(pk=report_pk, status=Report.Status.RUNNING, attempts=attempt)


def _reloaded(report: Report) -> Report:
    """The row as stored, its snapshot loaded while the schema is still the report's."""
    return Report.objects.select_related("snapshot", "audit").get(pk=report.pk)


def _file_name(report: Report, attempt: int) -> str:
    """One name per attempt (current schema): a retry knows what dead attempts may have left."""
    extension = "zip" if report.kind == Report.Kind.EVIDENCE_PACK else "pdf"
    return f"{current_schema_name()}/reports/{report.kind}-{report.pk}-{attempt}.{extension}"


def _discard_attempt_files(report: Report, *, up_to: int) -> None:
    """Files of dead attempts (complete or cut short), never referenced by a ready report."""
    for attempt in range(1, up_to + 1):
        report.file.storage.delete(_file_name(report, attempt))


def _snapshot_for(organisation: Organisation, report: Report, attempt: int) -> ReadinessSnapshot:
    """The computation this report draws from, made once per report.

    Stored on the report in the same transaction as the snapshot, so a retry after a lost worker
    finishes the document with the computation it started from (the PDF names it), and a dead
    attempt leaves no snapshot behind.
    """

    if report.snapshot is not None:  # loaded with the report (_reloaded)
        return report.snapshot
    with transaction.atomic():
        snapshot = readiness_recompute(organisation=organisation)
        if not _claimed(report.pk, attempt).update(snapshot=snapshot):
            raise _Superseded
    return snapshot


def report_render(*, organisation: Organisation, report: Report) -> Report:
    """Render now (current schema): the readiness computation, then the PDF.

    Safe to call twice for the same report: only a claimable report is rendered. A failure
    leaves a readable reason and no file, never half a document.
    """
    attempt = report_claim(report_pk=report.pk)
    if attempt is None:
        return _reloaded(report)  # already done, failed, or in another worker's hands
    report = _reloaded(report)
    try:
        snapshot = _snapshot_for(organisation, report, attempt)
        if report.kind == Report.Kind.EVIDENCE_PACK:
            return _store_pack(organisation, report, snapshot, attempt)
        if report.kind == Report.Kind.AUDIT_PREP:
            if report.audit is None:
                raise ValueError(_("L'audit de ce dossier a été supprimé."))
            context = audit_prep_context(organisation, snapshot, report.audit)
        else:
            context = readiness_context(organisation, snapshot)
        context["report"] = report
        pdf, refused = render_pdf(TEMPLATES[report.kind], context)
        if refused:
            logger.warning("report %s: %s refused fetches", report.pk, len(refused))
    except _Superseded:
        logger.warning("report %s: attempt %s was taken over", report.pk, attempt)
        return _reloaded(report)
    except SoftTimeLimitExceeded:
        _timed_out(report, attempt)
        return _reloaded(report)
    except Exception as error:
        logger.exception("report %s failed", report.pk)
        _claimed(report.pk, attempt).update(
            status=Report.Status.FAILED,
            error=_("La génération a échoué : %(reason)s")
            % {"reason": str(error)[:300] or error.__class__.__name__},
            finished_at=timezone.now(),
        )
        return _reloaded(report)
    name = _file_name(report, attempt)
    storage = report.file.storage
    storage.delete(name)  # a leftover (schema recreated) would make save() choose another name
    stored = storage.save(name, ContentFile(pdf))
    done = _claimed(report.pk, attempt).update(
        file=stored,
        size=len(pdf),
        status=Report.Status.READY,
        finished_at=timezone.now(),
    )
    if not done:  # taken over meanwhile: the newer attempt owns the result
        storage.delete(stored)
    return _reloaded(report)


def _store_pack(
    organisation: Organisation, report: Report, snapshot: ReadinessSnapshot, attempt: int
) -> Report:
    name, size = build_pack(
        organisation=organisation, snapshot=snapshot, name=_file_name(report, attempt)
    )
    done = _claimed(report.pk, attempt).update(
        file=name, size=size, status=Report.Status.READY, finished_at=timezone.now()
    )
    if not done:
        report.file.storage.delete(name)
    return _reloaded(report)


def download_name(organisation: Organisation, report: Report) -> str:
    day = (report.finished_at or report.created_at).strftime("%Y-%m-%d")
    names: dict[str, tuple[str, str]] = {
        Report.Kind.READINESS: ("preparation-qualiopi", "pdf"),
        Report.Kind.AUDIT_PREP: ("dossier-audit", "pdf"),
        Report.Kind.EVIDENCE_PACK: ("dossier-de-preuves", "zip"),
    }
    prefix, extension = names[report.kind]
    return f"{prefix}-{organisation.slug}-{day}.{extension}"


def content_type(report: Report) -> str:
    return "application/zip" if report.kind == Report.Kind.EVIDENCE_PACK else "application/pdf"
