from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Tenant app: generated PDFs and evidence packs, and the jobs that make them."""

    name = "reports"
    verbose_name = _("Rapports")

    def ready(self) -> None:
        from . import tasks  # noqa: F401 - registers the task names services queue by
