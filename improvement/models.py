"""The plan de progrès (tenant data): improvement actions with their origin. The table keeps
the name it had in `indicators`."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _

from qualiopi_portal.accounts.fields import user_fk
from qualiopi_portal.core.models import ChoiceLabels


class Action(ChoiceLabels):
    """One line of the plan de progrès."""

    class Status(models.TextChoices):
        TODO = "todo", _("À faire")
        IN_PROGRESS = "in_progress", _("En cours")
        DONE = "done", _("Réalisée")
        CANCELLED = "cancelled", _("Abandonnée")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Saisie")
        SELF_ASSESSMENT = "self_assessment", _("Autoévaluation")
        GAP = "gap", _("Écart de préparation")
        FINDING = "finding", _("Constat d'audit")
        SURVEY = "survey", _("Réponse d'enquête")

    OPEN_STATUSES = (Status.TODO, Status.IN_PROGRESS)

    title = models.CharField(_("action"), max_length=300)
    description = models.TextField(_("précisions"), blank=True)
    indicator_numbers = ArrayField(
        models.PositiveSmallIntegerField(), verbose_name=_("indicateurs"), default=list
    )
    owner = user_fk(_("responsable"), null=False)
    due_date = models.DateField(_("échéance"))
    status = models.CharField(
        _("état"), max_length=12, choices=Status.choices, default=Status.TODO, db_index=True
    )
    completion_evidence = models.ForeignKey(
        "evidence.EvidenceItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("preuve de réalisation"),
    )
    completion_note = models.TextField(_("constat de réalisation"), blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MANUAL)
    campaign = models.ForeignKey(
        "assessments.Campaign",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
    )
    # The corrective actions of an audit's non-conformity.
    finding = models.ForeignKey(
        "audits.Finding",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("non-conformité"),
    )
    created_by = user_fk(_("créée par"), null=False)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    completed_at = models.DateTimeField(_("réalisée le"), null=True, blank=True)

    class Meta:
        db_table = "indicators_action"  # created as indicators.Action (docs/decisions/0016)
        verbose_name = _("action du plan de progrès")
        verbose_name_plural = _("plan de progrès")
        ordering = ["due_date", "pk"]
        indexes = [GinIndex(fields=["indicator_numbers"], name="action_indicators_gin")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def is_overdue(self, today) -> bool:
        return self.is_open and self.due_date < today
