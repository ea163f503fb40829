"""Forms of the training offers app: they validate input; services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qualiopi_portal.tenancy.forms import NativeDateInput, PortalForm, PortalModelForm

from .models import Offer, Session


class OfferForm(PortalModelForm):
    class Meta:
        model = Offer
        fields = [
            "title",
            "category",
            "is_certifying",
            "certification_title",
            "certification_code",
            "certifier",
            "certification_registered_on",
            "cpf_other_case",
            "has_alternance",
            "has_afest",
            "prerequisites",
            "objectives",
            "duration_hours",
            "access_modalities",
            "access_delay",
            "price",
            "price_details",
            "contacts",
            "methods",
            "evaluation",
            "accessibility",
            "disability_referent",
            "recognition",
            "financing",
            "programme",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in (
                "prerequisites",
                "objectives",
                "access_modalities",
                "contacts",
                "methods",
                "evaluation",
                "accessibility",
                "financing",
            )
        } | {
            "programme": forms.Textarea(attrs={"rows": 8}),
            "certification_registered_on": NativeDateInput(),
        }
        error_messages = {
            "certification_registered_on": {"invalid": _("Indiquez une date.")},
            "duration_hours": {"invalid": _("Indiquez une durée en heures (un nombre).")},
            "price": {"invalid": _("Indiquez un tarif en euros (un nombre).")},
        }


COUNT_FIELDS = (
    "enrolled",
    "completed",
    "dropouts",
    "certification_candidates",
    "certification_passed",
    "hot_responses",
    "cold_responses",
    "recommend_yes",
    "recommend_responses",
)


class SessionForm(PortalModelForm):
    class Meta:
        model = Session
        fields = [
            "starts_on",
            "ends_on",
            "place",
            "is_remote",
            "trainers",
            "subcontractor",
            "subcontractor_status",
            "enrolled",
            "completed",
            "dropouts",
            "dropout_reasons",
            "certification_candidates",
            "certification_passed",
            "hot_average",
            "hot_responses",
            "cold_average",
            "cold_responses",
            "recommend_yes",
            "recommend_responses",
        ]
        widgets = {
            "starts_on": NativeDateInput(),
            "ends_on": NativeDateInput(),
            "dropout_reasons": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in COUNT_FIELDS:
            self.fields[name].required = False  # left empty: none

    def clean(self):
        cleaned = super().clean()
        for name in COUNT_FIELDS:
            if cleaned.get(name) is None and name not in self.errors:
                cleaned[name] = 0
        return cleaned


class PeriodForm(PortalForm):
    start = forms.DateField(label=_("Du"), required=False, widget=NativeDateInput())
    end = forms.DateField(label=_("Au"), required=False, widget=NativeDateInput())

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("La fin de la période doit suivre son début."))
        return cleaned
