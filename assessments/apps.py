from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    """Tenant app: self-assessment campaigns (and, next, the mock audit)."""

    name = "assessments"
    verbose_name = _("Autoévaluation")
