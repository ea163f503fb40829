"""Published results computed from the answers: response and insertion rates per session, the
results page over a period with its charts and the versions it read, the exports, the report
PDF, and the readiness gaps the surveys leave (indicators 2, 30 and V10's 33)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from openpyxl import load_workbook

from learners.models import SessionTrainer
from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.core.tokens import new_token
from surveys import selectors, services
from surveys.models import Invitation, Questionnaire
from tests.learners.test_learners import _enrol, _session
from training_offers.models import Session

pytestmark = pytest.mark.django_db

HOT = {"objectives": ["4"], "trainer": ["5"], "materials": ["4"], "organisation": ["4"]}
HOT_REQUIRED = {"pace": ["right"]}


def _answer(questionnaire: Questionnaire, session, enrolment, raw: dict | None) -> Invitation:
    """An invitation e-mailed by the portal; answered with `raw` unless it is None."""
    token, hashed = new_token()
    invitation = Invitation.objects.create(
        questionnaire=questionnaire,
        session=session,
        enrolment=enrolment,
        email="x@example.fr",
        name="x",
        token_hash=hashed,
        expires_at=timezone.now() + timedelta(days=30),
        sent_at=timezone.now(),
    )
    if raw is not None:
        services.answer_submit(token=token, raw=raw)
    return invitation


def _required(questionnaire: Questionnaire, given: dict) -> dict:
    """`given`, completed with a valid answer to every other required question."""
    raw = dict(given)
    for question in questionnaire.questions.filter(required=True):
        if question.code in raw:
            continue
        if question.type in ("scale5", "scale10"):
            raw[question.code] = ["4"]
        elif question.type in ("single", "multiple"):
            raw[question.code] = [question.choices[0]["code"]]
        else:
            raw[question.code] = ["Bien."]
    return raw


@pytest.fixture
def answered(world):
    """A session ended a month ago, six learners asked at the end: five answered (overall
    5, 5, 4, 4, 3 on 5; four would recommend); five asked cold: four answered, three employed."""
    session = _session(world, starts_on=timezone.localdate() - timedelta(days=31), days=2)
    enrolments = [
        _enrol(world, session, f"Prénom{index}", f"Nom{index}", f"p{index}@example.fr")
        for index in range(6)
    ]
    with schema_context("org_alpha"):
        services.questionnaires_install()
        hot = services.current("satisfaction_hot")
        cold = services.current("appraisal_cold")
        overall = ["5", "5", "4", "4", "3", None]
        recommend = ["yes", "yes", "yes", "yes", "no"]
        for enrolment, note, again in zip(enrolments, overall, [*recommend, None], strict=True):
            raw = (
                None if note is None else _required(hot, {"overall": [note], "recommend": [again]})
            )
            _answer(hot, session, enrolment, raw)
        situations = ["employed", "employed", "employed", "job_seeking", None]
        for enrolment, situation in zip(enrolments, situations, strict=False):
            raw = None if situation is None else _required(cold, {"situation": [situation]})
            _answer(cold, session, enrolment, raw)
        services.session_survey_figures_sync(session)  # as each way of asking does
        session.refresh_from_db()
    return session


def test_each_session_keeps_its_figures_from_the_invitations_and_answers(answered):
    session = answered
    assert (session.hot_invited, session.hot_answered) == (6, 5)
    assert session.hot_average == Decimal("8.4")  # (5+5+4+4+3) × 2 / 5
    assert session.hot_responses == 5
    assert (session.recommend_yes, session.recommend_responses) == (4, 5)
    assert (session.cold_invited, session.cold_answered) == (5, 4)
    assert (session.employed, session.employment_responses) == (3, 4)
    assert session.cold_responses == 4


def test_the_results_page_shows_rates_with_sample_response_rate_and_charts(client, world, answered):
    with schema_context("org_alpha"):
        Session.objects.filter(pk=answered.pk).update(enrolled=6, completed=5, dropouts=1)
    client.force_login(world.referent_a)
    page = client.get("/o/alpha/offres/resultats/").content.decode()
    today = timezone.localdate()
    start = today.replace(year=today.year - 1) + timedelta(days=1)
    assert (
        f"Sessions terminées du {date_format(start, 'SHORT_DATE_FORMAT')} au "
        f"{date_format(today, 'SHORT_DATE_FORMAT')} : 1 session." in page
    )
    assert "<strong>8,4 / 10</strong>" in page  # satisfaction à chaud
    assert "83,3 % (5 sur 6)" in page  # its response rate
    assert "<strong>83,3 %</strong>" in page  # completion 5 / 6
    assert "<strong>80 %</strong>" in page  # recommendation 4 / 5
    # Insertion: 3 « en emploi » of 4 answers, below the minimum sample of 5.
    assert "Taux d&#x27;insertion" in page
    assert "80 % (4 sur 5)" in page  # the cold appraisal's response rate
    assert page.count('role="img"') == 2
    assert '<title id="rates-chart-title">Taux de la période</title>' in page
    assert "Taux d&#x27;insertion : en cours de constitution" in page  # chart description
    assert "Satisfaction à chaud par trimestre de fin de session (sur 10)" in page
    assert "8,4 / 10 (5 réponses)" in page
    # The versions read: one line per questionnaire version.
    page = re.sub(r' data-label="[^"]*"', "", page)
    assert page.count("<td>1</td><td>6</td><td>5</td><td>83,3 %</td><td>5</td>") == 1
    assert page.count("<td>1</td><td>5</td><td>4</td><td>80 %</td><td>4</td>") == 1


def test_a_period_that_holds_no_ended_session_says_so_and_draws_no_trend(client, world, answered):
    client.force_login(world.referent_a)
    today = timezone.localdate()
    page = client.get(
        "/o/alpha/offres/resultats/",
        {"start": (today - timedelta(days=10)).isoformat(), "end": today.isoformat()},
    ).content.decode()
    assert ": 0 sessions. Les sessions à venir" in page
    assert page.count('role="img"') == 1  # the period's rates, no quarter
    assert "Aucun questionnaire envoyé ni aucune réponse reçue" in page


def test_the_results_export_one_line_per_rate_in_csv_and_xlsx(client, world, answered):
    client.force_login(world.referent_a)
    response = client.get("/o/alpha/offres/resultats/export.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Période",
        "Indicateur",
        "Résultat (vide : en cours de constitution)",
        "Unité",
        "Effectif",
        "Interrogé·es par le portail",
        "Ont répondu",
        "Taux de réponse (%)",
        "Méthode de calcul",
    ]
    hot = next(row for row in rows[1:] if row[1] == "Satisfaction à chaud")
    assert hot[0].startswith("Du ") and hot[2:8] == ["8.4", "/10", "5", "6", "5", "83.3"]
    insertion = next(row for row in rows[1:] if row[1] == "Taux d'insertion")
    assert insertion[2:8] == ["", "%", "4", "5", "4", "80.0"]
    quarter = [row for row in rows[1:] if row[0].startswith("T")]
    assert {row[1] for row in quarter} >= {"Satisfaction à chaud", "Taux d'insertion"}
    xlsx = client.get("/o/alpha/offres/resultats/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][1] == "Indicateur"
    assert next(row for row in values if row[1] == "Satisfaction à chaud")[2:6] == (
        8.4,
        "/10",
        5,
        6,
    )
    assert client.get("/o/alpha/offres/resultats/export.pdf").status_code == 404
    bad = client.get("/o/alpha/offres/resultats/export.csv", {"start": "2026-02-31"})
    assert bad.status_code == 302
    client.force_login(world.contributor_a)
    assert client.get("/o/alpha/offres/resultats/export.csv").status_code == 404


def test_readiness_names_each_stakeholder_group_without_an_appraisal(world, answered):
    today = timezone.localdate()
    with schema_context("org_alpha"):
        # Learners answered at the end: only the groups the organisation worked with count.
        assert selectors.appraisal_gaps(today=today, days=365) == {}
        learner = answered.enrolments.first().learner
        learner.employer = "Boulangerie Martin"
        learner.save()
        SessionTrainer.objects.create(session=answered, user=world.contributor_a)
        answered.funding_lines.create(
            route_code="opco_plan",
            catalogue_version="2026",
            financer="OPCO EP",
            hours_planned=Decimal("14"),
            amount=Decimal("700"),
            created_by=world.referent_a,
        )
        assert selectors.appraisal_gaps(today=today, days=365) == {
            30: [
                "appraisal_missing_financer",
                "appraisal_missing_employer",
                "appraisal_missing_teaching_team",
            ]
        }
        # A year later the learners' answers are too old; nothing ended since: no gap at all.
        assert selectors.appraisal_gaps(today=today + timedelta(days=400), days=365) == {}


def test_no_end_of_session_answer_leaves_indicator_2_and_apprentices_33_open(world):
    session = _session(world, starts_on=timezone.localdate() - timedelta(days=5), days=2)
    today = timezone.localdate()
    with schema_context("org_alpha"):
        assert selectors.appraisal_gaps(today=today, days=365) == {
            30: ["appraisal_missing_learner"],
            2: ["results_without_answers"],
        }
        session.offer.category = "APP"
        session.offer.save()
        gaps = selectors.appraisal_gaps(today=today, days=365)
        assert gaps[33] == ["apprentice_evaluation_missing"]


def test_the_readiness_snapshot_and_report_pdf_carry_the_survey_gaps_and_results(
    world, answered, media
):
    from tests.indicators.test_readiness_services import _validated
    from tests.reports.test_reports import _render, _text

    _validated(world, [30], title="Procédure de recueil des appréciations")
    with schema_context("org_alpha"):
        SessionTrainer.objects.create(session=answered, user=world.contributor_a)
    report = _render(world)
    indicator = next(i for i in report.snapshot.result["indicators"] if i["number"] == 30)
    assert "appraisal_missing_teaching_team" in indicator["reasons"]
    assert indicator["status"] == "partial"
    text = _text(report)
    assert "Résultats publiés (indicateur 2)" in text
    assert "Taux de la période" in text
    assert "8,4 / 10" in text


def test_the_answers_of_a_questionnaire_version_export_without_names(client, world, answered):
    with schema_context("org_alpha"):
        hot = services.current("satisfaction_hot")
        labels = list(hot.questions.values_list("label", flat=True))
    client.force_login(world.referent_a)
    response = client.get(f"/o/alpha/enquetes/{hot.pk}/reponses.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Reçue le", "Session", "Provenance", *labels]
    assert len(rows) == 6  # five answers
    overall = rows[0].index(labels[0])
    assert sorted(row[overall] for row in rows[1:]) == ["3", "4", "4", "5", "5"]
    recommend = next(i for i, label in enumerate(rows[0]) if "recommanderiez" in label.lower())
    assert sorted(row[recommend] for row in rows[1:]) == ["Non", "Oui", "Oui", "Oui", "Oui"]
    assert {row[2] for row in rows[1:]} == {"lien personnel"}
    assert all(
        row[1].startswith("Accueillir le public en situation de handicap (") for row in rows[1:]
    )
    assert "Prénom0" not in response.content.decode("utf-8-sig")
    xlsx = client.get(f"/o/alpha/enquetes/{hot.pk}/reponses.xlsx")
    assert len(list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows())) == 6
    assert client.get(f"/o/alpha/enquetes/{hot.pk}/reponses.ods").status_code == 404
    client.force_login(world.director_a)  # no access to the learners' answers
    assert client.get(f"/o/alpha/enquetes/{hot.pk}/reponses.csv").status_code == 404
