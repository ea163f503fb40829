"""Writes of the indicators app."""

from __future__ import annotations

import logging

from django.db import connection

logger = logging.getLogger("qualiopi.readiness")


def readiness_recompute_request(*, reason: str) -> None:
    """Called by every change that can move readiness (evidence created, validated, expired…).

    The readiness issue (scores computed by Celery) plugs the recomputation in here; until then
    the request is only logged, with the schema it concerns, so the call sites are already in
    place and tested.
    """
    logger.info("readiness recompute requested for %s: %s", connection.schema_name, reason)
