"""Writes shared by every app."""

from __future__ import annotations

from typing import Any

from .models import AuditEvent


def audit_event_record(
    *, action: str, actor: Any = None, organisation: Any = None, **details: Any
) -> AuditEvent:
    """Append one event; callers pass JSON-serialisable details."""
    return AuditEvent.objects.create(
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        organisation=organisation,
        details=details,
    )
