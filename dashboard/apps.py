from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """No models: the organisation's dashboard, a page that reads every domain."""

    name = "dashboard"
    verbose_name = _("Tableau de bord")
