"""Organisations (one PostgreSQL schema each), consultancy firms, memberships and invitations.

All of these live in the public schema: a user moves between organisations with one session.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from qualiopi_portal.core.models import ChoiceLabels

from .validators import validate_nda, validate_organisation_slug, validate_siret


class ActionCategory(models.TextChoices):
    """The four categories of Code du travail L6313-1."""

    TRAINING = "AF", _("Action de formation (AF)")
    SKILLS_ASSESSMENT = "BC", _("Bilan de compétences (BC)")
    VAE = "VAE", _("Validation des acquis de l'expérience (VAE)")
    APPRENTICESHIP = "APP", _("Apprentissage (CFA)")


class TurnoverBand(models.TextChoices):
    """Turnover bands of the audit-duration table (arrêté du 6 juin 2019)."""

    UNDER_150K = "lt_150k", _("Moins de 150 k€")
    FROM_150K_TO_750K = "150k_750k", _("De 150 k€ à 750 k€")
    FROM_750K_TO_1_5M = "750k_1_5m", _("De 750 k€ à 1,5 M€")
    FROM_1_5M_TO_3M = "1_5m_3m", _("De 1,5 M€ à 3 M€")
    FROM_3M_TO_7_5M = "3m_7_5m", _("De 3 M€ à 7,5 M€")
    OVER_7_5M = "gt_7_5m", _("Plus de 7,5 M€")


class Organisation(TenantMixin):
    """A training provider: the tenant. Its data lives in its own schema `org_<slug>`."""

    name = models.CharField(_("raison sociale"), max_length=200)
    # CharField, not SlugField: validate_organisation_slug is stricter and says why in French.
    slug = models.CharField(
        _("identifiant"),
        max_length=40,
        unique=True,
        validators=[validate_organisation_slug],
        help_text=_("Utilisé dans les adresses : /o/identifiant/."),
        error_messages={
            "unique": _("Une organisation utilise déjà cet identifiant, choisissez-en un autre.")
        },
    )
    siret = models.CharField(_("SIRET"), max_length=14, validators=[validate_siret])
    nda = models.CharField(
        _("numéro de déclaration d'activité (NDA)"), max_length=11, validators=[validate_nda]
    )
    categories = ArrayField(
        models.CharField(max_length=3, choices=ActionCategory.choices),
        verbose_name=_("catégories d'actions"),
        default=list,
    )
    is_certifying = models.BooleanField(_("actions certifiantes (RNCP / RS)"), default=False)
    has_alternance = models.BooleanField(_("formations en alternance"), default=False)
    has_work_situation = models.BooleanField(
        _("périodes en situation de travail (AFEST)"), default=False
    )
    has_subcontracting = models.BooleanField(_("sous-traitance ou portage salarial"), default=False)
    # Per category (AFNOR FAQ, 1 September 2023: a new entrant is in its first year of activity
    # or starts a new category of actions); every declared category for a first year.
    new_entrant_categories = ArrayField(
        models.CharField(max_length=3, choices=ActionCategory.choices),
        verbose_name=_("catégories où l'organisme est nouvel entrant"),
        default=list,
        blank=True,
    )
    has_cnefop_label = models.BooleanField(_("ancien label inscrit au CNEFOP"), default=False)
    site_count = models.PositiveSmallIntegerField(_("nombre de sites"), default=1)
    turnover_band = models.CharField(
        _("tranche de chiffre d'affaires"),
        max_length=12,
        choices=TurnoverBand.choices,
        default=TurnoverBand.UNDER_150K,
    )
    next_audit_date = models.DateField(_("date du prochain audit"), null=True, blank=True)
    # After this many months from the end of their last session, a learner's identity is
    # erased (learners.services.learners_anonymise_expired); the proofs stay.
    learner_retention_months = models.PositiveSmallIntegerField(
        _("conservation des données des apprenant·es (mois)"),
        default=48,
        validators=[MinValueValidator(12), MaxValueValidator(120)],
        help_text=_(
            "Compté depuis la fin de la dernière session de la personne ; de 12 à 120 mois. "
            "Les justificatifs du certificat de réalisation se gardent 3 ans à compter de la "
            "fin de l'année du dernier paiement : 48 mois par défaut les couvrent."
        ),
    )
    referential_version = models.ForeignKey(
        "referential.ReferentialVersion",
        verbose_name=_("version du référentiel imposée"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "Laissez vide pour appliquer la version en vigueur à la date du prochain audit."
        ),
    )
    requires_two_factor = models.BooleanField(
        _("double authentification obligatoire"),
        default=False,
        help_text=_("Chaque membre doit activer un code à usage unique (TOTP) pour accéder."),
    )
    # The database alias holding the schema ("default", or one of ORGANISATION_DATABASES);
    # changed only by tenancy.moves.organisation_move (docs/decisions/0022).
    database = models.CharField(
        _("base de données"), max_length=63, default="default", editable=False
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    # Schemas are cloned from TENANT_BASE_SCHEMA; never drop one because a row goes away.
    auto_create_schema = True
    auto_drop_schema = False

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def schema_name_for(slug: str) -> str:
        return "org_" + slug.replace("-", "_")

    def get_categories_display(self) -> list[str]:
        labels = dict(ActionCategory.choices)
        return [str(labels[code]) for code in self.categories if code in labels]

    def get_new_entrant_categories_display(self) -> list[str]:
        labels = dict(ActionCategory.choices)
        return [str(labels[code]) for code in self.new_entrant_categories if code in labels]

    @property
    def is_new_entrant(self) -> bool:
        """New entrant in at least one category: what adds half a day to the surveillance audit."""
        return bool(self.new_entrant_categories)


class Domain(DomainMixin):
    """Required by django-tenants; routing here is by path prefix, see docs/decisions/0001."""

    class Meta:
        verbose_name = _("domaine")
        verbose_name_plural = _("domaines")


class Role(models.TextChoices):
    REFERENT = "referent", _("Référent·e qualité")
    DIRECTOR = "director", _("Direction")
    CONTRIBUTOR = "contributor", _("Formateur·rice / intervenant·e")
    CONSULTANT = "consultant", _("Consultant·e")


class Membership(ChoiceLabels):
    """Grants a user a role in one organisation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"


class ConsultancyFirm(models.Model):
    """A consultancy (CAFOC, federation, independent firm) following client organisations."""

    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant"), max_length=40, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="consultancy_firms",
        verbose_name=_("consultant·es"),
        blank=True,
    )
    clients = models.ManyToManyField(
        Organisation,
        related_name="consultancy_firms",
        verbose_name=_("organisations clientes"),
        blank=True,
    )

    class Meta:
        verbose_name = _("cabinet de conseil")
        verbose_name_plural = _("cabinets de conseil")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Invitation(models.Model):
    """An e-mailed invitation to join with a role. Only a hash of the token is kept."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("adresse e-mail"))
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class OrganisationReadiness(models.Model):
    """The latest readiness of an organisation, copied to the public schema for portfolios.

    `requested_at` later than `computed_at` means a recomputation is owed (for instance queued
    while Redis was down); a periodic job picks those up.
    """

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, primary_key=True, related_name="readiness"
    )
    computed_at = models.DateTimeField(_("calculé le"), null=True, blank=True)
    requested_at = models.DateTimeField(_("recalcul demandé le"), null=True, blank=True)
    version_code = models.CharField(_("version du référentiel"), max_length=10, blank=True)
    target_date = models.DateField(_("date d'audit visée"), null=True, blank=True)
    overall_percent = models.FloatField(_("préparation (%)"), null=True, blank=True)
    outcome = models.CharField(_("issue prévisible"), max_length=30, blank=True)
    predicted_major = models.PositiveSmallIntegerField(default=0)
    predicted_minor = models.PositiveSmallIntegerField(default=0)
    # For the consultant cockpit, so that 300 clients cost no per-client query: counts taken at
    # the same computation, the recent trend and every indicator's status.
    pending_review = models.PositiveIntegerField(_("preuves à valider"), default=0)
    overdue_actions = models.PositiveIntegerField(_("actions en retard"), default=0)
    open_findings = models.PositiveIntegerField(_("non-conformités ouvertes"), default=0)
    trend = models.JSONField(_("tendance"), default=list, blank=True)
    indicator_statuses = models.JSONField(_("état des indicateurs"), default=dict, blank=True)

    class Meta:
        verbose_name = _("préparation d'une organisation")
        verbose_name_plural = _("préparation des organisations")

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.overall_percent}"


class AuditorLink(models.Model):
    """A read-only, time-limited, revocable link for the certifier's auditor (no account).

    Public schema, because the person opening it belongs to no organisation; it names one audit
    of the organisation's schema by id. Only the token's hash is stored.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="auditor_links"
    )
    audit_id = models.PositiveIntegerField()
    label = models.CharField(_("destinataire"), max_length=200)
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(_("valable jusqu'au"))
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("accès auditeur")
        verbose_name_plural = _("accès auditeur")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.audit_id}: {self.label}"

    def is_active(self, now) -> bool:
        return self.revoked_at is None and self.expires_at > now


class AuditorAccess(models.Model):
    """Every use of an auditor link, shown to the referent."""

    link = models.ForeignKey(AuditorLink, on_delete=models.CASCADE, related_name="accesses")
    at = models.DateTimeField(auto_now_add=True)
    what = models.CharField(max_length=40)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.link_id} {self.what} {self.at:%Y-%m-%d %H:%M}"
