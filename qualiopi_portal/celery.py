"""The Celery app: tasks sent from an organisation's request run in that organisation's schema."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qualiopi_portal.settings.local")

app = CeleryApp("qualiopi_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
