"""Platform tasks that are not about one organisation."""

from __future__ import annotations

from celery import bootsteps, shared_task
from celery.signals import worker_ready

from qualiopi_portal.celery import app

from . import workers  # noqa: F401 - names the worker incarnation at start
from .heartbeat import SCHEDULER_KEY, WORKER_KEY, heartbeat_write


@shared_task(name="core.worker_heartbeat_task", ignore_result=True)
def worker_heartbeat_task() -> None:
    """Scheduled by beat: its mark proves that beat schedules and a worker executes."""
    heartbeat_write(SCHEDULER_KEY)


class WorkerHeartbeatStep(bootsteps.StartStopStep):
    """Marks the worker alive every 15 s from the worker's own timer, beat or no beat."""

    requires = {"celery.worker.components:Timer"}

    def start(self, worker) -> None:
        self._entry = worker.timer.call_repeatedly(15.0, heartbeat_write, (WORKER_KEY,))

    def stop(self, worker) -> None:
        entry = getattr(self, "_entry", None)
        if entry is not None:
            entry.cancel()


app.steps["worker"].add(WorkerHeartbeatStep)


@worker_ready.connect
def _mark_worker_ready(**_kwargs) -> None:
    heartbeat_write(WORKER_KEY)
