"""Certificates, audits and their findings (tenant data)."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext_lazy as _

from qualiopi_portal.accounts.fields import user_fk
from qualiopi_portal.core.models import ChoiceLabels

from . import rules

COMMON_CERTIFIERS = [
    "AFNOR Certification",
    "Bureau Veritas Certification",
    "Certif'Pro",
    "ICPF",
    "I.Cert",
    "SGS ICS",
    "Qualianor Certification",
    "Apave Certification",
]


class Certificate(models.Model):
    """The Qualiopi certificate in force (a renewal adds a new row; old ones are kept)."""

    certifier = models.CharField(_("organisme certificateur"), max_length=120)
    number = models.CharField(_("numéro de certificat"), max_length=80)
    categories = ArrayField(
        models.CharField(max_length=3), verbose_name=_("catégories couvertes"), default=list
    )
    issued_on = models.DateField(_("date d'émission"))
    # As printed on the certificate; empty on rows recorded before they were asked for: the
    # start is then the issue date and the expiry three years later (rules.default_expiry).
    valid_from = models.DateField(_("début de validité"), null=True, blank=True)
    expires_on = models.DateField(_("fin de validité"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("certificat")
        verbose_name_plural = _("certificats")
        ordering = ["-issued_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.certifier} {self.number}"

    @property
    def cycle(self) -> rules.Cycle:
        return rules.cycle(self.valid_from or self.issued_on, self.expires_on)


class Audit(ChoiceLabels):
    class Kind(models.TextChoices):
        INITIAL = "initial", _("Audit initial")
        SURVEILLANCE = "surveillance", _("Audit de surveillance")
        RENEWAL = "renewal", _("Audit de renouvellement")
        EXTENSION = "extension", _("Audit d'extension")
        MOCK = "mock", _("Audit à blanc")
        INTERNAL = "internal", _("Audit interne")

    kind = models.CharField(_("type d'audit"), max_length=20, choices=Kind.choices)
    starts_on = models.DateField(_("premier jour"))
    ends_on = models.DateField(_("dernier jour"))
    auditors = models.CharField(_("auditeur·rices"), max_length=300, blank=True)
    sites = models.CharField(_("sites audités"), max_length=300, blank=True)
    version_code = models.CharField(_("version du référentiel"), max_length=10)
    report_date = models.DateField(_("date du rapport"), null=True, blank=True)
    duration_days = models.DecimalField(
        _("durée retenue (jours)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = user_fk(_("créé par"), null=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("audit")
        verbose_name_plural = _("audits")
        ordering = ["-starts_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {date_format(self.starts_on, 'SHORT_DATE_FORMAT')}"


class StandingFindingManager(models.Manager):
    """Findings that stand: a finding cancelled as entered by mistake counts nowhere.

    The default manager, so that every count (readiness, cockpit, decisions, reports,
    reminders, calendars) leaves cancelled findings out without having to remember it;
    `Finding.all_objects` reads them too, for their history. Related managers
    (`audit.findings`) follow the default manager; a foreign key to a finding (an action's)
    uses the base manager and still reaches a cancelled one.
    """

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(cancelled_at__isnull=True)


class Finding(ChoiceLabels):
    class Kind(models.TextChoices):
        CONFORM = "conform", _("Conforme")
        MINOR = "nc_minor", _("NC mineure")
        MAJOR = "nc_major", _("NC majeure")
        SENSITIVE = "sensitive", _("Point sensible")
        STRENGTH = "strength", _("Point fort")

    class Status(models.TextChoices):
        OPEN = "open", _("Ouverte")
        PLANNED = "planned", _("Actions planifiées")
        PROOF_SUBMITTED = "proof_submitted", _("Preuve transmise")
        LIFTED = "lifted", _("Levée")

    NC_KINDS = (Kind.MINOR, Kind.MAJOR)

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="findings")
    indicator_number = models.PositiveSmallIntegerField(_("indicateur"))
    kind = models.CharField(_("constat"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"))
    missing = models.TextField(_("ce qui manquait"), blank=True)
    root_cause = models.TextField(_("cause racine"), blank=True)
    deadline = models.DateField(_("échéance de levée"), null=True, blank=True)
    status = models.CharField(
        _("état"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    escalated_from = models.CharField(max_length=20, blank=True)
    proofs = models.ManyToManyField(
        "evidence.EvidenceItem", blank=True, related_name="+", verbose_name=_("preuves de levée")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The certifier's lifting, as its notice says; recorded by a member (lifted_by, lifted_at).
    lifted_at = models.DateTimeField(_("levée enregistrée le"), null=True, blank=True)
    lifted_on = models.DateField(_("date de la levée par le certificateur"), null=True, blank=True)
    lifting_reference = models.CharField(
        _("référence de l'avis de levée"), max_length=120, blank=True
    )
    lifted_by = user_fk(_("levée enregistrée par"))
    # Entered by mistake (a duplicate, a wrong audit): kept for the history, counted nowhere.
    cancelled_at = models.DateTimeField(_("annulé le"), null=True, blank=True)
    cancelled_by = user_fk(_("annulé par"))
    cancellation_reason = models.TextField(_("motif de l'annulation"), blank=True)

    objects = StandingFindingManager()
    all_objects = models.Manager()

    class Meta:
        verbose_name = _("constat d'audit")
        verbose_name_plural = _("constats d'audit")
        ordering = ["indicator_number", "pk"]
        base_manager_name = "all_objects"

    def __str__(self) -> str:
        return f"{self.indicator_number}: {self.get_kind_display()}"

    @property
    def is_nc(self) -> bool:
        return self.kind in self.NC_KINDS

    @property
    def is_open_nc(self) -> bool:
        return self.is_nc and self.status != self.Status.LIFTED and not self.is_cancelled

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class Slot(models.Model):
    """One line of the audit plan's timetable."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="slots")
    day = models.DateField(_("jour"))
    starts_at = models.TimeField(_("début"))
    ends_at = models.TimeField(_("fin"))
    subject = models.CharField(_("objet"), max_length=200)
    indicator_numbers = ArrayField(
        models.PositiveSmallIntegerField(), verbose_name=_("indicateurs couverts"), default=list
    )
    auditor = models.CharField(_("auditeur·rice"), max_length=120, blank=True)
    resource_persons = models.CharField(_("personnes ressources"), max_length=300, blank=True)
    location = models.CharField(_("salle ou « à distance »"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("créneau du plan d'audit")
        verbose_name_plural = _("plan d'audit")
        ordering = ["day", "starts_at", "pk"]

    def __str__(self) -> str:
        day, at = (
            date_format(self.day, "SHORT_DATE_FORMAT"),
            time_format(self.starts_at, "TIME_FORMAT"),
        )
        return f"{day} {at} {self.subject}"


class Reminder(models.Model):
    """One reminder sent to one person (in the app and by email); never sent twice."""

    class Kind(models.TextChoices):
        FINDING_DEADLINE = "finding_deadline", _("Échéance de levée d'une non-conformité")
        ACTION_DUE = "action_due", _("Échéance d'une action")
        SURVEILLANCE_WINDOW = "surveillance_window", _("Fenêtre de l'audit de surveillance")
        SURVEILLANCE_CLOSING = (
            "surveillance_closing",
            _("Fin de la fenêtre de l'audit de surveillance"),
        )
        RENEWAL_AUDIT = "renewal_audit", _("Audit de renouvellement à tenir")
        CERTIFICATE_EXPIRY = "certificate_expiry", _("Expiration du certificat")

    user = user_fk(_("destinataire"), null=False)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    object_id = models.PositiveIntegerField()
    due_on = models.DateField(_("échéance"))
    days_before = models.PositiveSmallIntegerField()
    text = models.CharField(_("rappel"), max_length=300)
    url = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rappel")
        verbose_name_plural = _("rappels")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "object_id", "due_on", "days_before"],
                name="unique_reminder",
            ),
        ]

    def __str__(self) -> str:
        return self.text
