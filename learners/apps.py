from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearnersConfig(AppConfig):
    """Tenant app: learners, their enrolments on sessions, and half-day e-attendance."""

    name = "learners"
    verbose_name = _("Apprenant·es et émargement")

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (registers the task names queued by the services)
