from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditsConfig(AppConfig):
    """Tenant app: its tables live in every organisation's schema."""

    name = "audits"
    verbose_name = _("Audits")
