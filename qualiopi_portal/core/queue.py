"""Queue a Celery task by its registered name.

A service that hands work to a worker names the task instead of importing its task module,
which imports the service: the modules then import one way (docs/decisions/0016). Every app
that defines tasks imports its `tasks` module in `AppConfig.ready`, so the name is registered
in web processes too, and `apply_async` keeps Celery's behaviour (eager mode in tests).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app
from django.db import transaction

logger = logging.getLogger("qualiopi.queue")


def queue_task(name: str, *, args: list[Any] | None = None, **options: Any) -> None:
    """Send the task `name`; raises like `apply_async` when the broker cannot be reached."""
    current_app.tasks[name].apply_async(args=args or [], **options)


def queue_task_after_commit(name: str, *, args: list[Any] | None = None) -> None:
    """Send the task once the current transaction commits; a broker that cannot be reached then
    costs nothing but a log line: what was recorded stays waiting, and the periodic sweep of
    its app queues it again (ARCHITECTURE.md: the web keeps working when Redis is down)."""

    def send() -> None:
        try:
            queue_task(name, args=args)
        except Exception:
            logger.warning("could not queue %s %s; the sweep will", name, args)

    transaction.on_commit(send)
