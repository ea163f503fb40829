"""Which running worker this process belongs to, to tell a lost worker from a failed rendering.

A Celery worker's main process draws one incarnation name when it starts, before it forks its
pool: every pool process inherits it and a restarted worker gets a new one. A rendering claimed
under the incarnation still running here died inside a live worker (its pool process was killed
at the hard time limit or by the out-of-memory killer): the document's own failure. Claimed
under another one, its worker was lost (docs/decisions/0011-lost-work.md).
"""

from __future__ import annotations

import os
import socket
import uuid

from celery.signals import worker_init

# Outside a worker (the web process, eager tasks in tests) the process itself is the claimant.
_incarnation = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


@worker_init.connect
def _draw_incarnation(sender=None, **kwargs) -> None:
    global _incarnation
    hostname = getattr(sender, "hostname", None) or socket.gethostname()
    _incarnation = f"{hostname}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def worker_incarnation() -> str:
    """This process's worker incarnation (at most 120 characters)."""
    return _incarnation[-120:]
