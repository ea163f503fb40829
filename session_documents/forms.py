"""Forms of the session documents: they validate input; services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qualiopi_portal.tenancy.forms import PortalForm


class TemplateForm(PortalForm):
    letterhead = forms.CharField(
        label=_("En-tête"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Vide : la raison sociale, le SIRET et le numéro de déclaration d'activité."),
    )
    body = forms.CharField(
        label=_("Texte"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Vide : le texte proposé par le portail."),
    )
    closing = forms.CharField(
        label=_("Pied de page"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    signatory = forms.CharField(
        label=_("Signataire (nom et fonction)"), required=False, max_length=200
    )
