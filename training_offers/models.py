"""Training offers, their versions and sessions (tenant data)."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from qualiopi_portal.accounts.fields import user_fk
from qualiopi_portal.core.models import ChoiceLabels
from qualiopi_portal.tenancy.models import ActionCategory

# The fields indicator 1 asks every offer to publish, in the order the public page shows them.
PUBLIC_FIELDS = (
    ("prerequisites", _("Prérequis")),
    ("objectives", _("Objectifs")),
    ("duration_hours", _("Durée")),
    ("access_modalities", _("Modalités d'accès")),
    ("access_delay", _("Délai d'accès")),
    ("price", _("Tarif")),
    ("contacts", _("Contacts")),
    ("methods", _("Méthodes mobilisées")),
    ("evaluation", _("Modalités d'évaluation")),
    ("accessibility", _("Accessibilité aux personnes en situation de handicap")),
    ("recognition", _("Reconnaissance")),
    ("financing", _("Financements possibles")),
    ("programme", _("Programme")),
)


class CpfCase(models.TextChoices):
    """The cases of Code du travail art. L6323-6, II the portal cannot read from other fields
    (certifications, VAE and bilans de compétences it reads from the offer itself)."""

    DRIVING_LICENCE = (
        "driving_licence",
        _("Préparation du code de la route et du permis de conduire (art. L6323-6, II, 3°)"),
    )
    BUSINESS_CREATION = (
        "business_creation",
        _(
            "Accompagnement et conseil aux créateurs ou repreneurs d'entreprise "
            "(art. L6323-6, II, 4°)"
        ),
    )
    VOLUNTEERS = (
        "volunteers",
        _(
            "Formation de bénévoles, de volontaires en service civique ou de sapeurs-pompiers "
            "volontaires (art. L6323-6, II ; droits du compte d'engagement citoyen seulement)"
        ),
    )


class Offer(ChoiceLabels):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        PUBLISHED = "published", _("Publiée")
        ARCHIVED = "archived", _("Archivée")

    title = models.CharField(_("intitulé"), max_length=200)
    category = models.CharField(
        _("catégorie d'action"), max_length=3, choices=ActionCategory.choices
    )
    is_certifying = models.BooleanField(_("certifiante (RNCP / RS)"), default=False)
    certification_code = models.CharField(
        _("code RNCP ou RS"), max_length=20, blank=True, help_text=_("Par exemple RNCP35185.")
    )
    certifier = models.CharField(_("certificateur de la certification"), max_length=200, blank=True)
    # Guide de lecture V9, indicator 1, « obligations spécifiques » (as quoted by the certifier
    # Certifopac): for certifying offers the information names the certification's exact title,
    # its RNCP/RS code, the certifier and the date the certification was registered.
    certification_title = models.CharField(
        _("intitulé exact de la certification"),
        max_length=300,
        blank=True,
        help_text=_("Tel qu'il figure sur la fiche RNCP ou RS de France compétences."),
    )
    certification_registered_on = models.DateField(
        _("date d'enregistrement de la certification"),
        null=True,
        blank=True,
        help_text=_(
            "La date d'enregistrement au RNCP ou au répertoire spécifique (fiche RNCP/RS)."
        ),
    )
    cpf_other_case = models.CharField(
        _("autre cas d'éligibilité au CPF"),
        max_length=20,
        choices=CpfCase.choices,
        blank=True,
        help_text=_(
            "Pour une offre ni certifiante, ni bilan de compétences, ni VAE : le cas du Code du "
            "travail, art. L6323-6, II, dont elle relève."
        ),
    )
    has_alternance = models.BooleanField(_("en alternance"), default=False)
    has_afest = models.BooleanField(_("AFEST / situations de travail"), default=False)
    prerequisites = models.TextField(_("prérequis"), blank=True)
    objectives = models.TextField(
        _("objectifs opérationnels et évaluables"),
        blank=True,
        help_text=_("Un objectif par ligne, avec un verbe d'action et un critère mesurable."),
    )
    duration_hours = models.DecimalField(
        _("durée (heures)"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    access_modalities = models.TextField(_("modalités d'accès"), blank=True)
    access_delay = models.CharField(_("délai d'accès"), max_length=200, blank=True)
    price = models.DecimalField(
        _("tarif (€ HT)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    price_details = models.CharField(_("précisions sur le tarif"), max_length=300, blank=True)
    contacts = models.TextField(_("contacts"), blank=True)
    methods = models.TextField(_("méthodes mobilisées"), blank=True)
    evaluation = models.TextField(_("modalités d'évaluation"), blank=True)
    accessibility = models.TextField(
        _("accessibilité aux personnes en situation de handicap"), blank=True
    )
    disability_referent = models.CharField(_("référent·e handicap"), max_length=200, blank=True)
    recognition = models.CharField(
        _("type de reconnaissance (V10)"),
        max_length=200,
        blank=True,
        help_text=_("Certificat de réalisation, attestation, certification, diplôme…"),
    )
    financing = models.TextField(_("modalités de financement (V10)"), blank=True)
    programme = models.TextField(_("programme"), blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("offre de formation")
        verbose_name_plural = _("offres de formation")
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title


class OfferVersion(models.Model):
    """What an offer said after each save: the history the auditor may ask for."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    data = models.JSONField()
    saved_by = user_fk(_("enregistrée par"), null=False)
    saved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "number"], name="unique_offer_version")
        ]

    def __str__(self) -> str:
        return f"{self.offer_id} v{self.number}"


class SubcontractorStatus(models.TextChoices):
    CERTIFIED = "certified", _("Certifié Qualiopi")
    MICRO_EXEMPT = (
        "micro_exempt",
        _("Dispensé : micro-entrepreneur sous le plafond du régime micro-social (art. R6333-6-3)"),
    )
    NOT_CERTIFIED = "not_certified", _("Non certifié")


class Session(ChoiceLabels):
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="sessions")
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"))
    place = models.CharField(_("lieu"), max_length=200, blank=True)
    is_remote = models.BooleanField(_("à distance"), default=False)
    trainers = models.CharField(_("formateur·rices"), max_length=300, blank=True)
    # Who delivers a subcontracted session, and whether it is Qualiopi-certified: for CPF
    # sessions since 1 April 2024 the subcontractor must be (Code du travail art. L6323-9-2;
    # micro-entrepreneurs under the micro-social ceiling are exempt, art. R6333-6-3, décret
    # n° 2023-1350 du 28 décembre 2023).
    subcontractor = models.CharField(
        _("sous-traitant"),
        max_length=200,
        blank=True,
        help_text=_("L'organisme ou la personne qui réalise la session pour vous ; vide sinon."),
    )
    subcontractor_status = models.CharField(
        _("certification Qualiopi du sous-traitant"),
        max_length=20,
        choices=SubcontractorStatus.choices,
        blank=True,
    )
    enrolled = models.PositiveIntegerField(_("inscrit·es"), default=0)
    price = models.DecimalField(
        _("prix de la session (€ HT)"),
        max_digits=11,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Ce que l'organisme facture pour toute la session, tous financeurs confondus."),
    )
    completed = models.PositiveIntegerField(_("parcours terminés"), default=0)
    dropouts = models.PositiveIntegerField(_("abandons"), default=0)
    dropout_reasons = models.TextField(_("motifs d'abandon"), blank=True)
    certification_candidates = models.PositiveIntegerField(
        _("candidat·es à la certification"), default=0
    )
    certification_passed = models.PositiveIntegerField(_("certifié·es"), default=0)
    hot_average = models.DecimalField(
        _("satisfaction à chaud (sur 10)"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    hot_responses = models.PositiveIntegerField(_("réponses à chaud"), default=0)
    cold_average = models.DecimalField(
        _("satisfaction à froid (sur 10)"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    cold_responses = models.PositiveIntegerField(_("réponses à froid"), default=0)
    recommend_yes = models.PositiveIntegerField(_("recommanderaient la formation"), default=0)
    recommend_responses = models.PositiveIntegerField(
        _("réponses sur la recommandation"), default=0
    )
    # Filled from the surveys app (invitations and answers), never typed: the response rate and
    # the insertion rate published with the results (indicator 2).
    hot_invited = models.PositiveIntegerField(_("interrogé·es à chaud"), default=0)
    hot_answered = models.PositiveIntegerField(_("ont répondu à chaud"), default=0)
    cold_invited = models.PositiveIntegerField(_("interrogé·es à froid"), default=0)
    cold_answered = models.PositiveIntegerField(_("ont répondu à froid"), default=0)
    employed = models.PositiveIntegerField(_("en emploi à froid"), default=0)
    employment_responses = models.PositiveIntegerField(
        _("réponses sur la situation à froid"), default=0
    )

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-starts_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.offer_id} {date_format(self.starts_on, 'SHORT_DATE_FORMAT')}"
