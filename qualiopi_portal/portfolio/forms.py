"""Filters of the consultant's portfolio."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qualiopi_portal.tenancy.forms import PortalForm


class PortfolioFilterForm(PortalForm):
    """Filters of the consultant cockpit (GET parameters in French, like the URLs)."""

    q = forms.CharField(label=_("Rechercher un client"), required=False, max_length=100)
    issue = forms.ChoiceField(
        label=_("Issue prévisible"),
        required=False,
        choices=[
            ("", _("Toutes")),
            ("certifiable", _("Certifiable")),
            ("certifiable_with_minors", _("Certifiable avec NC mineures")),
            ("not_certifiable", _("Non certifiable en l'état")),
            ("non-calcule", _("Pas encore calculée")),
        ],
    )
    audit_sous = forms.TypedChoiceField(
        label=_("Audit dans les"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("Peu importe")),
            (30, _("30 jours")),
            (90, _("90 jours")),
            (180, _("6 mois")),
        ],
    )
