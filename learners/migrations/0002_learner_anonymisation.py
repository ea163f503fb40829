"""Anonymisation: learners record when their identity was erased; attendance records keep the
digest of the typed name, which the chain now covers instead of the name itself.

The records written before (the first day of the feature, demo data) are chained again in the
new format, in their order; from here on the format is fixed (docs/decisions/0017).
"""

import hashlib
import json
from datetime import UTC

from django.db import migrations, models

GENESIS = "0" * 64


def _content(record) -> dict:
    slot = record.slot
    return {
        "slot": record.slot_id,
        "day": slot.day.isoformat(),
        "half": slot.half,
        "enrolment": record.enrolment_id,
        "kind": record.kind,
        "status": record.status,
        "recorded_at": record.recorded_at.astimezone(UTC).isoformat(),
        "signed_name": record.signed_name_digest,
        "consent": record.consent,
        "minutes_late": record.minutes_late,
        "minutes_left_early": record.minutes_left_early,
        "recorded_by": record.recorded_by_id,
        "reason": record.reason,
        "corrects": record.corrects_id,
    }


def rechain(apps, schema_editor):
    Record = apps.get_model("learners", "AttendanceRecord")
    previous_by_session: dict[int, str] = {}
    for record in Record.objects.select_related("slot").order_by("pk"):
        record.signed_name_digest = (
            hashlib.sha256(record.signed_name.encode()).hexdigest() if record.signed_name else ""
        )
        previous = previous_by_session.get(record.slot.session_id, GENESIS)
        canonical = json.dumps(
            _content(record), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
        record.previous_hash = previous
        record.hash = hashlib.sha256(f"{previous}\n{canonical}".encode()).hexdigest()
        record.save(update_fields=["signed_name_digest", "previous_hash", "hash"])
        previous_by_session[record.slot.session_id] = record.hash


class Migration(migrations.Migration):
    dependencies = [("learners", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="attendancerecord",
            name="signed_name_digest",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="learner",
            name="anonymised_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="anonymisé·e le"),
        ),
        migrations.RunPython(rechain, migrations.RunPython.noop),
    ]
