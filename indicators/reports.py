"""The readiness report and the audit-prep report: what they contain, drawn from the database.

Both are rendered by a Celery task (`indicators.report_render_task`); the Report row carries the
state the person waits on and, once ready, the stored PDF and the snapshot it reflects.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audits import selectors as audit_selectors
from audits.models import Audit, Finding
from evidence.models import EvidenceItem
from qualiopi_portal.tenancy.models import Organisation

from . import selectors
from .models import Action, ReadinessSnapshot, Report
from .pack import build_pack
from .pdf import render_pdf
from .presentation import indicator_rows_for, readiness_reasons_text, readiness_status_label
from .referential import selectors as referential

logger = logging.getLogger("qualiopi.reports")


@dataclass
class IndicatorSection:
    indicator: object
    status: str
    reasons: list[str]
    evidence: list[EvidenceItem] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return readiness_status_label(self.status)

    @property
    def reason_text(self) -> str:
        return readiness_reasons_text(self.reasons)


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
    for indicator in version.indicators.select_related("criterion").order_by("number"):
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
    return {
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


TEMPLATES = {
    Report.Kind.READINESS: "reports/readiness.html",
    Report.Kind.AUDIT_PREP: "reports/audit_prep.html",
}


def report_request(*, kind: str, audit: Audit | None, requested_by) -> Report:
    """Record the request, then queue the rendering once the row is committed."""
    report = Report.objects.create(kind=kind, audit=audit, requested_by=requested_by)
    schema_name = connection.schema_name
    transaction.on_commit(lambda: _queue(schema_name, report.pk))
    return report


def _queue(schema_name: str, report_pk: int) -> None:
    from .tasks import report_render_task

    try:
        report_render_task.apply_async(args=[schema_name, report_pk])
    except Exception:  # broker down: the periodic job picks queued reports up
        logger.warning("could not queue report %s for %s", report_pk, schema_name)


def report_render(*, organisation: Organisation, report: Report) -> Report:
    """Render now (current schema): a fresh readiness computation, then the PDF.

    A failure leaves a readable reason and no file, never half a document.
    """
    from .services import readiness_recompute

    if report.status == Report.Status.READY:
        return report  # already done (a retried task)
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.RUNNING, started_at=timezone.now(), error=""
    )
    try:
        snapshot = readiness_recompute(organisation=organisation)
        if report.kind == Report.Kind.EVIDENCE_PACK:
            return _store_pack(organisation, report, snapshot)
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
    except Exception as error:
        logger.exception("report %s failed", report.pk)
        report.status = Report.Status.FAILED
        report.error = _("La génération a échoué : %(reason)s") % {
            "reason": str(error)[:300] or error.__class__.__name__
        }
        report.finished_at = timezone.now()
        report.save(update_fields=["status", "error", "finished_at"])
        return report
    name = f"{organisation.schema_name}/reports/{report.kind}-{uuid.uuid4().hex}.pdf"
    report.file.save(name, ContentFile(pdf), save=False)
    report.size = len(pdf)
    report.snapshot = snapshot
    report.status = Report.Status.READY
    report.finished_at = timezone.now()
    report.save(update_fields=["file", "size", "snapshot", "status", "finished_at"])
    return report


def _store_pack(organisation: Organisation, report: Report, snapshot) -> Report:
    name, size = build_pack(organisation=organisation, snapshot=snapshot)
    report.file.name = name
    report.size = size
    report.snapshot = snapshot
    report.status = Report.Status.READY
    report.finished_at = timezone.now()
    report.save(update_fields=["file", "size", "snapshot", "status", "finished_at"])
    return report


def download_name(organisation: Organisation, report: Report) -> str:
    day = (report.finished_at or report.created_at).strftime("%Y-%m-%d")
    prefix, extension = {
        Report.Kind.READINESS: ("preparation-qualiopi", "pdf"),
        Report.Kind.AUDIT_PREP: ("dossier-audit", "pdf"),
        Report.Kind.EVIDENCE_PACK: ("dossier-de-preuves", "zip"),
    }[report.kind]
    return f"{prefix}-{organisation.slug}-{day}.{extension}"


def content_type(report: Report) -> str:
    return "application/zip" if report.kind == Report.Kind.EVIDENCE_PACK else "application/pdf"
