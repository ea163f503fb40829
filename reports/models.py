"""Generated documents (tenant data): PDFs and evidence packs with the state the person waits
on. The table keeps the name it had in `indicators`."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from qualiopi_portal.accounts.fields import user_fk
from qualiopi_portal.core.models import ChoiceLabels


def _report_storage():
    from evidence.storage import get_evidence_storage

    return get_evidence_storage()


class Report(ChoiceLabels):
    """A generated PDF, with the state the person waits on (queued → running → ready/failed)."""

    class Kind(models.TextChoices):
        READINESS = "readiness", _("Rapport de préparation")
        AUDIT_PREP = "audit_prep", _("Dossier de préparation d'audit")
        EVIDENCE_PACK = "evidence_pack", _("Dossier de preuves pour le certificateur (ZIP)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("En file d'attente")
        RUNNING = "running", _("En cours")
        READY = "ready", _("Prêt")
        FAILED = "failed", _("Échec")

    kind = models.CharField(_("document"), max_length=20, choices=Kind.choices)
    audit = models.ForeignKey(
        "audits.Audit", on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    error = models.TextField(_("motif de l'échec"), blank=True)
    file = models.FileField(storage=_report_storage, max_length=300, blank=True)
    size = models.PositiveIntegerField(default=0)
    # What the document reflects: the readiness computation it was drawn from.
    snapshot = models.ForeignKey(
        "indicators.ReadinessSnapshot",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_by = user_fk(_("demandé par"), null=False)
    created_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("généré le"), null=True, blank=True)
    # When its last message was sent: the sweep sends another only once that one is surely lost.
    queued_at = models.DateTimeField(default=timezone.now)
    # Renderings that claimed the report, a lost worker's included (see reports.report_claim).
    attempts = models.PositiveSmallIntegerField(default=0)
    # Of those, the ones that ended by themselves (time limit, pool process killed in a live
    # worker): only these count against REPORT_MAX_FAILURES.
    failures = models.PositiveSmallIntegerField(default=0)
    # The worker incarnation holding the current claim (core.workers.worker_incarnation).
    claimed_by = models.CharField(max_length=120, blank=True)

    class Meta:
        db_table = "indicators_report"  # created as indicators.Report (docs/decisions/0016)
        verbose_name = _("rapport")
        verbose_name_plural = _("rapports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {date_format(self.created_at, 'SHORT_DATETIME_FORMAT')}"
