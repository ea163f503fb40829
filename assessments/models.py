"""Self-assessment campaigns (tenant data): respondents answer the five steps per indicator,
a reviewer sets the agreed rating. The tables keep the names they had in `indicators`."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from qualiopi_portal.accounts.fields import user_fk


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
        db_table = "indicators_campaign"  # created as indicators.Campaign (docs/decisions/0016)
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
        db_table = "indicators_respondent"  # created as indicators.Respondent (docs/decisions/0016)
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
        db_table = "indicators_answer"  # created as indicators.Answer (docs/decisions/0016)
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
        db_table = (
            "indicators_agreedrating"  # created as indicators.AgreedRating (docs/decisions/0016)
        )
        verbose_name = _("appréciation retenue")
        verbose_name_plural = _("appréciations retenues")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "indicator_number"], name="unique_agreed_rating"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.indicator_number}: {self.rating}"
