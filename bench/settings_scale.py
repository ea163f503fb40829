"""Settings of `make bench-scale`: the local ones plus a bench-only tenant app whose migration
is switched on (SCALE_APP_MIGRATION=1) only for the timed "one new migration" step, and a Celery
queue of its own so that a `make run` worker on the same Redis never takes the bench's tasks."""

from qualiopi_portal.settings.local import *  # noqa: F403
from qualiopi_portal.settings.local import INSTALLED_APPS, TENANT_APPS, env

TENANT_APPS = [*TENANT_APPS, "bench.scale_app"]
INSTALLED_APPS = [*INSTALLED_APPS, "bench.scale_app"]
if not env.bool("SCALE_APP_MIGRATION", default=False):
    MIGRATION_MODULES = {"scale_app": None}  # an app without migrations: no table yet
CELERY_TASK_DEFAULT_QUEUE = "bench-scale"
