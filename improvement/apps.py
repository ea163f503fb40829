from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImprovementConfig(AppConfig):
    """Tenant app: the plan de progrès (and, next, the registers that feed it)."""

    name = "improvement"
    verbose_name = _("Amélioration continue")
