"""Readiness snapshots (tenant data): one row per computation, for the dashboard and the trend."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from qualiopi_portal.accounts.fields import user_fk


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


class Rating(models.TextChoices):
    """A self-assessment rating; the values are the readiness engine's `Rating` codes."""

    CONFORM = "conform", _("Conforme")
    MINOR = "nc_minor", _("NC mineure")
    MAJOR = "nc_major", _("NC majeure")
    NOT_APPLICABLE = "not_applicable", _("Non applicable")


class Campaign(models.Model):
    """A self-assessment run: several respondents answer the five steps for every indicator,
    then a reviewer (consultant, "tiers" or "pair") sets the agreed rating per indicator."""

    class Status(models.TextChoices):
        OPEN = "open", _("Réponses en cours")
        REVIEW = "review", _("Revue en cours")
        CLOSED = "closed", _("Clôturée")

    title = models.CharField(_("intitulé"), max_length=200)
    version_code = models.CharField(_("version du référentiel"), max_length=10)
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    created_by = user_fk(_("créée par"), null=False)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    closed_at = models.DateTimeField(_("clôturée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("campagne d'autoévaluation")
        verbose_name_plural = _("campagnes d'autoévaluation")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class Respondent(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="respondents")
    user = user_fk(_("répondant·e"), null=False)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("répondant·e")
        verbose_name_plural = _("répondant·es")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="unique_respondent"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.user_id}"


class Answer(models.Model):
    """One respondent's five steps for one indicator (step 1, the expected level, is read from
    the referential and not stored)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="answers")
    respondent = user_fk(_("répondant·e"), null=False)
    indicator_number = models.PositiveSmallIntegerField(_("indicateur"))
    process = models.TextField(_("votre processus, avec vos mots"), blank=True)
    evidence = models.ManyToManyField(
        "evidence.EvidenceItem", blank=True, related_name="+", verbose_name=_("preuves identifiées")
    )
    rating = models.CharField(
        _("autoévaluation"), max_length=20, choices=Rating.choices, blank=True
    )
    justification = models.TextField(_("justification de la non-applicabilité"), blank=True)
    corrective_actions = models.TextField(_("actions correctives"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("réponse")
        verbose_name_plural = _("réponses")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "respondent", "indicator_number"], name="unique_answer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.indicator_number}: {self.rating}"


class AgreedRating(models.Model):
    """The review step: the reviewer's comment and the rating everyone agrees on."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="agreed")
    indicator_number = models.PositiveSmallIntegerField(_("indicateur"))
    rating = models.CharField(_("appréciation retenue"), max_length=20, choices=Rating.choices)
    justification = models.TextField(_("justification de la non-applicabilité"), blank=True)
    comment = models.TextField(_("commentaire de la revue"), blank=True)
    reviewed_by = user_fk(_("revu par"), null=False)
    reviewed_at = models.DateTimeField(_("revu le"), auto_now=True)

    class Meta:
        verbose_name = _("appréciation retenue")
        verbose_name_plural = _("appréciations retenues")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "indicator_number"], name="unique_agreed_rating"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.indicator_number}: {self.rating}"


class Action(models.Model):
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
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
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


def _report_storage():
    from evidence.storage import get_evidence_storage

    return get_evidence_storage()


class Report(models.Model):
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
        ReadinessSnapshot, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
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
        verbose_name = _("rapport")
        verbose_name_plural = _("rapports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {date_format(self.created_at, 'SHORT_DATETIME_FORMAT')}"
