"""allauth adapter: after login, send each user where their role expects."""

from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request) -> str:
        # "home" sends each user where their role expects: dashboard, chooser or portfolio.
        next_url = super().get_login_redirect_url(request)
        return next_url or reverse("home")
