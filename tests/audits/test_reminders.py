"""Reminders: who is told what, on the chosen delays, never twice, retried after a mail failure."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from audits import services
from audits.models import Reminder
from audits.reminders import reminders_send
from audits.tasks import reminders_send_all_task
from improvement import services as improvement_services
from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.tenancy.models import Organisation

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP down")


def _setup(world):
    alpha = Organisation.objects.get(pk=world.org_a.pk)
    with schema_context("org_alpha"):
        audit = services.audit_save(
            audit=None,
            created_by=world.referent_a,
            kind="initial",
            starts_on=date(2026, 11, 10),
            ends_on=date(2026, 11, 10),
            auditors="",
            sites="",
            report_date=date(2026, 11, 12),
            notes="",
        )
        finding = services.finding_save(
            audit=audit,
            finding=None,
            indicator_number=4,
            kind="nc_major",
            description="Pas de trace",
            deadline=TODAY + timedelta(days=7),
        )
        improvement_services.action_create(
            organisation=alpha,
            title="Tracer les entretiens",
            owner=world.director_a,
            due_date=TODAY + timedelta(days=30),
            created_by=world.referent_a,
            finding=finding,
        )
        # Issued 23/10/2025: the surveillance window (14th month) opens on 23/12/2026.
        services.certificate_save(
            certificate=None,
            certifier="AFNOR Certification",
            number="Q-1",
            categories=["AF"],
            issued_on=date(2025, 10, 23),
        )
    return alpha


def test_reminders_go_to_the_right_people_once(world, settings):
    settings.REMINDER_DAYS = [30, 7, 1]
    alpha = _setup(world)
    with schema_context("org_alpha"):
        sent = reminders_send(alpha, today=TODAY, base_url="https://portail.exemple.fr/")
        rows = sorted(Reminder.objects.values_list("kind", "user__email", "days_before", "due_on"))
    assert rows == [
        ("action_due", "director.a@exemple.test", 30, TODAY + timedelta(days=30)),
        ("action_due", "referent.a@exemple.test", 30, TODAY + timedelta(days=30)),
        ("finding_deadline", "director.a@exemple.test", 7, TODAY + timedelta(days=7)),
        ("finding_deadline", "referent.a@exemple.test", 7, TODAY + timedelta(days=7)),
        ("surveillance_window", "director.a@exemple.test", 30, date(2026, 12, 23)),
        ("surveillance_window", "referent.a@exemple.test", 30, date(2026, 12, 23)),
    ]
    assert sent == 6
    assert len(mail.outbox) == 6
    finding_mail = next(m for m in mail.outbox if "à lever" in m.subject)
    assert finding_mail.subject == (
        "[Alpha Formation] Rappel : NC majeure de l'indicateur 4 à lever avant le 30/11/2026"
    )
    assert "https://portail.exemple.fr/o/alpha/audits/" in finding_mail.body
    with schema_context("org_alpha"):
        assert reminders_send(alpha, today=TODAY, base_url="https://portail.exemple.fr/") == 0
        # The next day nothing falls exactly 30, 7 or 1 day ahead.
        assert reminders_send(alpha, today=TODAY + timedelta(days=1), base_url="x") == 0
        # Six days later the finding is one day away.
        assert reminders_send(alpha, today=TODAY + timedelta(days=6), base_url="x") == 2
    assert len(mail.outbox) == 8


def test_a_mail_failure_leaves_no_row_so_the_retry_sends_it(world, settings):
    settings.REMINDER_DAYS = [7]
    alpha = _setup(world)
    settings.EMAIL_BACKEND = "tests.audits.test_reminders.FailingBackend"
    with schema_context("org_alpha"), pytest.raises(ConnectionRefusedError):
        reminders_send(alpha, today=TODAY, base_url="x")
    with schema_context("org_alpha"):
        assert Reminder.objects.count() == 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with schema_context("org_alpha"):
        assert reminders_send(alpha, today=TODAY, base_url="x") == 2


def test_the_daily_job_covers_every_organisation_and_the_dashboard_shows_them(
    client, world, settings, monkeypatch
):
    settings.REMINDER_DAYS = [7]
    _setup(world)
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)
    # One task per organisation (run in process here: CELERY_TASK_ALWAYS_EAGER).
    assert reminders_send_all_task() == Organisation.objects.exclude(schema_name="public").count()
    with schema_context("org_alpha"):
        assert Reminder.objects.count() == 2
    reminders_send_all_task()  # a second run sends nothing again
    with schema_context("org_alpha"):
        assert Reminder.objects.count() == 2
    assert len(mail.outbox) == 2
    client.force_login(world.director_a)
    page = client.get("/o/alpha/").content.decode()
    assert "Vos rappels" in page
    assert "NC majeure de l&#x27;indicateur 4 à lever avant le 30/11/2026" in page


def test_the_window_closing_and_the_renewal_audit_are_reminded_in_time(world, settings):
    """The surveillance window's end (22nd month) and the date by which the renewal audit must
    have reported (expiry minus 3 months to lift a major and 1 month for the certifier's
    check) are reminded, not only the window's opening and the expiry."""
    settings.REMINDER_DAYS = [30]
    alpha = _setup(world)
    # Certificate valid 23/10/2025 → 22/10/2028: window 23/12/2026 → 23/08/2027, renewal audit
    # reported by 22/06/2028.
    with schema_context("org_alpha"):
        reminders_send(alpha, today=date(2027, 7, 24), base_url="x")
        reminders_send(alpha, today=date(2028, 5, 23), base_url="x")
        rows = sorted(
            Reminder.objects.filter(user=world.referent_a)
            .exclude(kind__in=["action_due", "finding_deadline"])
            .values_list("kind", "due_on", "text")
        )
    assert rows == [
        (
            "renewal_audit",
            date(2028, 6, 22),
            "L'audit de renouvellement doit avoir eu lieu le 22/06/2028 au plus tard, pour lever "
            "une éventuelle NC majeure avant l'expiration du certificat",
        ),
        (
            "surveillance_closing",
            date(2027, 8, 23),
            "La fenêtre de l'audit de surveillance se ferme le 23/08/2027 : l'audit doit avoir "
            "lieu avant",
        ),
    ]
