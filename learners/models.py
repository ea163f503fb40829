"""Learners, their enrolments on sessions, and half-day attendance (tenant data).

A learner's personal data is read only by those who need it (referents, the session's
trainers, the firm's consultant: `learners.view` and the session's trainers). Attendance
records are never updated: a correction is a new record pointing at the one it corrects, and
every record is chained by hash to the previous one of its session (learners.attendance).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qualiopi_portal.accounts.fields import user_fk
from qualiopi_portal.core.models import ChoiceLabels


class Learner(models.Model):
    class Status(models.TextChoices):
        EMPLOYEE = "employee", _("Salarié·e")
        JOBSEEKER = "jobseeker", _("Demandeur·se d'emploi")
        APPRENTICE = "apprentice", _("Apprenti·e")
        INDIVIDUAL = "individual", _("Particulier")
        PUBLIC_AGENT = "public_agent", _("Agent public")

    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices)
    employer = models.CharField(_("employeur"), max_length=200, blank=True)
    created_by = user_fk(_("ajouté·e par"))
    created_at = models.DateTimeField(_("ajouté·e le"), auto_now_add=True)
    # Set when the person's identity was erased on request or after the retention period.
    anonymised_at = models.DateTimeField(_("anonymisé·e le"), null=True, blank=True)

    class Meta:
        verbose_name = _("apprenant·e")
        verbose_name_plural = _("apprenant·es")
        ordering = ["last_name", "first_name", "pk"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Enrolment(ChoiceLabels):
    """A learner on a session: inscrit·e → en formation → terminé / abandon / non présenté·e."""

    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("Inscrit·e")
        IN_TRAINING = "in_training", _("En formation")
        COMPLETED = "completed", _("Terminé")
        DROPPED_OUT = "dropped_out", _("Abandon")
        NO_SHOW = "no_show", _("Non présenté·e")

    learner = models.ForeignKey(Learner, on_delete=models.PROTECT, related_name="enrolments")
    session = models.ForeignKey(
        "training_offers.Session", on_delete=models.PROTECT, related_name="enrolments"
    )
    funding_line = models.ForeignKey(
        "financing.FundingLine",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enrolments",
        verbose_name=_("ligne de financement"),
    )
    status = models.CharField(
        _("état"), max_length=20, choices=Status.choices, default=Status.ENROLLED
    )
    dropped_out_on = models.DateField(_("date de l'abandon"), null=True, blank=True)
    dropout_reason = models.TextField(_("motif de l'abandon"), blank=True)
    created_at = models.DateTimeField(_("inscrit·e le"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["learner__last_name", "learner__first_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["learner", "session"], name="unique_enrolment"),
        ]

    def __str__(self) -> str:
        return f"{self.learner} — {self.session_id}"


class SessionTrainer(models.Model):
    """A member who runs the attendance of a session (countersigns and closes its slots)."""

    session = models.ForeignKey(
        "training_offers.Session", on_delete=models.CASCADE, related_name="trainer_links"
    )
    user = user_fk(_("formateur·rice"), null=False)

    class Meta:
        verbose_name = _("formateur·rice de la session")
        verbose_name_plural = _("formateur·rices de la session")
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="unique_session_trainer"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}: {self.user_id}"


class Slot(ChoiceLabels):
    """One half-day of a session, signed by its learners, closed by its trainer."""

    class Half(models.TextChoices):
        MORNING = "am", _("Matin")
        AFTERNOON = "pm", _("Après-midi")

    session = models.ForeignKey(
        "training_offers.Session", on_delete=models.CASCADE, related_name="attendance_slots"
    )
    day = models.DateField(_("jour"))
    half = models.CharField(_("demi-journée"), max_length=2, choices=Half.choices)
    starts_at = models.TimeField(_("début"))
    ends_at = models.TimeField(_("fin"))
    closed_at = models.DateTimeField(_("clôturé le"), null=True, blank=True)
    closed_by = user_fk(_("clôturé par"))
    # The code shown as a QR code on the trainer's screen (only its hash), valid until
    # `room_code_expires_at`: learners scan it in the room instead of opening their own link.
    room_code_hash = models.CharField(max_length=64, blank=True, db_index=True)
    room_code_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("demi-journée")
        verbose_name_plural = _("demi-journées")
        ordering = ["day", "half"]
        constraints = [
            models.UniqueConstraint(fields=["session", "day", "half"], name="unique_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} {self.get_half_display()}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class AttendanceRecord(ChoiceLabels):
    """What one learner's presence on one slot is, as recorded at one moment.

    Never updated. The learner's signature, the trainer's countersignature, an absence noted at
    closing and a referent's correction are each a new record; the latest one of a (slot,
    enrolment) is the one that counts. `previous_hash`/`hash` chain the session's records.
    """

    class Status(models.TextChoices):
        PRESENT = "present", _("Présent·e")
        ABSENT_JUSTIFIED = "absent_justified", _("Absent·e (absence justifiée)")
        ABSENT_UNJUSTIFIED = "absent_unjustified", _("Absent·e (absence non justifiée)")

    class Kind(models.TextChoices):
        SIGNATURE = "signature", _("Signature de l'apprenant·e")
        COUNTERSIGNATURE = "countersignature", _("Contresignature du formateur ou de la formatrice")
        ABSENCE = "absence", _("Absence constatée à la clôture")
        CORRECTION = "correction", _("Correction")

    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="records")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="records")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(_("présence"), max_length=20, choices=Status.choices)
    recorded_at = models.DateTimeField(_("enregistré le"), default=timezone.now)
    # The learner's own act: the name typed as a signature and the consent given with it.
    signed_name = models.CharField(_("signature (nom saisi)"), max_length=200, blank=True)
    # SHA-256 of the typed name: the chain covers it, so the name itself can be erased with the
    # learner's identity while the chain still holds.
    signed_name_digest = models.CharField(max_length=64, blank=True)
    consent = models.BooleanField(default=False)
    # A signature drawn on the screen (PNG as a data URL), with its SHA-256 covered by the
    # chain; the drawing is erased with the learner's identity, the digest stays.
    drawing = models.TextField(_("signature dessinée"), blank=True)
    drawing_digest = models.CharField(max_length=64, blank=True)
    minutes_late = models.PositiveSmallIntegerField(_("retard (min)"), default=0)
    minutes_left_early = models.PositiveSmallIntegerField(_("départ anticipé (min)"), default=0)
    # A member's act (countersignature, absence, correction); empty for a learner's signature.
    recorded_by = user_fk(_("enregistré par"))
    reason = models.TextField(_("motif"), blank=True)
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("émargement")
        verbose_name_plural = _("émargements")
        ordering = ["pk"]
        indexes = [models.Index(fields=["slot", "enrolment", "-id"], name="record_latest_idx")]

    def __str__(self) -> str:
        return f"{self.slot_id}/{self.enrolment_id}: {self.status} ({self.kind})"


class SigningLink(models.Model):
    """A learner's personal link to sign the slots of their session; only its hash is kept."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lien d'émargement")
        verbose_name_plural = _("liens d'émargement")

    def __str__(self) -> str:
        return f"{self.enrolment_id} → {self.expires_at:%Y-%m-%d}"

    def is_active(self, now) -> bool:
        return self.revoked_at is None and now < self.expires_at


class Milestone(models.Model):
    """One step of an enrolment's journey, dated and backed by a proof (learners.journey).

    Attendance is not stored here: it is read from the half-days themselves.
    """

    class Kind(models.TextChoices):
        POSITIONING = "positioning", _("Analyse du besoin et positionnement")
        AGREEMENT = "agreement", _("Convention ou contrat signé")
        CONVOCATION = "convocation", _("Convocation envoyée")
        EVALUATION = "evaluation", _("Évaluation des objectifs")
        CERTIFICATE = "certificate", _("Certificat de réalisation")
        ATTESTATION = "attestation", _("Attestation de fin de formation")

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="milestones")
    kind = models.CharField(_("étape"), max_length=20, choices=Kind.choices)
    done_on = models.DateField(_("fait le"))
    evidence = models.ForeignKey(
        "evidence.EvidenceItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("preuve"),
    )
    note = models.CharField(_("précision"), max_length=300, blank=True)
    recorded_by = user_fk(_("noté par"))
    recorded_at = models.DateTimeField(_("noté le"), auto_now=True)

    class Meta:
        verbose_name = _("étape du parcours")
        verbose_name_plural = _("étapes du parcours")
        ordering = ["enrolment", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "kind"], name="unique_milestone"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.kind} {self.done_on}"


class MilestoneChase(models.Model):
    """A reminder sent about a session's missing milestones: when, by whom, to whom."""

    session = models.ForeignKey(
        "training_offers.Session", on_delete=models.CASCADE, related_name="milestone_chases"
    )
    sent_by = user_fk(_("relancé par"))
    sent_at = models.DateTimeField(_("relancé le"), auto_now_add=True)
    recipients = models.JSONField(_("destinataires"), default=list)
    missing = models.PositiveIntegerField(_("étapes manquantes"), default=0)
    # Set by the worker once the messages are out: a redelivered task sends nothing again.
    delivered_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("relance des étapes")
        verbose_name_plural = _("relances des étapes")
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.session_id} {self.sent_at:%Y-%m-%d}"
