"""The Celery app: tasks sent from an organisation's request run in that organisation's schema."""

import os
from contextlib import ExitStack

from celery.signals import task_postrun, task_prerun
from tenant_schemas_celery.app import CeleryApp, get_schema_name_from_task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qualiopi_portal.settings.local")

app = CeleryApp("qualiopi_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect(dispatch_uid="qualiopi_organisation_database")
def _enter_organisation_database(task, kwargs=None, **extra):
    """After tenant-schemas-celery chose the schema: also its organisation's database.

    Only with several databases (docs/decisions/0022); the database is read from the
    organisation's row at each task, never cached, so a moved organisation is found at once.
    """
    from django.db import connections
    from django_tenants.utils import get_public_schema_name

    from qualiopi_portal.core.databases import (
        bound_alias,
        database_bound,
        organisation_databases,
    )
    from qualiopi_portal.core.tenants import database_of_schema

    schema = get_schema_name_from_task(task, kwargs)
    if not schema or schema == get_public_schema_name() or len(organisation_databases()) <= 1:
        return
    database = database_of_schema(schema)
    if database is None or database == bound_alias():
        # Nothing to change (an eager task run inside the organisation's own scope).
        return
    stack = ExitStack()
    tenant = connections["default"].tenant
    connections["default"].set_schema_to_public()
    stack.enter_context(database_bound(database))
    stack.callback(connections["default"].set_schema_to_public)
    connections["default"].set_tenant(tenant)
    task._organisation_database = stack


@task_postrun.connect(dispatch_uid="qualiopi_organisation_database_exit")
def _leave_organisation_database(task, **extra):
    stack = getattr(task, "_organisation_database", None)
    if stack is not None:
        task._organisation_database = None
        stack.close()
