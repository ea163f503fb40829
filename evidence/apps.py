from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    """Tenant app: its tables live in every organisation's schema."""

    name = "evidence"
    verbose_name = _("Preuves")
