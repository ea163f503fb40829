"""Forms of the plan de progrès: they validate input; services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from evidence.forms import UserChoiceField, indicator_choices, member_queryset
from evidence.models import EvidenceItem
from qualiopi_portal.tenancy.forms import NativeDateInput, PortalForm
from qualiopi_portal.tenancy.models import Organisation, Role

from .models import Action


class EvidenceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.title


class ActionForm(PortalForm):
    title = forms.CharField(label=_("Action"), max_length=300)
    description = forms.CharField(
        label=_("Précisions"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    indicator_numbers = forms.TypedMultipleChoiceField(
        label=_("Indicateurs concernés"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "indicator-choices"}),
    )
    owner = UserChoiceField(
        label=_("Responsable"),
        queryset=None,
        required=False,
        empty_label=_("— choisir —"),
    )
    due_date = forms.DateField(
        label=_("Échéance"),
        required=False,
        widget=NativeDateInput(),
    )
    status = forms.ChoiceField(label=_("État"), choices=Action.Status.choices)
    completion_evidence = EvidenceChoiceField(
        label=_("Preuve de réalisation"),
        queryset=EvidenceItem.objects.none(),
        required=False,
        empty_label=_("— aucune —"),
    )
    completion_note = forms.CharField(
        label=_("Constat de réalisation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Ce qui a été fait, quand, et où le vérifier."),
    )

    def __init__(self, *args, organisation: Organisation, indicators, applicable, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator_numbers"].choices = indicator_choices(indicators, applicable)
        self.fields["owner"].queryset = member_queryset(organisation, set(Role))
        self.fields["completion_evidence"].queryset = EvidenceItem.objects.filter(
            is_archived=False
        ).order_by("title")


class ActionFilterForm(PortalForm):
    STATUS_CHOICES = [
        ("", _("Toutes")),
        ("open", _("À mener (à faire ou en cours)")),
        ("overdue", _("En retard")),
        *Action.Status.choices,
    ]
    status = forms.ChoiceField(label=_("État"), choices=STATUS_CHOICES, required=False)
    indicator = forms.TypedChoiceField(
        label=_("Indicateur"), coerce=int, required=False, empty_value=None
    )
    owner = UserChoiceField(
        label=_("Responsable"), queryset=None, required=False, empty_label=_("Tous")
    )

    def __init__(self, *args, organisation: Organisation, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [("", _("Tous"))] + [
            (i.number, f"{i.number} — {i.title}") for i in indicators
        ]
        self.fields["owner"].queryset = member_queryset(organisation, set(Role))
