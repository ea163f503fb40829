"""The RNQ referential as versioned data (public schema): versions, criteria, indicators.

Loaded from fixtures/rnq/<version>.yaml by `python manage.py referential load`; never edited
through the UI. Tenant data links to indicators by number so V9 work counts under V10.
"""

from __future__ import annotations

from datetime import date

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReferentialVersion(models.Model):
    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    legal_source = models.CharField(_("source juridique"), max_length=300)
    in_force_from = models.DateField(_("en vigueur à partir du"))
    in_force_until = models.DateField(_("en vigueur jusqu'au"), null=True, blank=True)
    source_sha256 = models.CharField(max_length=64, blank=True)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("version du référentiel")
        verbose_name_plural = _("versions du référentiel")
        ordering = ["in_force_from"]

    def __str__(self) -> str:
        return self.name

    def is_in_force_on(self, day: date) -> bool:
        return self.in_force_from <= day and (
            self.in_force_until is None or day <= self.in_force_until
        )


class Criterion(models.Model):
    version = models.ForeignKey(
        ReferentialVersion, on_delete=models.CASCADE, related_name="criteria"
    )
    number = models.PositiveSmallIntegerField(_("numéro"))
    title = models.TextField(_("intitulé"))

    class Meta:
        verbose_name = _("critère")
        verbose_name_plural = _("critères")
        ordering = ["version", "number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="unique_criterion_number")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Applicability(models.TextChoices):
    """When an indicator applies to one action category."""

    ALWAYS = "always", _("toujours")
    NEVER = "never", _("jamais")
    CERTIFYING = "certifying", _("si actions certifiantes")
    ALTERNANCE = "alternance", _("si alternance")
    WORK_SITUATION = "work_situation", _("si périodes en situation de travail")
    SUBCONTRACTING = "subcontracting", _("si sous-traitance ou portage salarial")


class Reason(models.TextChoices):
    """Why an indicator applies."""

    COMMON = "common", _("indicateur commun")
    CERTIFICATION = "certification", _("certification professionnelle")
    ALTERNANCE = "alternance", _("alternance")
    WORK_SITUATION = "work_situation", _("périodes en situation de travail")
    APPRENTICESHIP = "apprenticeship", _("apprentissage")
    SUBCONTRACTING = "subcontracting", _("sous-traitance ou portage salarial")


class ChangeKind(models.TextChoices):
    UNCHANGED = "unchanged", _("inchangé")
    REWORDED = "reworded", _("reformulé")
    FORM_ONLY = "form_only", _("modification de forme")
    NEW = "new", _("nouveau")


class Indicator(models.Model):
    version = models.ForeignKey(
        ReferentialVersion, on_delete=models.CASCADE, related_name="indicators"
    )
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="indicators")
    number = models.PositiveSmallIntegerField(_("numéro"))
    title = models.CharField(_("intitulé court"), max_length=120)
    requirement = models.TextField(_("exigence"))
    requirement_is_official = models.BooleanField(_("texte officiel"), default=True)
    expected_level = models.TextField(_("niveau attendu"))
    applies_af = models.CharField(max_length=20, choices=Applicability.choices)
    applies_bc = models.CharField(max_length=20, choices=Applicability.choices)
    applies_vae = models.CharField(max_length=20, choices=Applicability.choices)
    applies_app = models.CharField(max_length=20, choices=Applicability.choices)
    reason = models.CharField(_("motif d'application"), max_length=20, choices=Reason.choices)
    is_fundamental = models.BooleanField(_("indicateur fondamental"), default=False)
    is_new_entrant_deferred = models.BooleanField(
        _("nouvel entrant : pratique vérifiée à l'audit de surveillance"), default=False
    )
    is_in_reduced_audit = models.BooleanField(
        _("dans l'audit allégé (ex-label CNEFOP)"), default=False
    )
    may_be_not_applicable = models.BooleanField(
        _("peut être déclaré non applicable"), default=False
    )
    not_applicable_note = models.TextField(blank=True)
    typical_evidence = ArrayField(models.TextField(), verbose_name=_("preuves types"), default=list)
    frequent_nonconformities = ArrayField(
        models.TextField(), verbose_name=_("non-conformités fréquentes"), default=list
    )
    top_nc_rank = models.PositiveSmallIntegerField(
        _("rang parmi les 10 NC les plus fréquentes"), null=True, blank=True
    )
    change_kind = models.CharField(max_length=12, choices=ChangeKind.choices)
    changes_from_v9 = models.TextField(_("évolutions par rapport à la V9"), blank=True)

    class Meta:
        verbose_name = _("indicateur")
        verbose_name_plural = _("indicateurs")
        ordering = ["version", "number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="unique_indicator_number")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def applicability_for(self, category: str) -> str:
        return getattr(self, f"applies_{category.lower()}")
