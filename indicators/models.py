"""Readiness snapshots (tenant data): one row per computation, for the dashboard and the trend."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    CERTIFIABLE = "certifiable", _("Certifiable")
    CERTIFIABLE_WITH_MINORS = "certifiable_with_minors", _("Certifiable avec NC mineures")
    NOT_CERTIFIABLE = "not_certifiable", _("Non certifiable en l'état")


class ReadinessSnapshot(models.Model):
    """The result of one readiness computation. Never updated: a new computation adds a row."""

    computed_at = models.DateTimeField(_("calculé le"), auto_now_add=True, db_index=True)
    version_code = models.CharField(_("version du référentiel"), max_length=10)
    target_date = models.DateField(_("date d'audit visée"))
    overall_percent = models.FloatField(_("préparation (%)"))
    outcome = models.CharField(_("issue prévisible"), max_length=30, choices=Outcome.choices)
    predicted_major = models.PositiveSmallIntegerField(_("NC majeures prévisibles"))
    predicted_minor = models.PositiveSmallIntegerField(_("NC mineures prévisibles"))
    result = models.JSONField(_("détail"))

    class Meta:
        verbose_name = _("calcul de préparation")
        verbose_name_plural = _("calculs de préparation")
        ordering = ["-computed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.computed_at:%Y-%m-%d %H:%M} {self.overall_percent} %"


def _report_storage():
    """Referenced by migrations 0004–0007, written when reports lived here (now reports.models)."""
    from evidence.storage import get_evidence_storage

    return get_evidence_storage()
