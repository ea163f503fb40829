"""Secret links (invitations, calendar feeds, auditor access): the token travels in the URL,
only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh URL-safe secret and the hash to store."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)
