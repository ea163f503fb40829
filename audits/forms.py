"""Forms of the audits app: they validate input; services decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core import validators
from django.utils.translation import gettext_lazy as _

from evidence.models import EvidenceItem
from qualiopi_portal.tenancy.forms import CsvFileForm, NativeDateInput, PortalForm
from qualiopi_portal.tenancy.models import ActionCategory

from .models import COMMON_CERTIFIERS, Audit, Finding

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _date_field(label, required: bool = True, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=NativeDateInput(),
        **kwargs,
    )


class CertificateForm(PortalForm):
    certifier = forms.CharField(
        label=_("Organisme certificateur"),
        max_length=120,
        widget=forms.TextInput(attrs={"list": "certifiers", "autocomplete": "off"}),
    )
    number = forms.CharField(label=_("Numéro de certificat"), max_length=80)
    categories = forms.MultipleChoiceField(
        label=_("Catégories couvertes"),
        choices=ActionCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins une catégorie couverte.")},
    )
    issued_on = _date_field(_("Date d'émission"))
    valid_from = _date_field(
        _("Début de validité"),
        required=False,
        help_text=_(
            "Comme imprimé sur le certificat. Vide : la date d’émission ; pour un "
            "renouvellement, le lendemain de l’expiration du certificat précédent."
        ),
    )
    expires_on = _date_field(
        _("Fin de validité"),
        required=False,
        help_text=_("Comme imprimée sur le certificat. Vide : 3 ans après le début de validité."),
    )
    is_renewal = forms.BooleanField(
        label=_("C’est un nouveau certificat (renouvellement) : garder l’ancien dans l’historique"),
        required=False,
    )

    def __init__(self, *args, renewable: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not renewable:
            del self.fields["is_renewal"]

    certifiers = COMMON_CERTIFIERS


class AuditForm(PortalForm):
    kind = forms.ChoiceField(label=_("Type d'audit"), choices=Audit.Kind.choices)
    starts_on = _date_field(_("Premier jour"))
    ends_on = _date_field(_("Dernier jour"))
    auditors = forms.CharField(label=_("Auditeur·rices"), max_length=300, required=False)
    sites = forms.CharField(
        label=_("Sites audités"),
        max_length=300,
        required=False,
        help_text=_("Siège, établissements échantillonnés, ou « à distance »."),
    )
    report_date = _date_field(
        _("Date du rapport"),
        required=False,
        help_text=_(
            "Fixe les échéances de levée : 3 mois pour une NC majeure, 6 pour une mineure."
        ),
    )
    duration_days = forms.DecimalField(
        label=_("Durée retenue (jours)"),
        required=False,
        min_value=Decimal("0.5"),
        max_value=Decimal("30"),
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5"}),
        help_text=_("Proposée par le calcul réglementaire ; le certificateur fixe la durée."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_duration_days(self):
        value = self.cleaned_data["duration_days"]
        if value is not None and (value * 2) % 1:
            raise forms.ValidationError(_("Les durées d'audit se comptent en demi-journées."))
        return value


class FindingForm(PortalForm):
    indicator_number = forms.TypedChoiceField(label=_("Indicateur"), coerce=int)
    kind = forms.ChoiceField(label=_("Constat"), choices=Finding.Kind.choices)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}))
    missing = forms.CharField(
        label=_("Ce qui manquait"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    root_cause = forms.CharField(
        label=_("Cause racine"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    deadline = _date_field(
        _("Échéance de levée"),
        required=False,
        help_text=_("Laissée vide, elle est calculée depuis la date du rapport."),
    )

    def __init__(self, *args, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator_number"].choices = [
            (i.number, f"{i.number} — {i.title}") for i in indicators
        ]


class FindingStatusForm(PortalForm):
    status = forms.ChoiceField(label=_("Nouvel état"), choices=Finding.Status.choices)
    proofs = forms.ModelMultipleChoiceField(
        label=_("Preuves de correction"),
        queryset=EvidenceItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    lifted_on = _date_field(
        _("Date de l'avis de levée"),
        required=False,
        help_text=_("Pour « levée » : le jour où le certificateur a levé la non-conformité."),
    )
    lifting_reference = forms.CharField(
        label=_("Référence de l'avis de levée"),
        max_length=120,
        required=False,
        help_text=_("Par exemple : courriel du certificateur du 12/03, rapport complémentaire."),
    )

    def __init__(self, *args, indicator_number: int, by_certifier: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proofs"].queryset = EvidenceItem.objects.filter(
            is_archived=False, indicator_numbers__contains=[indicator_number]
        ).order_by("title")
        self.fields["proofs"].label_from_instance = lambda item: item.title
        if not by_certifier:
            # A mock or internal audit: the organisation closes its own finding.
            del self.fields["lifting_reference"]
            self.fields["lifted_on"].label = _("Date de la levée")
            self.fields["lifted_on"].help_text = ""


class FindingCancelForm(PortalForm):
    reason = forms.CharField(
        label=_("Motif de l'annulation"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Par exemple : doublon d'un constat déjà saisi, saisi sur le mauvais audit."),
        error_messages={
            "required": _("Indiquez pourquoi ce constat est annulé (il reste dans l'historique).")
        },
    )


class SlotForm(PortalForm):
    day = _date_field(_("Jour"))
    starts_at = forms.TimeField(label=_("Début"), widget=TIME)
    ends_at = forms.TimeField(label=_("Fin"), widget=TIME)
    subject = forms.CharField(label=_("Objet"), max_length=200)
    indicator_numbers = forms.TypedMultipleChoiceField(
        label=_("Indicateurs couverts"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "indicator-choices"}),
    )
    auditor = forms.CharField(label=_("Auditeur·rice"), max_length=120, required=False)
    resource_persons = forms.CharField(
        label=_("Personnes ressources de l'organisme"),
        max_length=300,
        required=False,
        help_text=_("Par exemple : la référente qualité, le responsable pédagogique."),
    )
    location = forms.CharField(label=_("Salle ou « à distance »"), max_length=120, required=False)

    def __init__(self, *args, indicators, applicable: set[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator_numbers"].choices = [
            (i.number, f"{i.number} — {i.title}") for i in indicators if i.number in applicable
        ]


class FindingsImportForm(CsvFileForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = _("Fichier CSV des constats")
        self.fields["file"].help_text = _(
            "Une ligne par constat : indicateur ; constat (conforme, NC mineure, NC majeure, "
            "point sensible, point fort) ; texte. Séparateur point-virgule ou virgule."
        )


class AuditorLinkForm(PortalForm):
    label = forms.CharField(
        label=_("Destinataire"),
        max_length=200,
        error_messages={"required": _("Indiquez à qui est destiné le lien (l'auditeur·rice).")},
        widget=forms.TextInput(
            attrs={"placeholder": _("Nom de l’auditeur·rice, organisme certificateur")}
        ),
    )
    days = forms.IntegerField(label=_("Valable (jours)"), initial=30)

    def __init__(self, *args, max_days: int, **kwargs):
        super().__init__(*args, **kwargs)
        message = _("La durée de validité va de 1 à %(max)s jours.") % {"max": max_days}
        field = self.fields["days"]
        field.min_value, field.max_value = 1, max_days
        field.widget.attrs.update({"min": 1, "max": max_days})
        field.validators = [
            validators.MinValueValidator(1, message=message),
            validators.MaxValueValidator(max_days, message=message),
        ]
