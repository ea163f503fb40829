"""Choice labels come from a per-language table, and still follow the active language."""

from __future__ import annotations

from django.utils import translation

from evidence.models import EvidenceItem


def test_labels_follow_the_active_language_and_unknown_values_show_as_stored():
    item = EvidenceItem(kind="record", status="submitted")
    assert (item.get_kind_display(), item.get_status_display()) == (
        "Trace de mise en œuvre",
        "Soumise",
    )
    with translation.override("en"):
        assert (item.get_kind_display(), item.get_status_display()) == (
            "Record of practice",
            "Submitted",
        )
    assert item.get_kind_display() == "Trace de mise en œuvre"
    item.kind = "not-a-kind"
    assert item.get_kind_display() == "not-a-kind"
