import os
import socket
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tenants.utils import schema_exists

from audits.models import Finding
from financing.models import FundingLine
from improvement.models import Action
from learners import services as learner_services
from learners.models import AttendanceRecord, Enrolment
from learners.models import Slot as LearnerSlot
from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.core.text import fold
from qualiopi_portal.tenancy.models import ConsultancyFirm, Membership, Organisation, Role
from session_documents.models import GeneratedDocument
from surveys.models import Response as SurveyResponse
from surveys.models import Stakeholder
from training_offers.models import Offer, Session

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_create_organisation_from_the_cli(world):
    out = StringIO()
    call_command(
        "create_organisation",
        "zeta",
        "--name=Zêta Formation",
        "--siret=73282932000074",
        "--nda=11755555575",
        "--categories=af,BC",
        "--subcontracting",
        "--new-entrant-in=bc",
        "--sites=4",
        "--next-audit=2027-02-01",
        "--firm=cabinet-test",
        stdout=out,
    )
    assert out.getvalue() == "organisation zeta créée (schéma org_zeta)\n"
    organisation = Organisation.objects.get(slug="zeta")
    assert (organisation.categories, organisation.has_subcontracting, organisation.site_count) == (
        ["AF", "BC"],
        True,
        4,
    )
    assert str(organisation.next_audit_date) == "2027-02-01"
    assert organisation.new_entrant_categories == ["BC"]
    assert world.firm.clients.filter(pk=organisation.pk).exists()
    assert schema_exists("org_zeta")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--categories=AF,XYZ"], "catégorie inconnue : XYZ (attendu : AF, BC, VAE, APP)"),
        (
            ["--siret=12345678901234"],
            "siret: Ce SIRET n'est pas valide : la clé de contrôle ne correspond pas.",
        ),
        (["--firm=inconnu"], "cabinet de conseil inconnu : inconnu"),
        (["--next-audit=01/02/2027"], "--next-audit attend une date AAAA-MM-JJ"),
        (
            ["--new-entrant-in=APP"],
            "new_entrant_categories: Une catégorie où l'organisme débute doit aussi être cochée "
            "dans les catégories d'actions.",
        ),
    ],
)
def test_create_organisation_errors(world, arguments, message):
    base = {
        "--name": "--name=Zêta",
        "--siret": "--siret=73282932000074",
        "--nda": "--nda=11755555575",
        "--categories": "--categories=AF",
    }
    for argument in arguments:
        base[argument.split("=")[0]] = argument
    with pytest.raises(CommandError) as error:
        call_command("create_organisation", "zeta", *base.values())
    assert message in str(error.value)
    assert not Organisation.objects.filter(slug="zeta").exists()
    assert not schema_exists("org_zeta")


def test_seed_demo_refuses_where_settings_do_not_allow_demo_data(settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError) as error:
        call_command("seed_demo")
    assert "refuse de s'exécuter avec ces réglages (production ?)" in str(error.value)
    assert not Organisation.objects.filter(slug="cooperative-solstice").exists()


def test_make_run_settings_keep_debug_off_unless_asked():
    """The demo answers like production: the portal's French error pages, not Django's."""
    code = "from django.conf import settings; print(settings.DEBUG, settings.DEMO_DATA_ALLOWED)"

    def read(**env):
        environment = {k: v for k, v in os.environ.items() if k != "DEBUG"}
        environment.update(DJANGO_SETTINGS_MODULE="qualiopi_portal.settings.local", **env)
        return subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            capture_output=True,
            text=True,
            env=environment,
            check=True,
            cwd=Path(__file__).resolve().parents[2],
        ).stdout.strip()

    assert read() == "False True"
    assert read(DEBUG="true") == "True True"


def test_seed_demo_builds_the_three_clients_and_is_idempotent(world):
    call_command("seed_demo", "--force", stdout=StringIO())
    firm = ConsultancyFirm.objects.get(slug="trajectoires-qualite")
    slugs = ["cap-competences", "cfa-metiers-occitanie", "cooperative-solstice"]
    assert sorted(firm.clients.values_list("slug", flat=True)) == slugs
    assert list(firm.members.values_list("email", flat=True)) == ["consultant@demo.test"]
    for slug in slugs:
        roles = sorted(
            Membership.objects.filter(organisation__slug=slug).values_list("role", flat=True)
        )
        assert roles == sorted([Role.CONTRIBUTOR, Role.DIRECTOR, Role.REFERENT])
    cfa = Organisation.objects.get(slug="cfa-metiers-occitanie")
    assert (cfa.categories, cfa.has_alternance) == (["APP", "AF"], True)
    cap = Organisation.objects.get(slug="cap-competences")
    assert (cap.categories, cap.new_entrant_categories) == (["AF", "BC"], ["AF", "BC"])
    coop = Organisation.objects.get(slug="cooperative-solstice")
    assert (coop.is_certifying, coop.has_subcontracting) == (True, True)

    # Every client has a month of readiness history, so the portfolio shows a trend.
    for organisation in Organisation.objects.filter(slug__in=slugs):
        trend = organisation.readiness.trend
        assert len(trend) == 5
        assert trend[-1][1] - trend[0][1] == 11
    # The CFA's data is shaped like a CFA's: apprenticeship offer and funding, findings and
    # actions on the apprenticeship indicators.
    with schema_context(cfa.schema_name):
        offer = Offer.objects.get(category="APP")
        assert offer.title == "CAP Cuisine en apprentissage"
        # Two past sessions, the current one with its five apprentices enrolled by name, and
        # the one of three weeks ago with four (whose documents are made).
        assert sorted(offer.sessions.values_list("enrolled", flat=True)) == [4, 5, 14, 16]
        assert set(Enrolment.objects.values_list("learner__status", flat=True)) == {"apprentice"}
        assert sorted(
            Finding.objects.filter(kind__in=Finding.NC_KINDS).values_list(
                "indicator_number", "kind"
            )
        ) == [(13, "nc_minor"), (14, "nc_major"), (20, "nc_major")]
        assert Action.objects.filter(indicator_numbers__contains=[33]).count() == 1
        assert FundingLine.objects.filter(route_code="apprenticeship_opco").count() == 2
    with schema_context(coop.schema_name):
        assert not Offer.objects.filter(category="APP").exists()
        # The current session: the days gone by are signed and closed, one learner absent
        # with a justified absence each half-day, and the chain of records holds.
        today = timezone.localdate()
        session = (
            Session.objects.filter(
                enrolments__isnull=False, starts_on__lte=today, ends_on__gte=today
            )
            .distinct()
            .get()
        )
        past = LearnerSlot.objects.filter(session=session, day__lt=timezone.localdate())
        assert past.count() >= 4  # at least two working days gone by, two half-days each
        assert not past.filter(closed_at__isnull=True).exists()
        absences = AttendanceRecord.objects.filter(slot__session=session, kind="absence")
        assert absences.count() == past.count()
        assert absences.filter(status="absent_justified").count() == past.count()
        # Its end-of-session questionnaire: three answers, the session's satisfaction from them
        # ((5 + 4 + 3) × 2 / 3 on 10) and two of three who would recommend it.
        assert SurveyResponse.objects.filter(origin="link").count() == 3
        past = (
            Session.objects.filter(survey_responses__origin="link", survey_responses__isnull=False)
            .distinct()
            .get()
        )
        assert (past.hot_average, past.hot_responses) == (Decimal("8.0"), 3)
        assert (past.recommend_yes, past.recommend_responses) == (2, 3)
        # An older session's cold appraisal, on paper, imported: 5 « en emploi » of 7.
        paper = SurveyResponse.objects.filter(origin="import")
        assert paper.count() == 7
        older = Session.objects.get(pk=paper.values_list("session", flat=True).distinct().get())
        assert older.ends_on <= timezone.localdate() - timedelta(days=60)
        assert (older.employed, older.employment_responses, older.cold_responses) == (5, 7, 7)
        assert older.cold_average == Decimal("8.3")  # (5+4+4+3+5+4+4) × 2 / 7
        # Two contacts for the schedule: a learner's employer (cold appraisal), an OPCO adviser.
        employer, financer = Stakeholder.objects.order_by("audience")
        assert (employer.audience, employer.email) == ("employer", "claire.dumas@example.com")
        assert fold(employer.organisation_name) in {
            fold(name) for name in Enrolment.objects.values_list("learner__employer", flat=True)
        }
        assert (financer.audience, financer.email) == ("financer", "karim.benali@opco.example.org")
        assert "OPCO" in financer.organisation_name
        # Three weeks ago: its documents rendered from the session, each a proof in the library.
        assert sorted(GeneratedDocument.objects.values_list("kind", flat=True)) == [
            "attendance_sheet",
            "attestation",
            "certificate",
            "convocation",
            "programme",
        ]
        assert learner_services.chain_check(session) is None
        assert session.trainer_links.get().user.email == "formateur.solstice@demo.test"
        assert not Finding.objects.filter(indicator_number__in=[13, 14, 20]).exists()

    counts = (Organisation.objects.count(), Membership.objects.count())
    call_command("seed_demo", "--force", stdout=StringIO())
    assert (Organisation.objects.count(), Membership.objects.count()) == counts
    assert len(Organisation.objects.get(slug="cap-competences").readiness.trend) == 5


def test_services_script_explains_a_taken_port(tmp_path):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        env = {
            **os.environ,
            "QUALIOPI_RUN_DIR": str(tmp_path),
            "EMBEDDED_REDIS_PORT": str(port),
            "DATABASE_URL": "postgres://unused",
        }
        env.pop("REDIS_URL", None)
        result = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "services.py"), "start"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    assert f"Port {port} on 127.0.0.1 is already taken by another program" in result.stderr
    assert "EMBEDDED_REDIS_PORT=<port>" in result.stderr
    assert "Traceback" not in result.stderr


def _column_exists(schema: str, table: str, column: str) -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.columns"
            " WHERE table_schema = %s AND table_name = %s AND column_name = %s",
            [schema, table, column],
        )
        return cursor.fetchone() is not None


def test_migrate_portal_migrates_the_schema_behind_and_skips_the_others(world):
    """One SQL pass finds the schema whose django_migrations lacks a migration on disk; only
    that schema goes through `migrate` (a no-op run at 1,000 schemas costs a second, not a
    minute)."""
    from django.db import connection
    from django_tenants.signals import schema_migrated

    from qualiopi_portal.tenancy.management.commands.migrate_portal import schemas_behind

    # org_alpha is one migration behind (one nothing depends on): its table and its row in
    # django_migrations go.
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE org_alpha.session_documents_documentjob")
        cursor.execute(
            "DELETE FROM org_alpha.django_migrations"
            " WHERE app = 'session_documents' AND name = '0002_document_jobs'"
        )
    assert not _column_exists("org_alpha", "session_documents_documentjob", "status")
    schemas = ["template_organisation", "org_alpha", "org_beta", "org_gamma"]
    assert schemas_behind(schemas) == ["org_alpha"]

    migrated: list[str] = []

    def record(sender, schema_name, **kwargs):
        migrated.append(schema_name)

    schema_migrated.connect(record)
    try:
        out = StringIO()
        call_command("migrate_portal", verbosity=1, stdout=out)
    finally:
        schema_migrated.disconnect(record)
    assert migrated == ["public", "org_alpha"]
    assert "1 of 4 tenant schemas were behind" in out.getvalue()
    assert _column_exists("org_alpha", "session_documents_documentjob", "status")
    assert schemas_behind(schemas) == []
