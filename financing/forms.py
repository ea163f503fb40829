"""Forms of the financing app: they validate input; services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from evidence.models import EvidenceItem
from qualiopi_portal.tenancy.forms import PortalForm, PortalModelForm

from .catalogue import catalogue
from .models import CertificationBudget, FundingLine
from .selectors import linkable_evidence

NUMBER_ERRORS = {"invalid": _("Indiquez un nombre."), "min_value": _("Indiquez un nombre positif.")}


def route_choices() -> list:
    """Current routes first, then the historical ones in their own group."""
    routes = catalogue().routes
    return [
        ("", _("Choisissez une voie")),
        (_("Voies actuelles"), [(r.code, r.name) for r in routes if not r.historical]),
        (_("Voies historiques"), [(r.code, r.name) for r in routes if r.historical]),
    ]


class _Form(PortalModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DecimalField):
                field.error_messages.update(NUMBER_ERRORS)
                field.widget.attrs.setdefault("inputmode", "decimal")
            elif isinstance(field, forms.IntegerField):
                field.error_messages.update(NUMBER_ERRORS)
                field.widget.attrs.setdefault("inputmode", "numeric")
        if "trainees" in self.fields:
            self.fields["trainees"].widget.attrs["min"] = 1


class FundingLineForm(_Form):
    route_code = forms.ChoiceField(
        label=_("Voie de financement"),
        choices=route_choices,
        error_messages={"invalid_choice": _("Choisissez une voie de financement du catalogue.")},
    )

    class Meta:
        model = FundingLine
        fields = [
            "route_code",
            "financer",
            "reference",
            "amount",
            "trainees",
            "hours_planned",
            "hours_present",
        ]


class SessionPriceForm(PortalForm):
    price = forms.DecimalField(
        label=_("Prix de la session (€ HT)"),
        required=False,
        max_digits=11,
        decimal_places=2,
        error_messages=NUMBER_ERRORS,
        help_text=_("Tout ce que l'organisme facture pour la session, tous financeurs confondus."),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )


class DocumentLinkForm(PortalForm):
    key = forms.CharField(widget=forms.HiddenInput, max_length=80)
    evidence = forms.ModelChoiceField(
        label=_("Preuve de la bibliothèque"),
        queryset=EvidenceItem.objects.none(),
        empty_label=_("Choisissez une preuve"),
        error_messages={
            "required": _("Choisissez la preuve à rattacher."),
            "invalid_choice": _("Cette preuve n'existe pas ou est archivée."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = linkable_evidence()


class BudgetForm(_Form):
    class Meta:
        model = CertificationBudget
        fields = [
            "cycle_start_year",
            "internal_days",
            "internal_days_per_following_year",
            "internal_day_cost",
            "accompaniment_package",
            "accompaniment_extra_days",
            "accompaniment_extra_day_rate",
            "file_fee",
            "audit_cost",
            "initial_audit_days",
            "surveillance_audit_days",
            "renewal_audit_days",
            "annual_fee",
            "quality_training_funding",
        ]
