"""Template context: the current organisation, the user's role and the switcher's entries."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from .selectors import organisation_accesses_for_user, user_is_consultant

# The switcher lists this many organisations; a consultant with more uses the portfolio.
SWITCHER_SIZE = 15


def organisation(request) -> dict:
    access = getattr(request, "organisation_access", None)
    user = getattr(request, "user", None)
    return {
        "current_organisation": getattr(request, "organisation", None),
        "current_access": access,
        "perms_here": access.permissions if access else frozenset(),
        # Lazy: only pages that show the switcher pay for the query.
        # One more than shown tells the template to offer "the whole portfolio".
        "switcher_accesses": SimpleLazyObject(
            lambda: (
                organisation_accesses_for_user(user=user, limit=SWITCHER_SIZE + 1) if user else []
            )
        ),
        "switcher_size": SWITCHER_SIZE,
        "is_consultant": SimpleLazyObject(lambda: user_is_consultant(user=user) if user else False),
    }
