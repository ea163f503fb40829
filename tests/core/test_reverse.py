"""fast_reverse() gives reverse()'s paths."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse

from qualiopi_portal.core.reverse import fast_reverse

CASES = [
    ("org:dashboard", {"organisation_slug": "alpha"}),
    ("org:evidence_detail", {"organisation_slug": "cfa-metiers", "pk": 12}),
    ("org:record_correct", {"organisation_slug": "alpha", "session_pk": 3, "pk": 45}),
    ("org:evidence_export", {"organisation_slug": "alpha", "export_format": "xlsx"}),
    ("org:slot_close", {"organisation_slug": "beta", "session_pk": 7391546, "slot_pk": 1}),
    ("portfolio", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), CASES)
def test_the_same_paths_as_reverse(name, kwargs):
    assert fast_reverse(name, kwargs) == reverse(name, kwargs=kwargs)
    assert fast_reverse(name, kwargs) == reverse(name, kwargs=kwargs)  # from the cache


def test_values_reverse_would_quote_go_through_reverse():
    kwargs = {"organisation_slug": "alpha", "export_format": "a bé"}
    name = "org:evidence_export"
    assert fast_reverse(name, kwargs) == reverse(name, kwargs=kwargs)
    assert "a%20b" in fast_reverse(name, kwargs)


def test_an_unknown_name_raises_like_reverse():
    with pytest.raises(NoReverseMatch):
        fast_reverse("org:nope", {"organisation_slug": "alpha"})
