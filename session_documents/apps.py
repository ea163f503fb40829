from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SessionDocumentsConfig(AppConfig):
    """Tenant app: the documents made from a session (convocation, convention, programme,
    attestation, certificat de réalisation, attendance sheet), stored as versioned proofs and
    sent to the learners by e-mail."""

    name = "session_documents"
    verbose_name = _("Documents des sessions")

    def ready(self) -> None:
        from learners.signals import learner_anonymising, learner_exporting

        from . import services, tasks  # noqa: F401  (tasks: registers the queued task names)

        learner_exporting.connect(services.learner_sections, dispatch_uid=f"{self.name}.export")
        learner_anonymising.connect(services.learner_erase, dispatch_uid=f"{self.name}.erase")
