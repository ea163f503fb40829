from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortfolioConfig(AppConfig):
    """Public part, no models: the consultant's portfolio across client organisations."""

    name = "qualiopi_portal.portfolio"
    label = "portfolio"
    verbose_name = _("Portefeuille")
