"""The one way a domain asks readiness to follow a change (docs/decisions/0016).

Readiness reads every domain (evidence, findings, offers, self-assessment, actions), so the
domains must not import it back. A write that can move readiness calls `readiness_changed`;
after the transaction commits, the signal reaches the readiness app, which queues one
debounced recomputation of the organisation (`indicators.services.readiness_recompute_request`,
connected in `indicators.apps`).
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

from .tenants import current_schema_name

# Sent after commit with `schema_name` and `reason` (a few words for the log).
readiness_inputs_changed = Signal()


def readiness_changed(reason: str) -> None:
    """After the current transaction commits, ask for a recomputation of this organisation."""
    # The schema is taken now: the callback may run after the request has left it.
    schema_name = current_schema_name()
    transaction.on_commit(
        lambda: readiness_inputs_changed.send(sender=None, schema_name=schema_name, reason=reason)
    )
