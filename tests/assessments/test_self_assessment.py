"""Self-assessment campaigns and the action plan: rules, errors in French, effect on readiness."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments import selectors as assessment_selectors
from assessments import services as assessment_services
from assessments.models import Campaign, Rating
from improvement import services as improvement_services
from improvement.models import Action
from indicators import services
from indicators.readiness import consolidate, effective_ratings
from indicators.referential.models import Indicator
from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.tenancy.models import Organisation, OrganisationReadiness

from ..indicators.test_readiness_services import _validated

pytestmark = pytest.mark.django_db


def _indicator(number: int, version: str = "v10") -> Indicator:
    return Indicator.objects.get(version__code=version, number=number)


def _campaign(world, respondents=None, version: str = "v10") -> Campaign:
    return assessment_services.campaign_create(
        organisation=world.org_a,
        title="Autoévaluation de printemps",
        version_code=version,
        respondents=respondents or [world.referent_a, world.director_a],
        created_by=world.referent_a,
    )


def _answer(campaign, user, number, rating, *, version="v10", justification="", actions=""):
    return assessment_services.answer_save(
        campaign=campaign,
        respondent=user,
        indicator=_indicator(number, version),
        process="Notre processus",
        evidence=[],
        rating=rating,
        justification=justification,
        corrective_actions=actions,
    )


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        ([], None),
        (["", ""], None),
        (["conform", "conform"], "conform"),
        (["conform", "nc_minor"], "nc_minor"),
        (["nc_minor", "nc_major", "conform"], "nc_major"),
        (["not_applicable", "not_applicable"], "not_applicable"),
        (["not_applicable", "conform"], "conform"),
        (["not_applicable", ""], "not_applicable"),
    ],
)
def test_consolidation_keeps_the_most_severe_rating(ratings, expected):
    assert consolidate(ratings) == expected


def test_the_newest_campaign_decides_and_an_agreed_rating_beats_the_answers():
    newest = ({5: "conform"}, {5: ["nc_major"], 6: ["nc_minor", "conform"]})
    older = ({7: "nc_major"}, {6: ["nc_major"], 8: ["conform"]})
    assert effective_ratings([newest, older]) == {
        5: "conform",  # agreed in the review, whatever the respondents said
        6: "nc_minor",  # newest campaign, consolidated
        7: "nc_major",  # only the older campaign said something
        8: "conform",
    }


def test_a_campaign_needs_respondents_who_are_members(world):
    with schema_context("org_alpha"):
        with pytest.raises(ValidationError) as error:
            _campaign(world, respondents=[world.referent_b])
        assert error.value.message_dict == {
            "respondents": ["Les répondant·es doivent être membres de l'organisation."]
        }
        with pytest.raises(ValidationError) as error:
            assessment_services.campaign_create(
                organisation=world.org_a,
                title="Vide",
                version_code="v10",
                respondents=[],
                created_by=world.referent_a,
            )
        assert error.value.message_dict == {
            "respondents": ["Choisissez au moins un·e répondant·e."]
        }


def test_not_applicable_only_where_the_referential_allows_it_and_justified(world):
    with schema_context("org_alpha"):
        campaign = _campaign(world)
        with pytest.raises(ValidationError) as error:
            _answer(campaign, world.referent_a, 12, Rating.NOT_APPLICABLE, justification="Court")
        assert error.value.message_dict == {
            "rating": [
                "L'indicateur 12 ne peut pas être déclaré non applicable : le référentiel ne le "
                "permet pas."
            ]
        }
        v9 = _campaign(world, version="v9")
        with pytest.raises(ValidationError) as error:
            _answer(v9, world.referent_a, 12, Rating.NOT_APPLICABLE, version="v9")
        assert error.value.message_dict == {
            "justification": ["Justifiez pourquoi l'indicateur ne s'applique pas à vous."]
        }
        answer = _answer(
            v9,
            world.referent_a,
            12,
            Rating.NOT_APPLICABLE,
            version="v9",
            justification="Nos formations durent une journée.",
        )
        assert (answer.rating, answer.justification) == (
            "not_applicable",
            "Nos formations durent une journée.",
        )


def test_only_respondents_answer_and_only_while_open(world):
    with schema_context("org_alpha"):
        campaign = _campaign(world, respondents=[world.referent_a])
        with pytest.raises(ValidationError) as error:
            _answer(campaign, world.director_a, 4, Rating.CONFORM)
        assert error.value.messages == [
            "Vous ne faites pas partie des répondant·es de cette campagne."
        ]
        _answer(campaign, world.referent_a, 4, Rating.CONFORM)
        _answer(campaign, world.referent_a, 4, Rating.MINOR)  # an update, not a second answer
        assert list(campaign.answers.values_list("indicator_number", "rating")) == [(4, "nc_minor")]
        assessment_services.campaign_set_status(campaign=campaign, status=Campaign.Status.REVIEW)
        with pytest.raises(ValidationError) as error:
            _answer(campaign, world.referent_a, 4, Rating.CONFORM)
        assert error.value.messages == ["Cette campagne n'accepte plus de réponses."]


def test_status_moves_open_review_closed_and_never_back_from_closed(world):
    with schema_context("org_alpha"):
        campaign = _campaign(world)
        with pytest.raises(ValidationError):
            assessment_services.campaign_set_status(
                campaign=campaign, status=Campaign.Status.CLOSED
            )
        assessment_services.campaign_set_status(campaign=campaign, status=Campaign.Status.REVIEW)
        assessment_services.campaign_set_status(campaign=campaign, status=Campaign.Status.OPEN)
        assessment_services.campaign_set_status(campaign=campaign, status=Campaign.Status.REVIEW)
        assessment_services.campaign_set_status(campaign=campaign, status=Campaign.Status.CLOSED)
        assert campaign.closed_at is not None
        with pytest.raises(ValidationError) as error:
            assessment_services.campaign_set_status(campaign=campaign, status=Campaign.Status.OPEN)
        assert error.value.messages == ["Ce changement d'état n'est pas possible."]


def test_the_agreed_rating_is_set_in_review_and_moves_readiness(world, media):
    with schema_context("org_alpha"):
        _validated(world, [4])
        campaign = _campaign(world)
        _answer(campaign, world.referent_a, 4, Rating.CONFORM)
        _answer(campaign, world.director_a, 4, Rating.MAJOR)
        readiness = services.readiness_compute(organisation=world.org_a)
        assert [(r.status, r.reasons) for r in readiness.indicators if r.number == 4] == [
            ("missing", ("rating_major",))
        ]
        with pytest.raises(ValidationError) as error:
            assessment_services.agreed_rating_set(
                campaign=campaign,
                indicator=_indicator(4),
                rating=Rating.CONFORM,
                justification="",
                comment="",
                reviewed_by=world.firm_consultant,
            )
        assert error.value.messages == [
            "Passez la campagne en revue avant de fixer les appréciations."
        ]
        assert assessment_selectors.self_ratings() == {4: "nc_major"}
        assessment_services.campaign_set_status(campaign=campaign, status=Campaign.Status.REVIEW)
        assessment_services.agreed_rating_set(
            campaign=campaign,
            indicator=_indicator(4),
            rating=Rating.MINOR,
            justification="",
            comment="La procédure existe mais n'est pas appliquée partout.",
            reviewed_by=world.firm_consultant,
        )
        assert assessment_selectors.self_ratings() == {4: "nc_minor"}
    snapshot = services.readiness_recompute(organisation=world.org_a)
    by_number = {item["number"]: item for item in snapshot.result["indicators"]}
    # A validated proof would make 4 ready; the agreed "NC mineure" keeps it partial.
    assert by_number[4]["status"] == "partial"
    assert by_number[4]["reasons"] == ["rating_minor"]
    assert by_number[5]["status"] == "missing"


def test_action_without_owner_or_date_is_refused_in_french(world):
    with schema_context("org_alpha"):
        with pytest.raises(ValidationError) as error:
            improvement_services.action_create(
                organisation=world.org_a,
                title="  ",
                owner=None,
                due_date=None,
                created_by=world.referent_a,
            )
        assert error.value.message_dict == {
            "title": ["Décrivez l'action."],
            "owner": ["Choisissez la personne responsable de l'action."],
            "due_date": ["Fixez une échéance."],
        }
        with pytest.raises(ValidationError) as error:
            improvement_services.action_create(
                organisation=world.org_a,
                title="Publier les résultats",
                owner=world.referent_b,
                due_date=date(2027, 1, 15),
                created_by=world.referent_a,
            )
        assert error.value.message_dict == {
            "owner": ["La personne responsable doit être membre de l'organisation."]
        }
        assert Action.objects.count() == 0


def test_a_done_action_needs_its_proof(world):
    with schema_context("org_alpha"):
        action = improvement_services.action_create(
            organisation=world.org_a,
            title="Publier les résultats",
            indicator_numbers=[2, 2, 1],
            owner=world.director_a,
            due_date=date(2027, 1, 15),
            created_by=world.referent_a,
        )
        assert action.indicator_numbers == [1, 2]
        with pytest.raises(ValidationError) as error:
            improvement_services.action_update(
                organisation=world.org_a, action=action, status="done"
            )
        assert error.value.message_dict == {
            "completion_note": [
                "Une action réalisée a besoin de sa preuve : choisissez une preuve de la "
                "bibliothèque ou décrivez ce qui a été fait."
            ]
        }
        action.refresh_from_db()
        assert (action.status, action.completed_at) == ("todo", None)
        improvement_services.action_update(
            organisation=world.org_a,
            action=action,
            status="done",
            completion_note="Page résultats en ligne depuis le 2 décembre.",
        )
        action.refresh_from_db()
        assert action.status == "done"
        assert action.completed_at is not None


def test_one_click_actions_from_a_gap_and_from_the_answers(world):
    alpha = Organisation.objects.get(pk=world.org_a.pk)
    alpha.next_audit_date = timezone.localdate() + timedelta(days=20)
    with schema_context("org_alpha"):
        gap = improvement_services.action_create_from_gap(
            organisation=alpha, indicator=_indicator(26), created_by=world.firm_consultant
        )
        # A firm consultant is not a member: the referent owns it; due two weeks before audit.
        assert gap.owner == world.referent_a
        assert gap.due_date == alpha.next_audit_date - timedelta(days=14)
        assert gap.source == "gap"
        assert gap.indicator_numbers == [26]
        assert gap.title.startswith("Indicateur 26 — ")
        campaign = _campaign(world)
        with pytest.raises(ValidationError) as error:
            assessment_services.action_create_from_answers(
                organisation=world.org_a,
                campaign=campaign,
                indicator=_indicator(5),
                created_by=world.referent_a,
            )
        assert error.value.messages == [
            "Aucune action corrective n'a été proposée pour cet indicateur."
        ]
        _answer(
            campaign,
            world.referent_a,
            5,
            "nc_minor",
            actions="Reformuler les objectifs\nAvec le formateur",
        )
        _answer(campaign, world.director_a, 5, "nc_minor", actions="Former l'équipe")
        action = assessment_services.action_create_from_answers(
            organisation=world.org_a,
            campaign=campaign,
            indicator=_indicator(5),
            created_by=world.director_a,
        )
        assert action.title == "Reformuler les objectifs"
        assert (
            action.description == "Reformuler les objectifs\nAvec le formateur\n\nFormer l'équipe"
        )
        assert (action.owner, action.campaign, action.source) == (
            world.director_a,
            campaign,
            "self_assessment",
        )


def test_the_public_summary_counts_overdue_actions_and_keeps_a_daily_trend(world, media):
    today = timezone.localdate()
    with schema_context("org_alpha"):
        for days in (-3, -1, 5):
            action = improvement_services.action_create(
                organisation=world.org_a,
                title=f"Action {days}",
                owner=world.referent_a,
                due_date=today + timedelta(days=30),
                created_by=world.referent_a,
            )
            Action.objects.filter(pk=action.pk).update(due_date=today + timedelta(days=days))
        Action.objects.filter(title="Action -1").update(status="done")
    services.readiness_recompute(organisation=world.org_a)
    services.readiness_recompute(organisation=world.org_a)
    summary = OrganisationReadiness.objects.get(organisation=world.org_a)
    assert summary.overdue_actions == 1
    assert summary.pending_review == 0
    # Two computations the same day: one point.
    assert summary.trend == [[today.isoformat(), 0.0]]
    assert len(summary.indicator_statuses) == 33
    assert summary.indicator_statuses["4"] == "missing"
    assert summary.indicator_statuses["14"] == "not_applicable"


def test_trend_replaces_the_same_day_and_keeps_thirty_days():
    from datetime import datetime

    day = timezone.make_aware(datetime(2026, 11, 23, 10, 0))
    trend = [[f"2026-10-{n:02d}", float(n)] for n in range(1, 31)]
    result = services.trend_with(trend, day, 55.0)
    assert len(result) == 30
    assert result[0] == ["2026-10-02", 2.0]
    assert result[-1] == ["2026-11-23", 55.0]
    assert services.trend_with(result, day, 60.0)[-2:] == [
        ["2026-10-30", 30.0],
        ["2026-11-23", 60.0],
    ]
