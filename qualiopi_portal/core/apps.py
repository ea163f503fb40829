from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "qualiopi_portal.core"
    label = "core"
    verbose_name = _("Socle")

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_save

        from .databases import install_paired_atomic, user_saved

        # Secondary databases keep a copy of the users' identity (docs/decisions/0022).
        post_save.connect(user_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="users_copy")
        install_paired_atomic()
