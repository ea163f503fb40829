"""Forms of surveys: they read input; services decide (surveys.services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qualiopi_portal.tenancy.forms import PortalModelForm

from .models import Stakeholder


class StakeholderForm(PortalModelForm):
    class Meta:
        model = Stakeholder
        fields = ["audience", "organisation_name", "name", "email"]
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "off"})}
        error_messages = {"email": {"invalid": _("Saisissez une adresse e-mail valide.")}}

    def _post_clean(self) -> None:
        pass  # the service validates and creates (stakeholder_create)
