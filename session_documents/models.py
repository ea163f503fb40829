"""Templates of the session documents, the documents rendered, and their sending by e-mail."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from qualiopi_portal.accounts.fields import user_fk


class Kind(models.TextChoices):
    CONVOCATION = "convocation", _("Convocation")
    AGREEMENT = "agreement", _("Convention de formation")
    PROGRAMME = "programme", _("Programme")
    ATTESTATION = "attestation", _("Attestation de fin de formation")
    CERTIFICATE = "certificate", _("Certificat de réalisation")
    ATTENDANCE_SHEET = "attendance_sheet", _("Feuille d'émargement")


class DocumentTemplate(models.Model):
    """The organisation's wording of one kind of document (the defaults live in code)."""

    kind = models.CharField(_("document"), max_length=20, choices=Kind.choices, unique=True)
    letterhead = models.TextField(_("en-tête"), blank=True)
    body = models.TextField(_("texte"), blank=True)
    closing = models.TextField(_("pied de page"), blank=True)
    signatory = models.CharField(_("signataire"), max_length=200, blank=True)
    updated_by = user_fk(_("modifié par"))
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("modèle de document")
        verbose_name_plural = _("modèles de documents")

    def __str__(self) -> str:
        return self.kind


class GeneratedDocument(models.Model):
    """One rendering of a session's document: a version of its evidence item."""

    session = models.ForeignKey(
        "training_offers.Session", on_delete=models.PROTECT, related_name="generated_documents"
    )
    kind = models.CharField(_("document"), max_length=20, choices=Kind.choices)
    # Certificates are made per financer: the line whose learners they cover.
    funding_line = models.ForeignKey(
        "financing.FundingLine", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    evidence = models.ForeignKey(
        "evidence.EvidenceItem", on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(_("version"))
    enrolment_ids = ArrayField(models.PositiveIntegerField(), default=list)
    generated_by = user_fk(_("généré par"))
    generated_at = models.DateTimeField(_("généré le"), auto_now_add=True)

    class Meta:
        verbose_name = _("document généré")
        verbose_name_plural = _("documents générés")
        ordering = ["-generated_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.session_id} {self.kind} v{self.version}"


class Dispatch(models.Model):
    """One e-mail of one document to one learner: sent once, its state kept."""

    class State(models.TextChoices):
        QUEUED = "queued", _("En attente d'envoi")
        SENT = "sent", _("Envoyé")
        BOUNCED = "bounced", _("Refusé par le serveur du destinataire")

    enrolment = models.ForeignKey(
        "learners.Enrolment", on_delete=models.PROTECT, related_name="dispatches"
    )
    kind = models.CharField(_("document"), max_length=20, choices=Kind.choices)
    document = models.ForeignKey(
        GeneratedDocument, on_delete=models.PROTECT, related_name="dispatches"
    )
    email = models.EmailField(_("adresse"))
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.QUEUED)
    error = models.CharField(_("erreur"), max_length=300, blank=True)
    queued_by = user_fk(_("demandé par"))
    queued_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("envoi")
        verbose_name_plural = _("envois")
        ordering = ["-queued_at", "-pk"]
        constraints = [
            # A learner receives each kind of document once, whatever is clicked again.
            models.UniqueConstraint(fields=["enrolment", "kind"], name="unique_dispatch"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.kind} {self.state}"


class DocumentJob(models.Model):
    """A request to render one kind of a session's documents, done by a worker: the page
    shows its state; a lost message is queued again by the periodic sweep."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Échec")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    session = models.ForeignKey(
        "training_offers.Session", on_delete=models.CASCADE, related_name="document_jobs"
    )
    kind = models.CharField(_("document"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    requested_by = user_fk(_("demandé par"))
    queued_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(_("erreur"), max_length=500, blank=True)
    documents = models.PositiveSmallIntegerField(_("documents établis"), default=0)

    class Meta:
        verbose_name = _("génération de documents")
        verbose_name_plural = _("générations de documents")
        ordering = ["-queued_at", "-pk"]
        constraints = [
            # One rendering of a kind at a time per session: a second click waits for the first.
            models.UniqueConstraint(
                fields=["session", "kind"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_active_document_job",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} {self.kind} {self.status}"
