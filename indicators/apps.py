from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    """Tenant app: its tables live in every organisation's schema."""

    name = "indicators"
    verbose_name = _("Indicateurs et préparation")
