"""Certificate, audits and findings through the pages and services; findings move readiness."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from audits import services
from audits.models import Audit, Certificate, Finding
from indicators.models import Action
from indicators.services import readiness_compute
from qualiopi_portal.tenancy.models import Organisation

from ..indicators.test_readiness_services import _validated

pytestmark = pytest.mark.django_db


def _audit(world, **fields) -> Audit:
    values = {
        "kind": "mock",
        "starts_on": date(2026, 11, 16),
        "ends_on": date(2026, 11, 17),
        "auditors": "Claire Fontaine",
        "sites": "Siège",
        "report_date": date(2026, 11, 20),
        "notes": "",
        **fields,
    }
    return services.audit_save(audit=None, created_by=world.referent_a, **values)


def test_certificate_page_records_the_cycle(client, world):
    client.force_login(world.referent_a)
    empty = client.get("/o/alpha/audits/").content.decode()
    assert "Aucun certificat enregistré" in empty
    refused = client.post(
        "/o/alpha/audits/certificat/",
        {"certifier": "AFNOR Certification", "number": "Q-1", "issued_on": "2030-01-01"},
    )
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Choisissez au moins une catégorie couverte." in text
    client.post(
        "/o/alpha/audits/certificat/",
        {
            "certifier": "AFNOR Certification",
            "number": "Q-2025-0042",
            "categories": ["AF"],
            "issued_on": "2025-03-10",
        },
    )
    with schema_context("org_alpha"):
        certificate = Certificate.objects.get()
    assert (certificate.number, certificate.categories) == ("Q-2025-0042", ["AF"])
    page = client.get("/o/alpha/audits/").content.decode()
    assert "du 10/05/2026 au 10/01/2027 (14ᵉ au 22ᵉ mois)" in page
    assert "10/03/2028" in page
    # Today (23/11/2026) is inside the surveillance window and no surveillance audit exists.
    assert "La fenêtre de l&#x27;audit de surveillance est ouverte : planifiez-le." in page


def test_audit_dates_and_version_in_force(world):
    with schema_context("org_alpha"):
        with pytest.raises(ValidationError) as error:
            _audit(world, starts_on=date(2026, 11, 17), ends_on=date(2026, 11, 16))
        assert error.value.message_dict == {
            "ends_on": ["Le dernier jour ne peut pas précéder le premier jour."]
        }
        with pytest.raises(ValidationError) as error:
            _audit(world, report_date=date(2026, 11, 1))
        assert error.value.message_dict == {
            "report_date": ["Le rapport ne peut pas précéder l'audit."]
        }
        assert (
            _audit(world, starts_on=date(2026, 10, 30), ends_on=date(2026, 10, 31)).version_code
            == "v9"
        )
        assert _audit(world).version_code == "v10"


def test_findings_get_deadlines_from_the_report_and_refuse_bad_input(world):
    with schema_context("org_alpha"):
        audit = _audit(world)
        major = services.finding_save(
            audit=audit,
            finding=None,
            indicator_number=4,
            kind="nc_major",
            description="Pas de trace",
        )
        minor = services.finding_save(
            audit=audit, finding=None, indicator_number=9, kind="nc_minor", description="Incomplet"
        )
        strength = services.finding_save(
            audit=audit, finding=None, indicator_number=1, kind="strength", description="Site clair"
        )
        assert major.deadline == date(2027, 2, 20)
        assert minor.deadline == date(2027, 5, 20)
        assert strength.deadline is None
        with pytest.raises(ValidationError) as error:
            services.finding_save(
                audit=audit,
                finding=None,
                indicator_number=33,
                kind="nc_minor",
                description="x",
                deadline=date(2026, 11, 19),
            )
        assert error.value.message_dict == {
            "deadline": ["L'échéance ne peut pas précéder la date du rapport."]
        }
        with pytest.raises(ValidationError) as error:
            services.finding_save(
                audit=audit, finding=None, indicator_number=34, kind="nc_minor", description="x"
            )
        assert error.value.message_dict == {
            "indicator_number": ["Cet indicateur n'existe pas dans la version de l'audit."]
        }


def test_a_minor_left_open_escalates_at_the_next_official_audit(world):
    with schema_context("org_alpha"):
        initial = _audit(
            world,
            kind="initial",
            starts_on=date(2025, 3, 1),
            ends_on=date(2025, 3, 1),
            report_date=date(2025, 3, 5),
        )
        minor = services.finding_save(
            audit=initial,
            finding=None,
            indicator_number=9,
            kind="nc_minor",
            description="Incomplet",
        )
        _audit(
            world,
            kind="mock",
            starts_on=date(2026, 4, 1),
            ends_on=date(2026, 4, 1),
            report_date=None,
        )
        minor.refresh_from_db()
        assert minor.kind == "nc_minor"  # a mock audit is not the certifier's
        _audit(
            world,
            kind="surveillance",
            starts_on=date(2026, 5, 20),
            ends_on=date(2026, 5, 20),
            report_date=None,
        )
        minor.refresh_from_db()
        assert (minor.kind, minor.escalated_from, minor.deadline) == (
            "nc_major",
            "nc_minor",
            date(2026, 8, 20),
        )


def test_a_major_followed_to_lifted_moves_readiness(world, media):
    alpha = Organisation.objects.get(pk=world.org_a.pk)
    proof = _validated(world, [4])
    with schema_context("org_alpha"):
        assert _status(alpha, 4) == ("ready", ("validated",))
        audit = _audit(world)
        major = services.finding_save(
            audit=audit,
            finding=None,
            indicator_number=4,
            kind="nc_major",
            description="Pas de trace",
        )
        assert _status(alpha, 4) == ("missing", ("open_major_nc",))
        with pytest.raises(ValidationError) as error:
            services.finding_set_status(finding=major, status="planned")
        assert error.value.messages == [
            "Ajoutez au moins une action corrective, avec son ou sa responsable."
        ]
        action = services.corrective_action_create(
            organisation=alpha, finding=major, created_by=world.firm_consultant
        )
        assert (action.owner, action.due_date, action.finding, action.source) == (
            world.referent_a,
            date(2027, 2, 20),
            major,
            "finding",
        )
        services.finding_set_status(finding=major, status="planned")
        with pytest.raises(ValidationError) as error:
            services.finding_set_status(finding=major, status="proof_submitted")
        assert error.value.messages == ["Joignez au moins une preuve de correction."]
        services.finding_set_status(finding=major, status="proof_submitted", proofs=[proof])
        with pytest.raises(ValidationError):
            services.finding_set_status(finding=major, status="open")
        services.finding_set_status(finding=major, status="lifted")
        major.refresh_from_db()
        assert major.status == "lifted"
        assert major.lifted_at is not None
        assert _status(alpha, 4) == ("ready", ("validated",))


def _status(organisation, number):
    readiness = readiness_compute(organisation=organisation)
    (result,) = [r for r in readiness.indicators if r.number == number]
    return str(result.status), result.reasons


def test_pages_record_an_audit_and_its_findings(client, world):
    client.force_login(world.referent_a)
    response = client.post(
        "/o/alpha/audits/nouveau/",
        {"kind": "mock", "starts_on": "2026-11-16", "ends_on": "2026-11-15"},
    )
    assert response.status_code == 400
    assert "Le dernier jour ne peut pas précéder le premier jour." in response.content.decode()
    response = client.post(
        "/o/alpha/audits/nouveau/",
        {
            "kind": "mock",
            "starts_on": "2026-11-16",
            "ends_on": "2026-11-17",
            "report_date": "2026-11-20",
        },
    )
    with schema_context("org_alpha"):
        audit = Audit.objects.get()
    assert response.url == f"/o/alpha/audits/{audit.pk}/"
    client.post(
        f"/o/alpha/audits/{audit.pk}/",
        {"indicator_number": "4", "kind": "nc_major", "description": "Pas de trace"},
    )
    page = client.get(f"/o/alpha/audits/{audit.pk}/").content.decode()
    assert "Délivrance après levée des non-conformités" in page
    assert "1 NC majeure ouverte" in page
    assert "20/02/2027" in page
    with schema_context("org_alpha"):
        finding = Finding.objects.get()
    response = client.post(f"/o/alpha/audits/{audit.pk}/constats/{finding.pk}/action/")
    with schema_context("org_alpha"):
        action = Action.objects.get()
    assert response.url == f"/o/alpha/plan-de-progres/{action.pk}/"
    follow = client.post(
        f"/o/alpha/audits/{audit.pk}/constats/{finding.pk}/",
        {"form": "status", "status": "proof_submitted"},
    )
    assert follow.status_code == 400
    assert "Ce changement d&#x27;état n&#x27;est pas possible." in follow.content.decode()
    client.force_login(world.director_a)
    assert client.get(f"/o/alpha/audits/{audit.pk}/").status_code == 200
    assert client.get(f"/o/alpha/audits/{audit.pk}/constats/{finding.pk}/").status_code == 404
    assert (
        client.post(
            f"/o/alpha/audits/{audit.pk}/",
            {"indicator_number": "5", "kind": "conform", "description": "ok"},
        ).status_code
        == 404
    )
    client.force_login(world.contributor_a)
    assert client.get("/o/alpha/audits/").status_code == 404


def test_the_cockpit_counts_open_findings(client, world, media):
    from indicators.services import readiness_recompute

    with schema_context("org_alpha"):
        audit = _audit(world)
        services.finding_save(
            audit=audit, finding=None, indicator_number=4, kind="nc_major", description="x"
        )
        services.finding_save(
            audit=audit, finding=None, indicator_number=9, kind="nc_minor", description="y"
        )
    summary_org = Organisation.objects.get(pk=world.org_a.pk)
    readiness_recompute(organisation=summary_org)
    client.force_login(world.firm_consultant)
    page = client.get("/portefeuille/").content.decode()
    assert '<a class="badge badge--warn" href="/o/alpha/audits/">2</a>' in page


def test_the_audit_form_shows_the_duration_computation(client, world):
    Organisation.objects.filter(pk=world.org_a.pk).update(
        site_count=17, turnover_band="1_5m_3m", categories=["AF", "BC", "VAE"]
    )
    client.force_login(world.referent_a)
    page = client.get("/o/alpha/audits/nouveau/").content.decode()
    assert "Sites échantillonnés (√17 ≈ 4), 0,5 jour chacun" in page
    assert "<strong>5 j</strong>" in page
    assert 'name="duration_days" value="5.0"' in page
    refused = client.post(
        "/o/alpha/audits/nouveau/",
        {
            "kind": "mock",
            "starts_on": "2026-11-16",
            "ends_on": "2026-11-17",
            "duration_days": "1.3",
        },
    )
    assert "Les durées d&#x27;audit se comptent en demi-journées." in refused.content.decode()
    client.post(
        "/o/alpha/audits/nouveau/",
        {
            "kind": "mock",
            "starts_on": "2026-11-16",
            "ends_on": "2026-11-17",
            "duration_days": "4.5",
        },
    )
    with schema_context("org_alpha"):
        assert Audit.objects.get().duration_days == Decimal("4.5")


def test_the_audit_plan_warns_about_uncovered_indicators(client, world):
    with schema_context("org_alpha"):
        audit = _audit(world)
    client.force_login(world.referent_a)
    base = f"/o/alpha/audits/{audit.pk}/plan/"
    empty = client.get(base).content.decode()
    assert "22 indicateurs applicables ne sont couverts par aucun créneau" in empty
    slot = {"subject": "Information du public", "starts_at": "08:30", "ends_at": "08:45"}
    outside = client.post(base + "nouveau/", {**slot, "day": "2026-11-18"})
    assert outside.status_code == 400
    assert (
        "Le créneau doit tomber pendant l&#x27;audit (du 16/11/2026 au 17/11/2026)."
        in outside.content.decode()
    )
    backwards = client.post(base + "nouveau/", {**slot, "day": "2026-11-16", "ends_at": "08:00"})
    assert "La fin du créneau doit suivre son début." in backwards.content.decode()
    applicable = [n for n in range(1, 34) if n not in (3, 7, 13, 14, 15, 16, 20, 27, 28, 29, 33)]
    client.post(
        base + "nouveau/",
        {**slot, "day": "2026-11-16", "indicator_numbers": [str(n) for n in applicable[:-1]]},
    )
    page = client.get(base).content.decode()
    assert "1 indicateur applicable n’est couvert par aucun créneau" in page
    assert '<span class="indicator-number">32</span></p>' in page
    assert "08h30 – 08h45" in page
    with schema_context("org_alpha"):
        created = audit.slots.get()
    confirm = client.get(f"{base}{created.pk}/retirer/")
    assert "Retirer ce créneau du plan ?" in confirm.content.decode()
    with schema_context("org_alpha"):
        assert audit.slots.count() == 1
    client.post(f"{base}{created.pk}/retirer/")
    with schema_context("org_alpha"):
        assert audit.slots.count() == 0


def test_findings_import_all_or_nothing_with_line_numbers(client, world):
    with schema_context("org_alpha"):
        audit = _audit(world)
    client.force_login(world.referent_a)
    url = f"/o/alpha/audits/{audit.pk}/constats/importer/"
    bad = (
        "indicateur;constat;texte\n"
        "1;NC mineure;Délais d'accès absents\n"
        "40;NC majeure;Indicateur inconnu\n"
        "26;grave;Sévérité inconnue\n"
        "12;Point fort;\n"
    ).encode()
    response = client.post(url, {"file": SimpleUploadedFile("rapport.csv", bad)})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Rien n’a été importé." in text
    assert "Ligne 3 : indicateur « 40 » inconnu dans la version de l&#x27;audit." in text
    assert (
        "Ligne 4 : constat « grave » inconnu (conforme, NC mineure, NC majeure, point sensible "
        "ou point fort)." in text
    )
    assert "Ligne 5 : le texte du constat manque." in text
    with schema_context("org_alpha"):
        assert Finding.objects.count() == 0
    good = (
        "1,nc mineure,Délais d'accès absents\n"
        "26,NC MAJEURE,Pas de référent handicap\n"
        "4,point fort,Positionnement tracé\n"
    ).encode("cp1252")
    response = client.post(url, {"file": SimpleUploadedFile("rapport.csv", good)})
    assert response.status_code == 302
    with schema_context("org_alpha"):
        assert list(
            Finding.objects.order_by("indicator_number").values_list(
                "indicator_number", "kind", "description", "deadline"
            )
        ) == [
            (1, "nc_minor", "Délais d'accès absents", date(2027, 5, 20)),
            (4, "strength", "Positionnement tracé", None),
            (26, "nc_major", "Pas de référent handicap", date(2027, 2, 20)),
        ]
    for hostile in (b"", b"\x00\x01\x02binary", b"x" * (1024 * 1024 + 10)):
        response = client.post(url, {"file": SimpleUploadedFile("rapport.csv", hostile)})
        assert response.status_code == 400
    with schema_context("org_alpha"):
        assert Finding.objects.count() == 3
