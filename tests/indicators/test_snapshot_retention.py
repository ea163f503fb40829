"""Readiness snapshots stop growing: every one for 90 days, then the last of each week, and
whatever a report was drawn from."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from indicators import tasks
from indicators.models import ReadinessSnapshot
from indicators.services import snapshots_thin
from qualiopi_portal.core.tenants import schema_context
from reports.models import Report

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=PARIS)


def _snapshot(at: datetime) -> ReadinessSnapshot:
    snapshot = ReadinessSnapshot.objects.create(
        version_code="v10",
        target_date=date(2027, 3, 1),
        overall_percent=50.0,
        outcome="certifiable",
        predicted_major=0,
        predicted_minor=0,
        result={"indicators": [], "criterion_percent": {}},
    )
    ReadinessSnapshot.objects.filter(pk=snapshot.pk).update(computed_at=at)
    return snapshot


def _twice_a_day(first: date, days: int) -> None:
    for offset in range(days):
        day = first + timedelta(days=offset)
        for hour in (9, 17):
            _snapshot(datetime(day.year, day.month, day.day, hour, tzinfo=PARIS))


def test_old_snapshots_keep_one_a_week_and_those_a_report_points_at(world, settings):
    settings.READINESS_SNAPSHOTS_KEEP_ALL_DAYS = 90
    with schema_context(world.org_a.schema_name):
        ReadinessSnapshot.objects.all().delete()
        # Four whole weeks, Monday 3 to Sunday 30 August: older than 90 days.
        _twice_a_day(date(2026, 8, 3), 28)
        # The last days: recent.
        _twice_a_day(date(2026, 11, 30), 4)
        drawn = ReadinessSnapshot.objects.get(computed_at=datetime(2026, 8, 12, 9, tzinfo=PARIS))
        Report.objects.create(
            kind="readiness", status="ready", requested_by=world.referent_a, snapshot=drawn
        )
        assert ReadinessSnapshot.objects.count() == 64

        assert snapshots_thin(now=NOW) == 51

        kept = sorted(
            s.computed_at.astimezone(PARIS).strftime("%a %d/%m %Hh")
            for s in ReadinessSnapshot.objects.filter(computed_at__lt=NOW - timedelta(days=90))
        )
        # The last computation of each week (Sunday, 17 h) and the report's one.
        assert kept == [
            "Sun 09/08 17h",
            "Sun 16/08 17h",
            "Sun 23/08 17h",
            "Sun 30/08 17h",
            "Wed 12/08 09h",
        ]
        assert (
            ReadinessSnapshot.objects.filter(
                computed_at__gte=datetime(2026, 11, 30, tzinfo=PARIS)
            ).count()
            == 8
        )
        assert Report.objects.get().snapshot_id == drawn.pk
        assert snapshots_thin(now=NOW) == 0


def test_an_organisation_idle_for_months_keeps_its_latest_snapshot(world):
    with schema_context(world.org_a.schema_name):
        ReadinessSnapshot.objects.all().delete()
        _twice_a_day(date(2026, 1, 5), 1)  # Monday: both in the same week
        assert snapshots_thin(now=NOW) == 1
        (left,) = ReadinessSnapshot.objects.all()
        assert left.computed_at == datetime(2026, 1, 5, 17, tzinfo=PARIS)


def test_the_nightly_task_thins_every_organisation_one_task_each(world, settings):
    settings.READINESS_SNAPSHOTS_KEEP_ALL_DAYS = 90
    for organisation in (world.org_a, world.org_b):
        with schema_context(organisation.schema_name):
            ReadinessSnapshot.objects.all().delete()
            _twice_a_day(date(2026, 1, 5), 3)  # Monday to Wednesday, long ago
    queued = tasks.snapshots_thin_all_task()  # eager in tests: each task runs at once
    assert queued == 3  # Alpha, Beta, Gamma
    for organisation in (world.org_a, world.org_b):
        with schema_context(organisation.schema_name):
            assert ReadinessSnapshot.objects.count() == 1
