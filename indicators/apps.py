from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    """Tenant app: the readiness of an organisation (its tables live in every schema)."""

    name = "indicators"
    verbose_name = _("Indicateurs et préparation")

    def ready(self) -> None:
        from qualiopi_portal.core.signals import readiness_inputs_changed

        from . import tasks  # noqa: F401 - registers the task names services queue by
        from .services import readiness_recompute_request

        # The one way in from the domains (qualiopi_portal.core.signals).
        readiness_inputs_changed.connect(
            readiness_recompute_request, dispatch_uid="indicators.readiness_recompute_request"
        )
