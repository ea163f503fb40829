"""Template context: the current organisation, the user's role and the switcher's entries."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from .selectors import Switcher, switcher_for_user

# The switcher lists this many organisations; a consultant with more uses the portfolio.
SWITCHER_SIZE = 15


def organisation(request) -> dict:
    access = getattr(request, "organisation_access", None)
    user = getattr(request, "user", None)
    # Lazy: only pages that show the top bar pay for its one query.
    # One more than shown tells the template to offer "the whole portfolio".
    switcher = SimpleLazyObject(
        lambda: (
            switcher_for_user(user=user, limit=SWITCHER_SIZE + 1) if user else Switcher([], False)
        )
    )
    return {
        "current_organisation": getattr(request, "organisation", None),
        "current_access": access,
        "perms_here": access.permissions if access else frozenset(),
        "switcher_entries": SimpleLazyObject(lambda: switcher.entries),
        "switcher_size": SWITCHER_SIZE,
        "is_consultant": SimpleLazyObject(lambda: switcher.is_consultant),
    }
