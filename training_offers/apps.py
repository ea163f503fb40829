from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingOffersConfig(AppConfig):
    """Tenant app: its tables live in every organisation's schema."""

    name = "training_offers"
    verbose_name = _("Offres de formation")
