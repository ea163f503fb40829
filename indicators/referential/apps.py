from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferentialConfig(AppConfig):
    """Shared sub-app: the RNQ referential (versions, criteria, indicators) in the public schema."""

    name = "indicators.referential"
    label = "referential"
    verbose_name = _("Référentiel national qualité")
