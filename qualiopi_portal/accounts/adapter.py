"""allauth adapter: after login, send each user where their role expects; e-mails speak as
the portal, not as the server's address."""

from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request) -> str:
        # "home" sends each user where their role expects: dashboard, chooser or portfolio.
        next_url = super().get_login_redirect_url(request)
        return next_url or reverse("home")

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # Without django.contrib.sites, allauth names the site after the request's host
        # ("Bonjour, c'est 127.0.0.1:8000 !"): the portal's own name and address instead.
        site = SimpleNamespace(
            name=_("Portail Qualiopi"), domain=urlsplit(settings.PORTAL_URL).netloc
        )
        super().send_mail(template_prefix, email, {**context, "current_site": site})
