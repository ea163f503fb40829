"""The journey of each enrolment: which steps apply, what is missing on the session's grid,
dating a step with its proof, and chasing the trainers by e-mail (once)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from learners import journey, selectors, services
from learners.models import Enrolment, Milestone, MilestoneChase
from qualiopi_portal.core.tenants import schema_context
from tests.learners.test_learners import ALL_DAY, _enrol, _session, _url

pytestmark = pytest.mark.django_db

START, END = date(2026, 11, 2), date(2026, 11, 6)


def _facts(status: str = "in_training", funded: bool = False) -> journey.EnrolmentFacts:
    return journey.EnrolmentFacts(status=status, funded=funded, starts_on=START, ends_on=END)


def test_steps_before_the_start_are_due_on_the_first_day_and_the_others_on_the_last():
    facts = _facts()
    before = START - timedelta(days=1)
    assert journey.missing_steps(facts, [], today=before) == []
    assert journey.missing_steps(facts, [], today=START) == [
        "positioning",
        "agreement",
        "convocation",
    ]
    assert journey.missing_steps(facts, ["positioning", "agreement"], today=END) == [
        "convocation",
        "evaluation",
        "attestation",
    ]


def test_which_steps_apply_depends_on_the_funding_and_the_enrolment_state():
    applies = {
        status: [step for step in journey.STEPS if journey.applies(step, _facts(status, funded))]
        for status, funded in (("in_training", True), ("no_show", True), ("dropped_out", False))
    }
    assert applies["in_training"] == list(journey.STEPS)
    assert applies["no_show"] == ["positioning", "agreement", "convocation"]
    assert applies["dropped_out"] == [
        "positioning",
        "agreement",
        "convocation",
        "attendance",
        "attestation",
    ]
    assert journey.step_state("certificate", _facts(), today=END, done=False) == "not_applicable"


def test_attendance_is_missing_while_an_ended_half_day_has_no_record_for_the_learner():
    facts = _facts()
    state = journey.step_state
    seen = journey.AttendanceFacts
    assert state("attendance", facts, today=END, done=False, attendance=seen(4, 2, 2)) == "upcoming"
    assert state("attendance", facts, today=END, done=False, attendance=seen(4, 3, 2)) == "missing"
    assert state("attendance", facts, today=END, done=False, attendance=seen(4, 4, 4)) == "done"


def _past_session(world, learners: int = 2):
    """A session that ended yesterday, with its learners and one closed half-day each."""
    session = _session(world, starts_on=timezone.localdate() - timedelta(days=3), days=3)
    enrolments = [
        _enrol(world, session, f"Prénom{i}", f"Nom{i:03d}", f"p{i}@example.fr")
        for i in range(learners)
    ]
    return session, enrolments


def test_the_grid_names_what_is_missing_per_learner_and_a_step_dated_with_its_proof(client, world):
    session, (lea, tom) = _past_session(world)
    with schema_context("org_alpha"):
        from evidence.models import EvidenceItem

        proof = EvidenceItem.objects.create(
            title="Grilles de positionnement",
            kind="record",
            indicator_numbers=[8],
            owner=world.referent_a,
            created_by=world.referent_a,
        )
    client.force_login(world.referent_a)
    response = client.post(
        _url(session, "parcours/"),
        {
            "enrolments": [lea.pk, tom.pk],
            "kind": "positioning",
            "done_on": (session.starts_on - timedelta(days=7)).isoformat(),
            "evidence": proof.pk,
            "note": "Entretien téléphonique",
        },
    )
    assert response.status_code == 302
    with schema_context("org_alpha"):
        stored = Milestone.objects.filter(enrolment__session=session).order_by("enrolment_id")
        assert [(m.enrolment_id, m.kind, m.evidence_id) for m in stored] == [
            (lea.pk, "positioning", proof.pk),
            (tom.pk, "positioning", proof.pk),
        ]
        grid = selectors.journey_grid(session)
    # Neither funded (no certificate); nothing closed: attendance missing for both.
    assert [row.missing for row in grid.rows] == [
        ["agreement", "convocation", "attendance", "evaluation", "attestation"]
    ] * 2
    page = client.get(_url(session, "parcours/")).content.decode()
    assert page.count("manquante</span>") == 10
    assert f"/o/alpha/preuves/{proof.pk}/" in page


def test_a_step_is_refused_in_french_when_it_does_not_apply_or_is_in_the_future(client, world):
    session, (lea, tom) = _past_session(world)
    with schema_context("org_alpha"):
        services.enrolment_set_status(enrolment=tom, status="no_show", funding_line=None)
    client.force_login(world.referent_a)
    response = client.post(
        _url(session, "parcours/"),
        {"enrolments": [lea.pk, tom.pk], "kind": "evaluation", "done_on": "2026-11-30"},
    )
    assert response.status_code == 400
    assert "Cette étape ne s&#x27;applique pas à : Prénom1 Nom001." in response.content.decode()
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(
        _url(session, "parcours/"),
        {"enrolments": [lea.pk], "kind": "evaluation", "done_on": tomorrow},
    )
    assert "La date ne peut pas être dans le futur." in response.content.decode()
    response = client.post(
        _url(session, "parcours/"), {"kind": "evaluation", "done_on": "2026-11-30"}
    )
    assert "Cochez au moins un·e apprenant·e." in response.content.decode()
    with schema_context("org_alpha"):
        assert not Milestone.objects.filter(enrolment__session=session).exists()


def test_a_learner_of_another_session_cannot_be_ticked_in(client, world):
    session, (_lea, _tom) = _past_session(world)
    other = _session(world)
    stranger = _enrol(world, other, "Zoé", "Ailleurs", "zoe@example.fr")
    client.force_login(world.referent_a)
    response = client.post(
        _url(session, "parcours/"),
        {"enrolments": [stranger.pk], "kind": "agreement", "done_on": "2026-11-30"},
    )
    assert response.status_code == 400
    with schema_context("org_alpha"):
        assert not Milestone.objects.exists()


def test_only_managers_date_steps_and_the_session_trainer_reads_the_grid(client, world):
    session, (lea, _tom) = _past_session(world)
    client.force_login(world.contributor_a)
    assert client.get(_url(session, "parcours/")).status_code == 404
    with schema_context("org_alpha"):
        services.session_trainers_set(
            organisation=world.org_a, session=session, users=[world.contributor_a]
        )
    page = client.get(_url(session, "parcours/"))
    assert page.status_code == 200
    assert "Noter l&#x27;étape" not in page.content.decode()
    response = client.post(
        _url(session, "parcours/"),
        {"enrolments": [lea.pk], "kind": "agreement", "done_on": "2026-11-30"},
    )
    assert response.status_code == 404
    client.force_login(world.director_a)
    assert client.get(_url(session, "parcours/")).status_code == 404


def test_the_chase_mails_each_trainer_once_with_what_is_missing(
    client, world, django_capture_on_commit_callbacks
):
    session, (_lea, _tom) = _past_session(world)
    client.force_login(world.referent_a)
    response = client.post(_url(session, "parcours/relancer/"), follow=True)
    assert "Aucun·e formateur·rice n&#x27;est rattaché·e à la session" in response.content.decode()
    with schema_context("org_alpha"):
        services.session_trainers_set(
            organisation=world.org_a, session=session, users=[world.contributor_a]
        )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(session, "parcours/relancer/"), follow=True)
    assert "Relance envoyée à 1 formateur·rice." in response.content.decode()
    assert [m.to for m in mail.outbox] == [[world.contributor_a.email]]
    body = mail.outbox[0].body
    assert "- Nom000 Prénom0" not in body  # names as the learner writes them
    assert (
        "- Prénom0 Nom000 : Analyse du besoin et positionnement, Convention ou contrat signé, "
        "Convocation envoyée, Émargement, Évaluation des objectifs, Attestation de fin de formation"
        in body
    )
    with schema_context("org_alpha"):
        chase = MilestoneChase.objects.get()
        assert chase.delivered_at is not None and chase.missing == 12
        # A redelivered task sends nothing again.
        assert services.milestone_chase_send(chase_pk=chase.pk, organisation=world.org_a) == 0
    assert len(mail.outbox) == 1


def test_the_grid_reads_in_constant_queries_whatever_the_number_of_learners(world):
    small, _ = _past_session(world, learners=2)
    large, _ = _past_session(world, learners=30)
    with schema_context("org_alpha"):
        for session in (small, large):
            services.slots_plan(session=session, schedule=ALL_DAY)
        counts = []
        for session in (small, large):
            with CaptureQueriesContext(connection) as queries:
                grid = selectors.journey_grid(session)
            # The tests' schema switches aside (a request sets its schema once).
            counts.append(
                sum(1 for q in queries.captured_queries if not q["sql"].startswith("SET "))
            )
        assert len(grid.rows) == 30
    assert counts == [4, 4]


def test_attendance_counts_only_the_half_days_up_to_an_abandon(world):
    session, (lea, _tom) = _past_session(world, learners=2)
    with schema_context("org_alpha"):
        services.slots_plan(session=session, schedule=ALL_DAY)
        first = session.attendance_slots.order_by("day").first()
        services.slot_close(
            slot=first,
            actor=world.referent_a,
            absences={lea.pk: "absent_unjustified", _tom.pk: "absent_justified"},
        )
        services.enrolment_set_status(
            enrolment=Enrolment.objects.get(pk=lea.pk),
            status="dropped_out",
            dropped_out_on=first.day,
            reason="Reprise d'emploi",
            funding_line=None,
        )
        now = timezone.make_aware(datetime.combine(timezone.localdate(), datetime.min.time()))
        rows = {row.enrolment.pk: row for row in selectors.journey_grid(session, now=now).rows}
    attendance = {pk: row.cells[3] for pk, row in rows.items()}
    assert (attendance[lea.pk].state, attendance[lea.pk].recorded, attendance[lea.pk].owed) == (
        "done",
        1,
        1,
    )
    assert (attendance[_tom.pk].state, attendance[_tom.pk].recorded) == ("missing", 1)
    with pytest.raises(ValidationError):
        services.milestones_record(
            enrolments=[rows[lea.pk].enrolment],
            kind="evaluation",
            done_on=timezone.localdate(),
            actor=world.referent_a,
            organisation=world.org_a,
        )


def test_readiness_names_the_recent_sessions_whose_learners_miss_a_per_learner_proof(client, world):
    from indicators.readiness import EvidenceFacts, IndicatorFacts, compute
    from indicators.services import readiness_recompute

    session, (lea, tom) = _past_session(world)
    with schema_context("org_alpha"):
        services.milestones_record(
            enrolments=[lea, tom],
            kind="positioning",
            done_on=session.starts_on,
            actor=world.referent_a,
            organisation=world.org_a,
        )
        services.milestones_record(
            enrolments=[lea],
            kind="convocation",
            done_on=session.starts_on,
            actor=world.referent_a,
            organisation=world.org_a,
        )
        gaps = selectors.journey_gaps(today=timezone.localdate(), recent_days=365)
    # Ended yesterday: evaluation and attestation (11) are owed by both, the convocation (9)
    # by Tom; positioning (4, 8) is done.
    assert gaps == {
        9: [{"session": session.pk, "enrolments": [tom.pk]}],
        11: [{"session": session.pk, "enrolments": [lea.pk, tom.pk]}],
    }
    with schema_context("org_alpha"):
        later = session.ends_on + timedelta(days=400)
        assert selectors.journey_gaps(today=later, recent_days=365) == {}
    facts = [IndicatorFacts(number=9, criterion=2, is_fundamental=False, is_applicable=True)]
    validated = EvidenceFacts((9,), "validated")
    result = compute(
        indicators=facts, evidence=[validated], target_date=date(2027, 1, 1), session_gaps=gaps
    )
    (nine,) = result.indicators
    assert (nine.status, nine.reasons) == ("partial", ("sessions_incomplete",))
    assert nine.session_gaps == ({"session": session.pk, "enrolments": [tom.pk]},)
    with schema_context("org_alpha"):
        snapshot = readiness_recompute(organisation=world.org_a)
    by_number = {item["number"]: item for item in snapshot.result["indicators"]}
    assert by_number[11]["session_gaps"] == [
        {"session": session.pk, "enrolments": [lea.pk, tom.pk]}
    ]
    client.force_login(world.referent_a)
    page = client.get("/o/alpha/").content.decode()
    assert "Parcours incomplets des sessions récentes" in page
    assert f"/o/alpha/sessions/{session.pk}/parcours/" in page
    assert "indicateurs 9, 11 · Prénom0 Nom000, Prénom1 Nom001" in page
    # The direction reads readiness, not the learners' names.
    client.force_login(world.director_a)
    page = client.get("/o/alpha/").content.decode()
    assert "indicateurs 9, 11 · 2 apprenant·es" in page
    assert "Prénom0" not in page


def test_the_trainer_s_space_says_how_many_steps_their_sessions_miss(client, world):
    session, (lea, tom) = _past_session(world)
    with schema_context("org_alpha"):
        services.session_trainers_set(
            organisation=world.org_a, session=session, users=[world.contributor_a]
        )
        services.milestones_record(
            enrolments=[lea, tom],
            kind="positioning",
            done_on=session.starts_on,
            actor=world.referent_a,
            organisation=world.org_a,
        )
    client.force_login(world.contributor_a)
    page = client.get("/o/alpha/mon-espace/").content.decode()
    # Agreement, convocation, evaluation and attestation, for each of the two.
    assert "8 étapes de parcours manquantes" in page
    assert f"/o/alpha/sessions/{session.pk}/parcours/" in page


def test_the_session_s_completion_figures_come_from_its_enrolments(world):
    session, (lea, tom) = _past_session(world, learners=2)
    zoe = _enrol(world, session, "Zoé", "Absente", "zoe@example.fr")
    with schema_context("org_alpha"):
        services.enrolment_set_status(enrolment=lea, status="completed", funding_line=None)
        services.enrolment_set_status(
            enrolment=tom,
            status="dropped_out",
            dropped_out_on=session.starts_on,
            reason="Déménagement",
            funding_line=None,
        )
        services.enrolment_set_status(enrolment=zoe, status="no_show", funding_line=None)
        session.refresh_from_db()
    assert (session.enrolled, session.completed, session.dropouts, session.dropout_reasons) == (
        2,
        1,
        1,
        "Déménagement",
    )
