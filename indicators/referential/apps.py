from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferentialConfig(AppConfig):
    """Shared sub-app: the RNQ referential (versions, criteria, indicators) in the public schema."""

    name = "indicators.referential"
    label = "referential"
    verbose_name = _("Référentiel national qualité")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import Criterion, Indicator, ReferentialVersion
        from .selectors import referential_cache_clear

        def clear(**kwargs) -> None:
            referential_cache_clear()

        # Any write to the referential in this process drops the process cache at once (the
        # other processes re-read it within selectors.CACHE_SECONDS).
        for model in (ReferentialVersion, Criterion, Indicator):
            for signal in (post_save, post_delete):
                signal.connect(
                    clear, sender=model, weak=False, dispatch_uid=f"ref-{model.__name__}-{signal}"
                )
