"""Evidence library (tenant data): items, their file versions, review, comments and history.

Items link to indicators by *number*, not by foreign key to one referential version, so that
work filed under V9 still counts under V10 (indicators 1–32 keep their numbers).
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _

from qualiopi_portal.accounts.fields import user_fk
from qualiopi_portal.core.models import ChoiceLabels

from .storage import get_evidence_storage


class Kind(models.TextChoices):
    PROCEDURE = "procedure", _("Procédure")
    TEMPLATE = "template", _("Modèle / trame")
    RECORD = "record", _("Trace de mise en œuvre")
    PUBLISHED = "published", _("Information publiée")
    CONTRACT = "contract", _("Contrat / convention")
    QUALIFICATION = "qualification", _("CV / qualification")
    SURVEY = "survey", _("Résultat d'enquête")
    OTHER = "other", _("Autre")


class Responsibility(models.TextChoices):
    ORGANISATION = "organisation", _("L'organisme")
    CONTRIBUTOR = "contributor", _("Un·e formateur·rice ou sous-traitant")


class ChecklistEntry(models.Model):
    """One piece expected from every trainer or subcontractor (configurable per organisation)."""

    class Frequency(models.TextChoices):
        ONCE = "once", _("Une fois")
        PER_ACTION = "per_action", _("Pour chaque action")
        YEARLY = "yearly", _("Chaque année")

    title = models.CharField(_("pièce attendue"), max_length=200)
    description = models.TextField(_("précisions"), blank=True)
    kind = models.CharField(_("nature"), max_length=20, choices=Kind.choices, default=Kind.RECORD)
    indicator_numbers = ArrayField(
        models.PositiveSmallIntegerField(), verbose_name=_("indicateurs"), default=list, blank=True
    )
    frequency = models.CharField(
        _("fréquence"), max_length=20, choices=Frequency.choices, default=Frequency.PER_ACTION
    )
    validity_months = models.PositiveSmallIntegerField(
        _("durée de validité (mois)"),
        null=True,
        blank=True,
        help_text=_("Laissez vide si la pièce ne périme pas."),
    )
    due_day = models.PositiveSmallIntegerField(_("jour d'échéance"), null=True, blank=True)
    due_month = models.PositiveSmallIntegerField(_("mois d'échéance"), null=True, blank=True)
    is_required = models.BooleanField(_("obligatoire"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("pièce attendue des intervenants")
        verbose_name_plural = _("pièces attendues des intervenants")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class EvidenceItem(ChoiceLabels):
    """A proof: one or more file versions, or a URL, linked to the indicators it supports."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        SUBMITTED = "submitted", _("Soumise")
        VALIDATED = "validated", _("Validée")
        REJECTED = "rejected", _("Refusée")
        EXPIRED = "expired", _("Expirée")

    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("nature"), max_length=20, choices=Kind.choices)
    indicator_numbers = ArrayField(
        models.PositiveSmallIntegerField(), verbose_name=_("indicateurs"), default=list
    )
    url = models.URLField(_("adresse web"), max_length=500, blank=True)
    responsibility = models.CharField(
        _("responsabilité"),
        max_length=20,
        choices=Responsibility.choices,
        default=Responsibility.ORGANISATION,
    )
    concerns = user_fk(_("personne concernée"))
    owner = user_fk(_("responsable"), null=False)
    created_by = user_fk(_("créée par"), null=False)
    checklist_entry = models.ForeignKey(
        ChecklistEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="items",
        verbose_name=_("pièce attendue"),
    )
    valid_from = models.DateField(_("valable à partir du"), null=True, blank=True)
    valid_until = models.DateField(_("valable jusqu'au"), null=True, blank=True)
    tags = ArrayField(
        models.CharField(max_length=40), verbose_name=_("étiquettes"), default=list, blank=True
    )
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    rejection_reason = models.TextField(_("motif du refus"), blank=True)
    reviewed_by = user_fk(_("revue par"))
    reviewed_at = models.DateTimeField(_("revue le"), null=True, blank=True)
    is_archived = models.BooleanField(_("archivée"), default=False, db_index=True)
    archived_at = models.DateTimeField(_("archivée le"), null=True, blank=True)
    version_count = models.PositiveIntegerField(_("versions"), default=0)
    last_uploaded_at = models.DateTimeField(_("dernier fichier déposé le"), null=True, blank=True)
    # A proof filed under V9 for an indicator V10 rewords counts again as ready once a person
    # confirms it covers the new wording (readiness reason "v9_to_review").
    v10_confirmed_at = models.DateTimeField(_("confirmée pour la V10 le"), null=True, blank=True)
    v10_confirmed_by = user_fk(_("confirmée pour la V10 par"))
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("preuve")
        verbose_name_plural = _("preuves")
        ordering = ["-updated_at", "-pk"]
        indexes = [
            GinIndex(fields=["indicator_numbers"], name="evidence_indicators_gin"),
            models.Index(fields=["valid_until"], name="evidence_valid_until"),
            models.Index(fields=["concerns"], name="evidence_concerns"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="evidence_validity_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class EvidenceVersion(models.Model):
    """One uploaded file of an item. Never removed: a new upload makes a new version."""

    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("fichier"), max_length=300, storage=get_evidence_storage)
    original_name = models.CharField(_("nom du fichier"), max_length=200)
    size = models.BigIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    content_type = models.CharField(_("type détecté"), max_length=120)
    type_code = models.CharField(_("format"), max_length=10)
    uploaded_by = user_fk(_("déposée par"), null=False)
    uploaded_at = models.DateTimeField(_("déposée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("version de preuve")
        verbose_name_plural = _("versions de preuve")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="unique_evidence_version"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} v{self.number}"


class EvidenceComment(models.Model):
    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="comments")
    author = user_fk(_("auteur"), null=False)
    body = models.TextField(_("commentaire"), max_length=5000)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        verbose_name = _("commentaire")
        verbose_name_plural = _("commentaires")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:60]


class EvidenceEvent(models.Model):
    """The item's history: who changed what, when. Append-only."""

    class Action(models.TextChoices):
        CREATED = "created", _("Création")
        UPDATED = "updated", _("Modification")
        VERSION_ADDED = "version_added", _("Nouveau fichier")
        SUBMITTED = "submitted", _("Soumission")
        VALIDATED = "validated", _("Validation")
        REJECTED = "rejected", _("Refus")
        REOPENED = "reopened", _("Retour en brouillon")
        EXPIRED = "expired", _("Expiration")
        ARCHIVED = "archived", _("Archivage")
        RESTORED = "restored", _("Restauration")
        COMMENTED = "commented", _("Commentaire")
        V10_CONFIRMED = "v10_confirmed", _("Confirmée pour la V10")

    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="events")
    actor = user_fk(_("auteur"))
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    details = models.JSONField(_("détails"), default=dict, blank=True)
    occurred_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        verbose_name = _("événement de preuve")
        verbose_name_plural = _("historique des preuves")
        ordering = ["-occurred_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.action}"

    @property
    def changed_labels(self) -> list[str]:
        """The French names of the fields an update changed, for the history."""
        labels = []
        for name in self.details.get("changes", {}):
            try:
                labels.append(str(EvidenceItem._meta.get_field(name).verbose_name))
            except LookupError:
                labels.append(name)
        return labels
