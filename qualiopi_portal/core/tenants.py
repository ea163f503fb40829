"""Entering an organisation: its schema, on the database its row names.

Every way into an organisation's data goes through here (the middleware, Celery tasks, nightly
loops, export and import): `organisation_scope(organisation)`, or `schema_context(name)` and
`tenant_context(organisation)`, drop-in replacements for django-tenants' own that also select
the organisation's database (docs/decisions/0022-past-one-database.md). With one database (no
ORGANISATION_DATABASES), they are django-tenants' context managers and nothing more.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from django.db import connection
from django_tenants.utils import get_public_schema_name
from django_tenants.utils import schema_context as _schema_context
from django_tenants.utils import tenant_context as _tenant_context

from .databases import MAIN, database_bound, organisation_databases


def current_schema_name() -> str:
    """The organisation's schema (or "public") the queries of this thread run in."""
    name: str = connection.schema_name  # type: ignore[attr-defined]
    return name


def database_of_schema(schema_name: str) -> str | None:
    """The database alias holding this organisation schema; None for public or a schema
    without an organisation row (the template exists on every database)."""
    if schema_name == get_public_schema_name() or len(organisation_databases()) <= 1:
        return MAIN if schema_name == get_public_schema_name() else None
    from qualiopi_portal.tenancy.models import Organisation

    database: str | None = (
        Organisation.objects.filter(schema_name=schema_name)
        .values_list("database", flat=True)
        .first()
    )
    return database


@contextmanager
def organisation_scope(organisation: Any) -> Iterator[None]:
    """Inside: `connection` is the organisation's database, in its schema."""
    with ExitStack() as stack:
        database = getattr(organisation, "database", MAIN) or MAIN
        if database != MAIN or len(organisation_databases()) > 1:
            stack.enter_context(database_bound(database))
        stack.enter_context(_tenant_context(organisation))
        yield


@contextmanager
def tenant_context(organisation: Any) -> Iterator[None]:
    """django-tenants' tenant_context, on the organisation's database."""
    with organisation_scope(organisation):
        yield


@contextmanager
def schema_context(schema_name: str) -> Iterator[None]:
    """django-tenants' schema_context, on the database of the organisation owning the schema.

    With several databases this costs one indexed query on the organisations table; callers
    that hold the Organisation use `organisation_scope` instead.
    """
    with ExitStack() as stack:
        database = database_of_schema(schema_name)
        if database is not None:
            stack.enter_context(database_bound(database))
        stack.enter_context(_schema_context(schema_name))
        yield
