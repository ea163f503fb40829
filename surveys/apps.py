from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    """Tenant app: questionnaires (versioned), invitations sent to respondents without an
    account, their answers, and the rates computed from them (indicators 2, 30, 33)."""

    name = "surveys"
    verbose_name = _("Enquêtes")

    def ready(self) -> None:
        from learners.signals import learner_anonymising, learner_exporting

        from . import services, tasks  # noqa: F401  (tasks: registers the queued task names)

        learner_exporting.connect(services.learner_sections, dispatch_uid=f"{self.name}.export")
        learner_anonymising.connect(services.learner_erase, dispatch_uid=f"{self.name}.erase")
