"""The schema the current connection works in, typed (django-tenants adds the attribute)."""

from __future__ import annotations

from django.db import connection


def current_schema_name() -> str:
    """The organisation's schema (or "public") the queries of this thread run in."""
    name: str = connection.schema_name  # type: ignore[attr-defined]
    return name
