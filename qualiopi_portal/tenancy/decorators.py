"""Access decorators for views inside an organisation."""

from __future__ import annotations

from functools import wraps

from django.http import Http404

from .permissions import Permission


def organisation_permission_required(permission: Permission):
    """404 (not 403) when the role lacks the permission: nothing to learn from the answer."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            access = getattr(request, "organisation_access", None)
            if access is None or not access.has(permission):
                raise Http404
            return view(request, *args, **kwargs)

        wrapped.required_permission = permission
        return wrapped

    return decorator
