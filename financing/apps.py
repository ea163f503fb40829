from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinancingConfig(AppConfig):
    """Tenant app: its tables live in every organisation's schema."""

    name = "financing"
    verbose_name = _("Financements")
