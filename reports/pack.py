"""The evidence pack for the certifier: a ZIP by criterion and indicator with the current
validated version of each file, and an index (HTML and CSV).

Written file by file into the ZIP on disk (zipfile copies in small chunks), so memory stays flat
however large the library; downloaded through the same access-checked, streamed view as reports.
"""

from __future__ import annotations

import csv
import io
import os
import uuid
import zipfile
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from evidence.models import EvidenceItem, EvidenceVersion
from evidence.storage import evidence_storage
from indicators.models import ReadinessSnapshot
from indicators.referential import selectors as referential
from qualiopi_portal.tenancy.models import Organisation


@dataclass(frozen=True)
class PackEntry:
    criterion: int
    indicator: int
    indicator_title: str
    item: EvidenceItem
    version: EvidenceVersion | None
    path: str  # inside the ZIP; empty for a web link


def _slug(text: str) -> str:
    """ASCII file names; the ligatures French uses are spelled out, not dropped."""
    for ligature, letters in (("œ", "oe"), ("Œ", "Oe"), ("æ", "ae"), ("Æ", "Ae")):
        text = text.replace(ligature, letters)
    return slugify(text)


def _folder(number: int, title: str) -> str:
    return f"indicateur-{number:02d}-{_slug(title)[:50]}"


def pack_entries(snapshot: ReadinessSnapshot) -> list[PackEntry]:
    """Every validated item under each applicable indicator it proves."""
    version = referential.version_get(code=snapshot.version_code)
    applicable = {
        item["number"]
        for item in snapshot.result["indicators"]
        if item["status"] != "not_applicable"
    }
    indicators = {i.number: i for i in referential.indicators_of(version) if i.number in applicable}
    items = list(
        EvidenceItem.objects.filter(
            is_archived=False, status=EvidenceItem.Status.VALIDATED
        ).order_by("title", "pk")
    )
    latest = {
        v.item_id: v
        for v in EvidenceVersion.objects.filter(item__in=items).order_by("item_id", "number")
    }
    entries = []
    for number in sorted(indicators):
        indicator = indicators[number]
        folder = f"critere-{indicator.criterion.number}/{_folder(number, indicator.title)}"
        for item in items:
            if number not in item.indicator_numbers:
                continue
            current = latest.get(item.pk)
            path = ""
            if current is not None:
                base, extension = os.path.splitext(current.original_name)
                stem = _slug(base)[:60] or "preuve"
                path = f"{folder}/{stem}-{item.pk}-v{current.number}{extension.lower()}"
            entries.append(
                PackEntry(indicator.criterion.number, number, indicator.title, item, current, path)
            )
    return entries


def build_pack(
    *, organisation: Organisation, snapshot: ReadinessSnapshot, name: str | None = None
) -> tuple[str, int]:
    """Write the ZIP into the organisation's storage; returns its stored name and size.

    A report passes the name of its rendering attempt, so that a retry after a lost worker
    knows which file a cut-short attempt may have left (see reports.report_claim).
    """
    entries = pack_entries(snapshot)
    name = name or f"{organisation.schema_name}/reports/dossier-de-preuves-{uuid.uuid4().hex}.zip"
    target = evidence_storage.path(name)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    rows = io.StringIO()
    writer = csv.writer(rows, delimiter=";")
    writer.writerow(
        [
            "critère",
            "indicateur",
            "intitulé",
            "preuve",
            "version",
            "fichier",
            "valable jusqu'au",
            "sha256",
            "lien",
        ]
    )
    for entry in entries:
        writer.writerow(
            [
                entry.criterion,
                entry.indicator,
                entry.indicator_title,
                entry.item.title,
                entry.version.number if entry.version else "",
                entry.path,
                entry.item.valid_until.isoformat() if entry.item.valid_until else "",
                entry.version.sha256 if entry.version else "",
                entry.item.url,
            ]
        )
    index = render_to_string(
        "reports/pack_index.html",
        {
            "organisation": organisation,
            "entries": entries,
            "generated_at": timezone.now(),
            "snapshot": snapshot,
        },
    )
    try:
        with open(target, "wb") as handle, zipfile.ZipFile(handle, "w") as archive:
            archive.writestr("index.html", index, compress_type=zipfile.ZIP_DEFLATED)
            archive.writestr(
                "index.csv", "\ufeff" + rows.getvalue(), compress_type=zipfile.ZIP_DEFLATED
            )
            for entry in entries:
                if entry.version is not None:
                    archive.write(
                        entry.version.file.path, entry.path, compress_type=zipfile.ZIP_STORED
                    )
    except BaseException:
        if os.path.exists(target):
            os.remove(target)  # never half a pack
        raise
    return name, os.path.getsize(target)
