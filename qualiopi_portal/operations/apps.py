from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Public part, no models: platform operations across every domain — the demo data, an
    organisation's export and import."""

    name = "qualiopi_portal.operations"
    label = "operations"
    verbose_name = _("Exploitation")
