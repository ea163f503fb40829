from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SessionDocumentsConfig(AppConfig):
    """Tenant app: the documents made from a session (convocation, convention, programme,
    attestation, certificat de réalisation, attendance sheet), stored as versioned proofs and
    sent to the learners by e-mail."""

    name = "session_documents"
    verbose_name = _("Documents des sessions")

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (registers the task names queued by the services)
