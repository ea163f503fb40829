"""Forms of the self-assessment: they validate input; services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from evidence.forms import member_queryset
from evidence.models import EvidenceItem
from qualiopi_portal.tenancy.forms import PortalForm
from qualiopi_portal.tenancy.models import Organisation, Role

from .models import Rating


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.email


class CampaignForm(PortalForm):
    title = forms.CharField(label=_("Intitulé"), max_length=200)
    respondents = UserMultipleChoiceField(
        label=_("Répondant·es"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Direction, référent·e qualité, équipe : chacun·e répond pour soi."),
        error_messages={"required": _("Choisissez au moins un·e répondant·e.")},
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["respondents"].queryset = member_queryset(
            organisation, {Role.REFERENT, Role.DIRECTOR, Role.CONSULTANT}
        )


def _rating_field(label) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=[("", _("— pas encore évalué —")), *Rating.choices],
        required=False,
        widget=forms.RadioSelect,
    )


class AnswerForm(PortalForm):
    """Steps 2 to 5 of the method: process, proofs, rating, corrective actions."""

    process = forms.CharField(
        label=_("2. Votre processus, avec vos mots"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Comment faites-vous, concrètement, ce que l'indicateur demande ?"),
    )
    evidence = forms.ModelMultipleChoiceField(
        label=_("3. Les preuves identifiées"),
        queryset=EvidenceItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    rating = _rating_field(_("4. Votre appréciation"))
    justification = forms.CharField(
        label=_("Justification de la non-applicabilité"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    corrective_actions = forms.CharField(
        label=_("5. Actions correctives à mener"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, evidence_items, allows_not_applicable: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = evidence_items
        self.fields["evidence"].label_from_instance = lambda item: item.title
        if not allows_not_applicable:
            self.fields["rating"].choices = [
                choice for choice in self.fields["rating"].choices if choice[0] != "not_applicable"
            ]
            del self.fields["justification"]


class AgreedRatingForm(PortalForm):
    rating = forms.ChoiceField(
        label=_("Appréciation retenue"),
        choices=Rating.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez l'appréciation retenue.")},
    )
    justification = forms.CharField(
        label=_("Justification de la non-applicabilité"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    comment = forms.CharField(
        label=_("Commentaire de la revue"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, allows_not_applicable: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not allows_not_applicable:
            self.fields["rating"].choices = [
                choice for choice in Rating.choices if choice[0] != "not_applicable"
            ]
            del self.fields["justification"]
