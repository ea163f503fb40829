"""Funding plans of sessions, their service-fait documents, and the certification budget
(tenant data). The routes themselves are the shared catalogue (catalogue.py), referred to by code.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from qualiopi_portal.accounts.fields import user_fk
from qualiopi_portal.core.models import ChoiceLabels

from .budget import DEFAULTS

ZERO = Decimal("0")


def _money(label, **kwargs):
    return models.DecimalField(
        label, max_digits=11, decimal_places=2, validators=[MinValueValidator(ZERO)], **kwargs
    )


def _days(label, **kwargs):
    return models.DecimalField(
        label, max_digits=5, decimal_places=1, validators=[MinValueValidator(ZERO)], **kwargs
    )


class FundingLine(ChoiceLabels):
    """One financer's share of one session."""

    session = models.ForeignKey(
        "training_offers.Session", on_delete=models.CASCADE, related_name="funding_lines"
    )
    route_code = models.CharField(_("voie de financement"), max_length=40)
    catalogue_version = models.CharField(max_length=20)
    financer = models.CharField(
        _("financeur"),
        max_length=200,
        blank=True,
        help_text=_("Par exemple « OPCO Atlas » ou « Région Occitanie »."),
    )
    reference = models.CharField(_("n° d'accord de prise en charge"), max_length=100, blank=True)
    trainees = models.PositiveIntegerField(_("stagiaires financés"), default=1)
    hours_planned = _days(_("heures prévues (tous stagiaires financés)"))
    hours_present = _days(
        _("heures de présence"),
        null=True,
        blank=True,
        help_text=_("Laissez vide tant que les feuilles d'émargement ne sont pas complètes."),
    )
    amount = _money(_("montant accordé (€ HT)"))
    created_by = user_fk(_("saisi par"), null=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ligne de financement")
        verbose_name_plural = _("plan de financement")
        ordering = ["session", "pk"]

    def __str__(self) -> str:
        return f"{self.session_id} {self.route_code} {self.amount}"


class SessionDocument(models.Model):
    """An evidence item filed as one expected service-fait document of a session."""

    session = models.ForeignKey(
        "training_offers.Session", on_delete=models.CASCADE, related_name="funding_documents"
    )
    key = models.CharField(max_length=80)
    evidence = models.ForeignKey(
        "evidence.EvidenceItem",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("preuve"),
    )
    linked_by = user_fk(_("rattachée par"), null=False)
    linked_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("pièce de service fait")
        verbose_name_plural = _("pièces de service fait")
        constraints = [
            models.UniqueConstraint(fields=["session", "key"], name="unique_session_document")
        ]

    def __str__(self) -> str:
        return f"{self.session_id} {self.key}"


class CertificationBudget(models.Model):
    """The organisation's assumptions for its three-year certification budget (one row)."""

    cycle_start_year = models.PositiveSmallIntegerField(_("première année du cycle"))
    internal_days = _days(_("jours de mise en conformité (année 1)"), default=ZERO)
    internal_days_per_following_year = _days(
        _("jours de suivi interne par an (années 2 et 3)"), default=ZERO
    )
    internal_day_cost = _money(_("coût d'une journée interne (€)"), default=ZERO)
    accompaniment_package = _money(
        _("forfait d'accompagnement (€ HT)"), default=DEFAULTS["accompaniment_package"]
    )
    accompaniment_extra_days = _days(
        _("journées d'accompagnement supplémentaires"),
        default=DEFAULTS["accompaniment_extra_days"],
    )
    accompaniment_extra_day_rate = _money(
        _("prix d'une journée supplémentaire (€ HT)"),
        default=DEFAULTS["accompaniment_extra_day_rate"],
    )
    file_fee = _money(_("dossier de certification (€ HT)"), default=DEFAULTS["file_fee"])
    # Seed 002 prices an audit, not a day: « Le coût d'un audit est en moyenne de 500€HT ».
    audit_cost = _money(
        _("coût d'un audit (€ HT)"),
        default=DEFAULTS["audit_cost"],
        help_text=_("Par audit, quelle que soit sa durée, déplacement de l'auditeur compris."),
    )
    initial_audit_days = _days(
        _("jours d'audit initial"),
        null=True,
        blank=True,
        help_text=_("Laissez vide pour reprendre le calcul de durée d'audit."),
    )
    surveillance_audit_days = _days(
        _("jours d'audit de surveillance"),
        null=True,
        blank=True,
        help_text=_("Laissez vide pour reprendre le calcul de durée d'audit."),
    )
    renewal_audit_days = _days(
        _("jours d'audit de renouvellement"),
        null=True,
        blank=True,
        help_text=_("Laissez vide pour reprendre le calcul de durée d'audit."),
    )
    annual_fee = _money(_("redevance annuelle (€ HT)"), default=DEFAULTS["annual_fee"])
    quality_training_funding = _money(
        _("financement obtenu pour la démarche qualité (€)"),
        default=ZERO,
        help_text=_("Prise en charge de la formation du référent ou de l'audit à blanc."),
    )
    updated_by = user_fk(_("modifié par"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("budget de certification")
        verbose_name_plural = _("budgets de certification")

    def __str__(self) -> str:
        return str(self.cycle_start_year)
