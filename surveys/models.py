"""Questionnaires, the people asked to answer them, and their answers (tenant data).

A questionnaire is never changed once answered: editing it makes a new version (same `code`,
`version` + 1) and the answers keep the version they were given on, so results never mix two
wordings silently.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Lower, Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qualiopi_portal.accounts.fields import user_fk
from qualiopi_portal.core.models import ChoiceLabels


class Questionnaire(models.Model):
    class Kind(models.TextChoices):
        POSITIONING = "positioning", _("Positionnement et analyse du besoin")
        SATISFACTION_HOT = "satisfaction_hot", _("Satisfaction à chaud")
        APPRAISAL_COLD = "appraisal_cold", _("Évaluation à froid (apprenant·e)")
        APPRAISAL_COLD_EMPLOYER = "appraisal_cold_employer", _("Évaluation à froid (employeur)")
        FINANCER = "financer", _("Appréciation des financeurs")
        TEACHING_TEAM = "teaching_team", _("Appréciation de l'équipe pédagogique")
        APPRENTICE_EVALUATION = (
            "apprentice_evaluation",
            _("Évaluation des contenus et de l'enseignement par les apprenti·es"),
        )

    class Audience(models.TextChoices):
        LEARNER = "learner", _("Apprenant·es")
        EMPLOYER = "employer", _("Employeurs")
        FINANCER = "financer", _("Financeurs")
        TEACHING_TEAM = "teaching_team", _("Équipe pédagogique")
        APPRENTICE = "apprentice", _("Apprenti·es")

    code = models.CharField(max_length=60)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("titre"), max_length=200)
    audience = models.CharField(_("public"), max_length=20, choices=Audience.choices)
    anonymous = models.BooleanField(_("anonyme"), default=False)
    indicator_numbers = ArrayField(models.PositiveSmallIntegerField(), default=list)
    intro = models.TextField(_("introduction"), blank=True)
    source = models.TextField(_("source"), blank=True)
    is_current = models.BooleanField(default=True)
    created_by = user_fk(_("créé par"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["kind", "code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"], name="unique_questionnaire_version"
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(is_current=True),
                name="one_current_questionnaire_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class Question(models.Model):
    class Type(models.TextChoices):
        SCALE5 = "scale5", _("Échelle de 1 à 5")
        SCALE10 = "scale10", _("Note de 0 à 10")
        SINGLE = "single", _("Choix unique")
        MULTIPLE = "multiple", _("Choix multiple")
        TEXT = "text", _("Texte libre")

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(default=0)
    code = models.CharField(max_length=60)
    label = models.CharField(_("question"), max_length=300)
    type = models.CharField(_("type de réponse"), max_length=10, choices=Type.choices)
    required = models.BooleanField(_("obligatoire"), default=True)
    # Which computed rate reads it (satisfaction, recommend, objectives, employment…).
    role = models.CharField(max_length=20, blank=True)
    choices = models.JSONField(default=list, blank=True)  # [{"code": …, "label": …}]

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["questionnaire", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "code"], name="unique_question_code"),
        ]

    def __str__(self) -> str:
        return self.label


class RoomCode(models.Model):
    """The QR code shown in the room at the end of a session: each learner scans it, gives the
    address they were enrolled with and answers on their own phone. Only the code's hash is
    kept; showing a new one ends the previous one."""

    session = models.ForeignKey(
        "training_offers.Session", on_delete=models.PROTECT, related_name="survey_room_codes"
    )
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="room_codes"
    )
    code_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(_("valable jusqu'au"))
    created_by = user_fk(_("affiché par"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("QR code d'enquête en salle")
        verbose_name_plural = _("QR codes d'enquête en salle")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.questionnaire_id}"


class Stakeholder(models.Model):
    """Someone other than a learner whose appraisal indicator 30 asks for: an employer's
    contact, a financer's, a member of the teaching team. Archived, never deleted: their
    invitations and answers keep pointing at them."""

    AUDIENCES = (
        Questionnaire.Audience.EMPLOYER,
        Questionnaire.Audience.FINANCER,
        Questionnaire.Audience.TEACHING_TEAM,
    )

    audience = models.CharField(
        _("public"),
        max_length=20,
        choices=[(audience.value, audience.label) for audience in AUDIENCES],
    )
    organisation_name = models.CharField(
        _("entreprise ou financeur"),
        max_length=200,
        blank=True,
        help_text=_(
            "Pour un employeur, le nom tel qu'il figure sur la fiche des apprenant·es : "
            "l'évaluation à froid des employeurs s'appuie dessus."
        ),
    )
    name = models.CharField(_("nom de la personne"), max_length=200)
    email = models.EmailField(_("e-mail"))
    archived_at = models.DateTimeField(_("archivé le"), null=True, blank=True)
    created_by = user_fk(_("ajouté par"))
    created_at = models.DateTimeField(_("ajouté le"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact à interroger")
        verbose_name_plural = _("contacts à interroger")
        ordering = ["audience", "organisation_name", "name", "pk"]
        constraints = [
            # One active contact per address and audience (an archived one may come back).
            models.UniqueConstraint(
                Lower("email"),
                "audience",
                condition=models.Q(archived_at__isnull=True),
                name="one_active_stakeholder_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation_name})" if self.organisation_name else self.name


class Invitation(ChoiceLabels):
    """One person asked to answer one questionnaire version, from a personal link (hash only):
    a learner (by their enrolment) or a stakeholder contact (for a session, or yearly)."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="invitations"
    )
    session = models.ForeignKey(
        "training_offers.Session",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="survey_invitations",
    )
    enrolment = models.ForeignKey(
        "learners.Enrolment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="survey_invitations",
    )
    stakeholder = models.ForeignKey(
        Stakeholder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invitations",
    )
    # The year of a yearly round (financers, teaching team: no session); empty otherwise.
    round_year = models.PositiveSmallIntegerField(null=True, blank=True)
    email = models.EmailField(_("adresse"), blank=True)
    name = models.CharField(_("nom"), max_length=200, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    # The links of earlier messages (a reminder carries a new one): they still open the form.
    old_token_hashes = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    created_by = user_fk(_("demandé par"))
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expire le"))
    # When its last message to the worker was queued: the sweep of lost messages queues again
    # only those whose message predates its barrier (services.invitations_lost).
    # (The database's own default serves rows written without the ORM.)
    queued_at = models.DateTimeField(default=timezone.now, db_default=Now())
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    send_error = models.CharField(max_length=300, blank=True)
    answered_at = models.DateTimeField(_("répondu le"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("relances"), default=0)
    last_reminded_at = models.DateTimeField(_("relancé le"), null=True, blank=True)
    # The person asked not to be reminded: nothing more is sent to them for this invitation.
    opted_out_at = models.DateTimeField(
        _("ne souhaite plus de relance depuis le"), null=True, blank=True
    )
    # Opened from the room's QR code rather than e-mailed: no message goes for it.
    room_code = models.ForeignKey(
        RoomCode, on_delete=models.PROTECT, null=True, blank=True, related_name="invitations"
    )

    class Meta:
        verbose_name = _("invitation à répondre")
        verbose_name_plural = _("invitations à répondre")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A learner is asked each questionnaire once per session.
            models.UniqueConstraint(
                fields=["questionnaire", "enrolment"],
                condition=models.Q(enrolment__isnull=False),
                name="one_invitation_per_enrolment",
            ),
            # A contact is asked each questionnaire once per session (cold appraisal)…
            models.UniqueConstraint(
                fields=["questionnaire", "stakeholder", "session"],
                condition=models.Q(stakeholder__isnull=False, session__isnull=False),
                name="one_invitation_per_stakeholder_session",
            ),
            # …and, without a session, once per yearly round.
            models.UniqueConstraint(
                fields=["questionnaire", "stakeholder", "round_year"],
                condition=models.Q(stakeholder__isnull=False, session__isnull=True),
                name="one_invitation_per_stakeholder_round",
            ),
            models.CheckConstraint(
                condition=~models.Q(
                    stakeholder__isnull=False, session__isnull=True, round_year__isnull=True
                ),
                name="stakeholder_invitation_has_session_or_round",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire_id} → {self.email or self.name}"


class Response(models.Model):
    """One set of answers to one questionnaire version (from a link, or imported)."""

    class Origin(models.TextChoices):
        LINK = "link", _("lien personnel")
        IMPORT = "import", _("import d'un fichier")

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="responses"
    )
    invitation = models.OneToOneField(
        Invitation, on_delete=models.PROTECT, null=True, blank=True, related_name="response"
    )
    session = models.ForeignKey(
        "training_offers.Session",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="survey_responses",
    )
    submitted_at = models.DateTimeField(_("reçue le"), auto_now_add=True)
    # Answers collected elsewhere (paper, another tool) and imported from a CSV file.
    origin = models.CharField(
        _("provenance"), max_length=10, choices=Origin.choices, default=Origin.LINK
    )

    class Meta:
        verbose_name = _("réponse")
        verbose_name_plural = _("réponses")
        ordering = ["-submitted_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.questionnaire_id} {self.submitted_at:%Y-%m-%d}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    number = models.SmallIntegerField(null=True, blank=True)  # scales
    text = models.TextField(blank=True)  # free text
    choices = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    # The plan de progrès action a free-text answer gave rise to (one at most; the action's
    # page reads it back through `survey_answers`, improvement does not import surveys).
    action = models.ForeignKey(
        "improvement.Action",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_answers",
        verbose_name=_("action du plan de progrès"),
    )

    class Meta:
        verbose_name = _("réponse à une question")
        verbose_name_plural = _("réponses aux questions")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="survey_unique_answer"),
        ]

    def __str__(self) -> str:
        return f"{self.response_id}/{self.question_id}"


class CampaignSummary(models.Model):
    """The dated summary of a closed campaign (the invitations of one questionnaire version for
    one session), kept as a proof in the evidence library: one per campaign, ever."""

    session = models.ForeignKey(
        "training_offers.Session", on_delete=models.PROTECT, related_name="survey_summaries"
    )
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="summaries"
    )
    evidence = models.ForeignKey(
        "evidence.EvidenceItem",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("preuve"),
    )
    invited = models.PositiveIntegerField(_("interrogé·es"), default=0)
    answered = models.PositiveIntegerField(_("réponses"), default=0)
    closed_at = models.DateTimeField(_("campagne close le"))
    created_at = models.DateTimeField(_("synthèse établie le"), auto_now_add=True)

    class Meta:
        verbose_name = _("synthèse d'enquête")
        verbose_name_plural = _("synthèses d'enquête")
        ordering = ["-closed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "questionnaire"], name="one_summary_per_campaign"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire_id} / {self.session_id}"


class CampaignSummaryNotice(models.Model):
    """The message telling one trainer of the session what the apprentices said (V10
    indicator 33: the evaluation is shared with the teaching team); sent once."""

    summary = models.ForeignKey(CampaignSummary, on_delete=models.PROTECT, related_name="notices")
    user = user_fk(_("formateur·rice"), null=False)
    email = models.EmailField(_("adresse"))
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("partage d'une synthèse avec l'équipe pédagogique")
        verbose_name_plural = _("partages des synthèses avec l'équipe pédagogique")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["summary", "user"], name="one_notice_per_trainer"),
        ]

    def __str__(self) -> str:
        return f"{self.summary_id} → {self.user_id}"
