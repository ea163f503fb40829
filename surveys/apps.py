from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    """Tenant app: questionnaires (versioned), invitations sent to respondents without an
    account, their answers, and the rates computed from them (indicators 2, 30, 33)."""

    name = "surveys"
    verbose_name = _("Enquêtes")

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (registers the task names queued by the services)
