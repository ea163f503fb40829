"""Comparing French text as people type it."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case, without accents, spaces collapsed: "Mineure " and "mineure" compare equal."""
    text = unicodedata.normalize("NFKD", text.lower())
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())
