"""An organisation's schema built before the split of `indicators` (docs/decisions/0016) keeps
every row once migrated to the new layout: the models moved, their tables did not."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from assessments.models import AgreedRating, Answer, Campaign, Respondent
from evidence.models import EvidenceItem
from improvement.models import Action
from qualiopi_portal.core.tenants import schema_context
from reports.models import Report

pytestmark = pytest.mark.django_db

# The tenant apps' migrations as they stood before the split (main at 709f1cd).
BEFORE_SPLIT = [
    ("indicators", "0007_report_failures"),
    ("assessments", None),
    ("improvement", None),
    ("reports", None),
]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)  # a fresh loader reads what is applied now


def test_rows_written_before_the_split_are_read_by_the_new_apps(world):
    user = world.referent_a
    with schema_context("org_alpha"):
        executor = _migrate(BEFORE_SPLIT)
        applied = executor.loader.applied_migrations
        assert ("indicators", "0008_models_moved_to_their_apps") not in applied
        assert ("assessments", "0001_initial") not in applied
        old = executor.loader.project_state(("indicators", "0007_report_failures")).apps
        item = EvidenceItem.objects.create(
            title="Procédure d'accueil", indicator_numbers=[1], owner=user, created_by=user
        )
        campaign = old.get_model("indicators", "Campaign").objects.create(
            title="Autoévaluation de printemps", version_code="v10", created_by_id=user.pk
        )
        old.get_model("indicators", "Respondent").objects.create(
            campaign_id=campaign.pk, user_id=user.pk
        )
        answer = old.get_model("indicators", "Answer").objects.create(
            campaign_id=campaign.pk,
            respondent_id=user.pk,
            indicator_number=1,
            process="Le catalogue en ligne, relu chaque trimestre.",
            rating="nc_minor",
        )
        answer.evidence.add(item.pk)
        old.get_model("indicators", "AgreedRating").objects.create(
            campaign_id=campaign.pk, indicator_number=1, rating="conform", reviewed_by_id=user.pk
        )
        action = old.get_model("indicators", "Action").objects.create(
            title="Publier les délais d'accès",
            indicator_numbers=[1, 2],
            owner_id=user.pk,
            due_date=date(2027, 1, 15),
            source="self_assessment",
            campaign_id=campaign.pk,
            completion_evidence_id=item.pk,
            created_by_id=user.pk,
        )
        report = old.get_model("indicators", "Report").objects.create(
            kind="readiness", status="ready", size=1234, requested_by_id=user.pk
        )

        executor = _migrate(executor.loader.graph.leaf_nodes())
        assert ("indicators", "0008_models_moved_to_their_apps") in (
            executor.loader.applied_migrations
        )
        moved = Campaign.objects.get(pk=campaign.pk)
        assert (moved.title, moved.version_code, moved.created_by_id) == (
            "Autoévaluation de printemps",
            "v10",
            user.pk,
        )
        assert list(
            Respondent.objects.filter(campaign=moved).values_list("user_id", flat=True)
        ) == [user.pk]
        answer = Answer.objects.get(campaign=moved)
        assert (answer.process, answer.rating, list(answer.evidence.all())) == (
            "Le catalogue en ligne, relu chaque trimestre.",
            "nc_minor",
            [item],
        )
        assert AgreedRating.objects.get(campaign=moved).rating == "conform"
        action = Action.objects.get(pk=action.pk)
        assert (
            action.title,
            action.indicator_numbers,
            action.campaign,
            action.completion_evidence,
            action.due_date,
        ) == ("Publier les délais d'accès", [1, 2], moved, item, date(2027, 1, 15))
        assert list(moved.actions.all()) == [action]
        report = Report.objects.get(pk=report.pk)
        assert (report.kind, report.status, report.size) == ("readiness", "ready", 1234)
