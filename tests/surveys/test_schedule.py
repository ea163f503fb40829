"""The daily survey schedule: which invitations each rule makes on a fixed day, that a second
run makes none, that nothing goes for a questionnaire the organisation does not have, how
employer contacts are matched, that the yearly round waits 12 months, that archived contacts
are left alone, and that contacts are reminded and answer like learners."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from learners import services as learner_services
from qualiopi_portal.core.tenants import schema_context
from surveys import services
from surveys.models import Invitation, Questionnaire, Response, Stakeholder
from surveys.tasks import invitations_unsent_task, reminders_send_all_task, schedule_all_task
from tests.surveys.test_surveys import _link, _valid
from training_offers import services as offer_services

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 12, 10, 8, 30, tzinfo=PARIS)
TODAY = NOW.date()


def _offer(world, title: str, category: str = "AF"):
    return offer_services.offer_save(
        offer=None,
        saved_by=world.referent_a,
        title=title,
        category=category,
        duration_hours=Decimal("14"),
        price=Decimal("700"),
    )


def _session(offer, ends_on: date, days: int = 2):
    return offer_services.session_save(
        offer=offer,
        session=None,
        starts_on=ends_on - timedelta(days=days - 1),
        ends_on=ends_on,
        place="Salle Garonne",
        enrolled=1,
    )


def _learner(world, session, name: str, email: str, *, employer: str = "", status="completed"):
    first, last = name.split()
    enrolment = learner_services.enrolment_create(
        session=session,
        actor=world.referent_a,
        first_name=first,
        last_name=last,
        email=email,
        status="employee",
        employer=employer,
    )
    enrolment.status = status
    enrolment.save(update_fields=["status"])
    return enrolment


def _contact(world, audience: str, organisation: str, name: str, email: str) -> Stakeholder:
    return services.stakeholder_create(
        audience=audience,
        organisation_name=organisation,
        name=name,
        email=email,
        actor=world.referent_a,
    )


def _made(invitations) -> set[tuple[str, str, str | None]]:
    """(questionnaire kind, address, offer title of the session or None) of each invitation."""
    return {
        (
            invitation.questionnaire.kind,
            invitation.email,
            invitation.session.offer.title if invitation.session else None,
        )
        for invitation in Invitation.objects.filter(pk__in=[i.pk for i in invitations])
        .select_related("questionnaire", "session__offer")
        .order_by("pk")
    }


def test_each_rule_makes_exactly_its_invitations_once(world, django_capture_on_commit_callbacks):
    with schema_context("org_alpha"):
        services.questionnaires_install()
        # End of session: ended yesterday, 7 days ago (the window's first day), 8 days ago
        # (too late), today (the room's and the button's day, not the schedule's).
        yesterday = _session(_offer(world, "Hier"), TODAY - timedelta(days=1))
        lea = _learner(world, yesterday, "Léa Martin", "lea@example.fr")
        # The manager sent it to Léa with the button; the schedule asks only the others.
        services.invitations_for_session(
            session=yesterday,
            questionnaire=services.current("satisfaction_hot"),
            actor=world.referent_a,
            now=NOW,
        )
        _learner(world, yesterday, "Tom Petit", "tom@example.fr", status="in_training")
        _learner(world, yesterday, "Hugo Bernard", "")  # no address
        _learner(world, yesterday, "Zoé Durand", "zoe@example.fr", status="dropped_out")
        _learner(world, yesterday, "Noé Blanc", "noe@example.fr", status="no_show")
        week = _session(_offer(world, "Semaine"), TODAY - timedelta(days=7))
        _learner(world, week, "Ana Roux", "ana@example.fr")
        too_late = _session(_offer(world, "Trop tard"), TODAY - timedelta(days=8))
        _learner(world, too_late, "Paul Vidal", "paul@example.fr")
        ends_today = _session(_offer(world, "Aujourd'hui"), TODAY)
        _learner(world, ends_today, "Eva Henry", "eva@example.fr")
        apprentices = _session(_offer(world, "CFA", category="APP"), TODAY - timedelta(days=2))
        _learner(world, apprentices, "Lucas Mercier", "lucas@example.fr")
        # Cold appraisal: 60 days after the last day, caught up until day 89.
        cold = _session(_offer(world, "À froid"), TODAY - timedelta(days=60))
        _learner(world, cold, "Clara Roussel", "clara@example.fr", employer="Boulangerie Roussel")
        _learner(world, cold, "Yanis Lefèbvre", "", employer="Transports  LEFEBVRE ")
        _learner(world, cold, "Sarah Moreau", "sarah@example.fr")
        last_day = _session(_offer(world, "Rattrapage"), TODAY - timedelta(days=89))
        _learner(world, last_day, "Inès Lambert", "ines@example.fr")
        ancient = _session(_offer(world, "Ancienne"), TODAY - timedelta(days=90))
        _learner(world, ancient, "Marc Gaillard", "marc@example.fr", employer="Boulangerie Roussel")
        early = _session(_offer(world, "Jour 59"), TODAY - timedelta(days=59))
        _learner(world, early, "Rose Noël", "rose@example.fr")
        # Contacts: two employers matching (loosely), one not; a financer, a trainer.
        roussel = _contact(
            world, "employer", " boulangerie  roussel", "Claire Dumas", "rh@r.example"
        )
        _contact(world, "employer", "Transports Lefebvre", "Jo Petit", "jo@tl.example")
        _contact(world, "employer", "Garage Bonnet", "Max Bonnet", "max@gb.example")
        _contact(world, "financer", "OPCO Atlas", "Karim Benali", "karim@opco.example")
        _contact(world, "teaching_team", "", "Alice Prof", "alice@prof.example")
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            made = services.invitations_schedule(now=NOW)
        assert _made(made) == {
            ("satisfaction_hot", "tom@example.fr", "Hier"),
            ("satisfaction_hot", "ana@example.fr", "Semaine"),
            ("satisfaction_hot", "lucas@example.fr", "CFA"),
            ("apprentice_evaluation", "lucas@example.fr", "CFA"),
            ("appraisal_cold", "clara@example.fr", "À froid"),
            ("appraisal_cold", "sarah@example.fr", "À froid"),
            ("appraisal_cold", "ines@example.fr", "Rattrapage"),
            ("appraisal_cold_employer", "rh@r.example", "À froid"),
            ("appraisal_cold_employer", "jo@tl.example", "À froid"),
            ("financer", "karim@opco.example", None),
            ("teaching_team", "alice@prof.example", None),
        }
        assert len(made) == 11
        # Each is sent once, after commit, by the worker (eager here).
        assert sorted(m.to[0] for m in mail.outbox) == sorted(
            email for _k, email, _s in _made(made)
        )
        assert not Invitation.objects.filter(pk__in=[i.pk for i in made], sent_at=None).exists()
        employer = Invitation.objects.get(
            questionnaire__kind="appraisal_cold_employer", stakeholder=roussel
        )
        assert (employer.session_id, employer.enrolment_id, employer.name) == (
            cold.pk,
            None,
            "Claire Dumas",
        )
        assert employer.expires_at == NOW + timedelta(days=30)
        assert employer.created_by_id is None
        yearly = Invitation.objects.get(questionnaire__kind="financer")
        assert (yearly.session_id, yearly.round_year) == (None, 2026)
        # The learner asked by the button was not asked again.
        assert Invitation.objects.filter(enrolment=lea).count() == 1
        # A second run makes nothing.
        assert services.invitations_schedule(now=NOW) == []
        assert services.invitations_schedule(now=NOW + timedelta(hours=2)) == []
        assert Invitation.objects.count() == 12
        # The next morning: the session that ended today, and the one whose 60th day it is.
        following = services.invitations_schedule(now=NOW + timedelta(days=1))
        assert _made(following) == {
            ("satisfaction_hot", "eva@example.fr", "Aujourd'hui"),
            ("appraisal_cold", "rose@example.fr", "Jour 59"),
        }


def test_nothing_goes_for_a_questionnaire_the_organisation_does_not_have(world):
    with schema_context("org_alpha"):
        session = _session(_offer(world, "Hier"), TODAY - timedelta(days=1))
        _learner(world, session, "Léa Martin", "lea@example.fr")
        _contact(world, "financer", "OPCO Atlas", "Karim Benali", "karim@opco.example")
        _contact(world, "teaching_team", "", "Alice Prof", "alice@prof.example")
        # None installed: nothing, silently.
        assert services.invitations_schedule(now=NOW) == []
        services.questionnaires_install()
        # The financers' questionnaire without a current version: only that one is skipped.
        Questionnaire.objects.filter(kind="financer").update(is_current=False)
        made = services.invitations_schedule(now=NOW)
        assert _made(made) == {
            ("satisfaction_hot", "lea@example.fr", "Hier"),
            ("teaching_team", "alice@prof.example", None),
        }


def test_employer_contacts_match_the_learners_employer_without_case_accents_or_spaces(world):
    with schema_context("org_alpha"):
        services.questionnaires_install()
        cold = _session(_offer(world, "À froid"), TODAY - timedelta(days=75))
        _learner(world, cold, "Clara Roussel", "clara@example.fr", employer="Pâtisserie  Éclair")
        _learner(world, cold, "Léo Roussel", "", employer="patisserie eclair")
        _learner(
            world,
            cold,
            "Zoé Durand",
            "zoe@example.fr",
            employer="Garage Bonnet",
            status="dropped_out",
        )
        first = _contact(world, "employer", "PATISSERIE ECLAIR", "Anne Éclair", "anne@e.example")
        second = _contact(world, "employer", "Pâtisserie Éclair", "Bruno Éclair", "bruno@e.example")
        _contact(world, "employer", "Garage Bonnet", "Max Bonnet", "max@gb.example")  # dropped out
        _contact(world, "employer", "Pâtisserie", "Paul Court", "paul@p.example")  # not the name
        _contact(world, "financer", "Pâtisserie Éclair", "Fin Ancier", "fin@e.example")  # audience
        made = [i for i in services.invitations_schedule(now=NOW) if i.stakeholder_id]
        employers = [i for i in made if i.questionnaire.kind == "appraisal_cold_employer"]
        # Two learners of the same company: each of its contacts once.
        assert sorted(i.stakeholder_id for i in employers) == [first.pk, second.pk]
        assert {i.session_id for i in employers} == {cold.pk}


def test_the_yearly_round_waits_12_months_whatever_the_version(world):
    with schema_context("org_alpha"):
        services.questionnaires_install()
        karim = _contact(world, "financer", "OPCO Atlas", "Karim Benali", "karim@opco.example")
        alice = _contact(world, "teaching_team", "", "Alice Prof", "alice@prof.example")
        # Asked on 10 January (this year) and on 9 December last year.
        january = datetime(2026, 1, 10, 8, 30, tzinfo=PARIS)
        last_year = datetime(2025, 12, 9, 8, 30, tzinfo=PARIS)
        (asked_karim,) = [
            i for i in services.invitations_schedule(now=january) if i.stakeholder == karim
        ]
        Invitation.objects.filter(pk=asked_karim.pk).update(created_at=january)
        Invitation.objects.filter(stakeholder=alice).update(created_at=last_year, round_year=2025)
        # A new version of the financers' questionnaire does not ask Karim again either.
        old = services.current("financer")
        old.is_current = False
        old.save(update_fields=["is_current"])
        newer = Questionnaire.objects.create(
            code=old.code, version=2, kind=old.kind, title=old.title, audience=old.audience
        )
        made = services.invitations_schedule(now=NOW)
        assert [(i.stakeholder_id, i.questionnaire_id, i.round_year) for i in made] == [
            (alice.pk, services.current("teaching_team").pk, 2026)
        ]
        Invitation.objects.filter(pk=made[0].pk).update(created_at=NOW)
        # Twelve months after January, Karim gets the current version.
        again = services.invitations_schedule(now=datetime(2027, 1, 10, 9, 0, tzinfo=PARIS))
        assert [(i.stakeholder_id, i.questionnaire_id, i.round_year) for i in again] == [
            (karim.pk, newer.pk, 2027)
        ]


def test_a_new_contact_is_asked_at_the_next_run(world):
    with schema_context("org_alpha"):
        services.questionnaires_install()
        assert services.invitations_schedule(now=NOW) == []
        paul = _contact(world, "teaching_team", "", "Paul Vidal", "paul@prof.example")
        made = services.invitations_schedule(now=NOW + timedelta(hours=1))
        assert [i.stakeholder_id for i in made] == [paul.pk]


def test_an_archived_contact_is_not_asked_sent_or_reminded(
    world, settings, django_capture_on_commit_callbacks
):
    with schema_context("org_alpha"):
        services.questionnaires_install()
        gone = _contact(world, "financer", "OPCO Akto", "Ex Contact", "ex@opco.example")
        services.stakeholder_archive(stakeholder=gone)
        sent = _contact(world, "financer", "OPCO Atlas", "Karim Benali", "karim@opco.example")
        waiting = _contact(world, "teaching_team", "", "Alice Prof", "alice@prof.example")
        made = services.invitations_schedule(now=timezone.now())
        assert sorted(i.stakeholder_id for i in made) == sorted([sent.pk, waiting.pk])
        karim = next(i for i in made if i.stakeholder == sent)
        alice = next(i for i in made if i.stakeholder == waiting)
        assert services.invitation_send(invitation_pk=karim.pk, organisation=world.org_a)
        Invitation.objects.filter(pk=karim.pk).update(sent_at=timezone.now() - timedelta(days=8))
        services.stakeholder_archive(stakeholder=sent)
        services.stakeholder_archive(stakeholder=waiting)
        # Archived before the worker sent it: not sent, and not swept again.
        assert services.invitation_send(invitation_pk=alice.pk, organisation=world.org_a) is False
        assert services.invitations_lost(before=timezone.now() + timedelta(minutes=1)) == []
        assert services.reminders_due() == []
    mail.outbox.clear()
    assert reminders_send_all_task.apply().get() == 0
    assert mail.outbox == []


def test_contacts_are_reminded_and_answer_without_a_session(client, world):
    with schema_context("org_alpha"):
        services.questionnaires_install()
        _contact(world, "financer", "OPCO Atlas", "Karim Benali", "karim@opco.example")
        (invitation,) = services.invitations_schedule()
        mail.outbox.clear()
        assert services.invitation_send(invitation_pk=invitation.pk, organisation=world.org_a)
        first = mail.outbox[0]
        Invitation.objects.filter(pk=invitation.pk).update(
            sent_at=timezone.now() - timedelta(days=8)
        )
        questions = list(invitation.questionnaire.questions.all())
    assert first.to == ["karim@opco.example"]
    # No session: no training named.
    assert first.body.startswith("Bonjour Karim Benali,\n\nMerci de nous donner votre avis : ")
    mail.outbox.clear()
    assert reminders_send_all_task.apply().get() == 1
    (reminder,) = mail.outbox
    assert reminder.to == ["karim@opco.example"]
    assert reminder.subject == (
        "[Alpha Formation] Rappel — votre avis : " + invitation.questionnaire.title
    )
    assert reminder.body.startswith("Bonjour Karim Benali,")
    page = client.get(_link(reminder))
    assert page.status_code == 200
    body = page.content.decode()
    assert invitation.questionnaire.title in body and "— du " not in body
    assert client.post(_link(first), _valid(questions)).status_code == 200
    with schema_context("org_alpha"):
        response = Response.objects.get()
        assert (response.invitation_id, response.session_id) == (invitation.pk, None)
        assert Invitation.objects.get().answered_at is not None
    mail.outbox.clear()
    assert reminders_send_all_task.apply().get() == 0


def test_the_session_surveys_tab_shows_the_cold_appraisal_and_employer_rows(
    client, world, django_capture_on_commit_callbacks
):
    with schema_context("org_alpha"):
        services.questionnaires_install()
        cold = _session(_offer(world, "À froid"), timezone.localdate() - timedelta(days=61))
        _learner(world, cold, "Clara Roussel", "clara@example.fr", employer="Boulangerie Roussel")
        _contact(world, "employer", "Boulangerie Roussel", "Claire Dumas", "rh@r.example")
        with django_capture_on_commit_callbacks(execute=True):
            made = services.invitations_schedule()
        assert len(made) == 2
        Invitation.objects.filter(questionnaire__kind="appraisal_cold").update(
            answered_at=timezone.now()
        )
        Invitation.objects.filter(questionnaire__kind="appraisal_cold_employer").update(
            reminders_sent=1
        )
    client.force_login(world.referent_a)
    page = client.get(f"/o/alpha/sessions/{cold.pk}/enquetes/").content.decode()
    assert (
        'Claire Dumas<br><span class="muted small">Employeurs · Boulangerie Roussel<br>rh@r.example'
        in page
    )
    assert 'Clara Roussel<br><span class="muted small">clara@example.fr' in page
    assert page.count("envoyée</span>") == 2
    assert "1 rappel" in page
    assert "1 réponse sur 2 personnes interrogées." in page


def test_the_beat_task_schedules_every_organisation(world, django_capture_on_commit_callbacks):
    from qualiopi_portal.tenancy.models import Organisation

    with schema_context("org_alpha"):
        services.questionnaires_install()
        _contact(world, "financer", "OPCO Atlas", "Karim Benali", "karim@opco.example")
    with schema_context("org_beta"):
        _contact(
            world, "financer", "OPCO Atlas", "Nina Beta", "nina@opco.example"
        )  # no questionnaire
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        count = schedule_all_task.apply().get()
    assert count == Organisation.objects.exclude(schema_name="public").count()
    assert [m.to for m in mail.outbox] == [["karim@opco.example"]]
    with django_capture_on_commit_callbacks(execute=True):
        schedule_all_task.apply().get()
    assert len(mail.outbox) == 1


def test_the_sweep_queues_again_only_what_was_queued_before_its_barrier(world):
    with schema_context("org_alpha"):
        services.questionnaires_install()
        _contact(world, "financer", "OPCO Atlas", "Karim Benali", "karim@opco.example")
        _contact(world, "teaching_team", "", "Alice Prof", "alice@prof.example")
        _contact(world, "teaching_team", "", "Paul Vidal", "paul@prof.example")
        lost, after, recent = services.invitations_schedule()
        stamp = timezone.now()
        Invitation.objects.filter(pk=lost.pk).update(queued_at=stamp - timedelta(minutes=2))
        # Queued after the barrier: its message is behind it, still to come.
        Invitation.objects.filter(pk=after.pk).update(queued_at=stamp + timedelta(seconds=1))
        # Queued before it, but a moment ago: its batch may still be going into the queue.
        Invitation.objects.filter(pk=recent.pk).update(queued_at=stamp - timedelta(seconds=10))
        assert services.invitations_lost(before=stamp, now=stamp) == [lost.pk]
        # Queued again now: a barrier stamped earlier and still waiting does not queue it again.
        assert services.invitations_lost(before=stamp, now=stamp) == []
        # 45 s later, still unsent, a later barrier takes the two others, and the first again
        # (the message queued for it at the stamp was lost too).
        later = stamp + timedelta(seconds=45)
        assert services.invitations_lost(before=later, now=later) == sorted(
            [lost.pk, after.pk, recent.pk]
        )
        Invitation.objects.filter(pk__in=[lost.pk, after.pk, recent.pk]).update(
            queued_at=stamp - timedelta(minutes=2)
        )
    mail.outbox.clear()
    # Beat's call only queues the barrier (its second half runs at once here, and sends).
    assert invitations_unsent_task.apply().get() == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted([lost.email, after.email, recent.email])
    mail.outbox.clear()
    assert invitations_unsent_task.apply().get() == 0
    assert mail.outbox == []


class RefusingBackend:
    """A mail server that refuses every address."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        import smtplib

        raise smtplib.SMTPRecipientsRefused({m.to[0]: (550, b"No such user") for m in messages})


def test_an_address_the_server_refuses_is_kept_as_such_and_not_tried_again(client, world, settings):
    with schema_context("org_alpha"):
        services.questionnaires_install()
        cold = _session(_offer(world, "À froid"), timezone.localdate() - timedelta(days=61))
        _contact(world, "employer", "Roussel", "Claire Dumas", "inconnue@r.example")
        _learner(world, cold, "Clara Roussel", "", employer="Roussel")
        (invitation,) = services.invitations_schedule()
        settings.EMAIL_BACKEND = "tests.surveys.test_schedule.RefusingBackend"
        assert (
            services.invitation_send(invitation_pk=invitation.pk, organisation=world.org_a) is False
        )
        invitation.refresh_from_db()
        assert invitation.sent_at is None
        assert "No such user" in invitation.send_error
        later = timezone.now() + timedelta(minutes=5)
        assert services.invitations_lost(before=later, now=later) == []
    client.force_login(world.referent_a)
    page = client.get(f"/o/alpha/sessions/{cold.pk}/enquetes/").content.decode()
    assert "adresse refusée" in page and "en attente d&#x27;envoi" not in page
