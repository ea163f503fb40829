"""Certificate, audits and findings through the pages and services; findings move readiness."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from audits import services
from audits.models import Audit, Certificate, Finding
from improvement.models import Action
from indicators.services import readiness_compute
from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.tenancy.models import Organisation

from ..indicators.test_readiness_services import _validated

pytestmark = pytest.mark.django_db


def _audit(world, **fields) -> Audit:
    values = {
        "kind": "initial",
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
    # Left empty, validity starts on the issue date and lasts three years.
    assert (certificate.valid_from, certificate.expires_on) == (date(2025, 3, 10), date(2028, 3, 9))
    page = client.get("/o/alpha/audits/").content.decode()
    assert "du 10/05/2026 au 10/01/2027 (14ᵉ au 22ᵉ mois)" in page
    assert "du 10/03/2025 au 09/03/2028" in page
    # Expiry minus 3 months to lift a major and 1 month for the certifier's check.
    assert "rapport au plus tard le 09/11/2027" in page
    # Today (23/11/2026) is inside the surveillance window and no surveillance audit exists.
    assert "La fenêtre de l&#x27;audit de surveillance est ouverte : planifiez-le." in page


def test_a_renewed_certificate_starts_the_day_after_the_previous_one_expires(client, world):
    with schema_context("org_alpha"):
        first = services.certificate_save(
            certificate=None,
            certifier="AFNOR Certification",
            number="Q-1",
            categories=["AF"],
            issued_on=date(2023, 6, 1),
            valid_from=date(2023, 6, 5),
            expires_on=date(2026, 6, 4),
        )
        with pytest.raises(ValidationError) as error:
            services.certificate_save(
                certificate=None,
                certifier="AFNOR Certification",
                number="Q-2",
                categories=["AF"],
                issued_on=date(2026, 5, 20),
                valid_from=date(2026, 5, 20),
                renews=first,
            )
        assert error.value.message_dict == {
            "valid_from": [
                "Un certificat renouvelé commence le lendemain de l'expiration du précédent : "
                "le 05/06/2026."
            ]
        }
    client.force_login(world.referent_a)
    response = client.post(
        "/o/alpha/audits/certificat/",
        {
            "certifier": "AFNOR Certification",
            "number": "Q-2",
            "categories": ["AF"],
            "issued_on": "2026-05-20",
            "valid_from": "2023-06-05",  # the previous certificate's, as the form showed it
            "expires_on": "2026-06-04",
            "is_renewal": "on",
        },
    )
    assert response.status_code == 302
    with schema_context("org_alpha"):
        renewed = Certificate.objects.get(number="Q-2")
        assert (renewed.valid_from, renewed.expires_on) == (date(2026, 6, 5), date(2029, 6, 4))
        assert Certificate.objects.count() == 2


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
        audit = _audit(world, kind="initial")
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


def test_mock_audit_findings_get_no_certifier_deadline(world):
    with schema_context("org_alpha"):
        mock = _audit(world, kind="mock")
        finding = services.finding_save(
            audit=mock,
            finding=None,
            indicator_number=9,
            kind="nc_minor",
            description="Incomplet",
            deadline=date(2027, 1, 15),
        )
        assert finding.deadline is None
        imported = services.findings_import(audit=mock, data=b"4;NC majeure;Pas de trace\n")
        assert [f.deadline for f in imported.created] == [None]
        # Editing the audit (its report date, say) sets none either.
        services.audit_save(
            audit=mock,
            kind="mock",
            starts_on=mock.starts_on,
            ends_on=mock.ends_on,
            auditors="",
            sites="",
            report_date=date(2026, 11, 25),
            notes="",
        )
        assert list(Finding.objects.values_list("deadline", flat=True)) == [None, None]


def test_a_minor_nc_on_an_always_major_indicator_is_refused(world):
    with schema_context("org_alpha"):
        audit = _audit(world, kind="initial")
        with pytest.raises(ValidationError) as error:
            services.finding_save(
                audit=audit, finding=None, indicator_number=4, kind="nc_minor", description="x"
            )
        assert error.value.message_dict == {
            "kind": [
                "L'indicateur 4 fait partie des 17 indicateurs dont toute non-conformité est "
                "majeure : choisissez « NC majeure »."
            ]
        }
        with pytest.raises(ValidationError) as error:
            services.findings_import(audit=audit, data=b"9;NC mineure;ok\n26;mineure;Handicap\n")
        assert error.value.messages == [
            "Ligne 2 : l'indicateur 26 fait partie des 17 indicateurs dont toute non-conformité "
            "est majeure : « NC mineure » n'y est pas possible."
        ]
        assert not Finding.objects.exists()


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
        # An extension covers the added category only: it checks no earlier corrective plan.
        _audit(
            world,
            kind="extension",
            starts_on=date(2026, 4, 15),
            ends_on=date(2026, 4, 15),
            report_date=date(2026, 4, 20),
        )
        minor.refresh_from_db()
        assert minor.kind == "nc_minor"
        # Planning the surveillance audit changes nothing: it has not taken place.
        surveillance = _audit(
            world,
            kind="surveillance",
            starts_on=date(2026, 5, 20),
            ends_on=date(2026, 5, 20),
            report_date=None,
        )
        minor.refresh_from_db()
        assert (minor.kind, minor.escalated_from) == ("nc_minor", "")
        # Once it has taken place and reported, the minor still open is requalified major, its
        # 3-month deadline counted from that report (DOMAIN.md, "Non-conformities").
        services.audit_save(
            audit=surveillance,
            kind="surveillance",
            starts_on=date(2026, 5, 20),
            ends_on=date(2026, 5, 20),
            report_date=date(2026, 5, 27),
            auditors="",
            sites="",
            duration_days=None,
            notes="",
        )
        minor.refresh_from_db()
        assert (minor.kind, minor.escalated_from, minor.deadline) == (
            "nc_major",
            "nc_minor",
            date(2026, 8, 27),
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
        # Only the certifier lifts: its notice's date and reference are required.
        with pytest.raises(ValidationError) as error:
            services.finding_set_status(finding=major, status="lifted", actor=world.referent_a)
        assert error.value.message_dict == {
            "lifted_on": ["Indiquez la date de l'avis de levée du certificateur."],
            "lifting_reference": [
                "Seul le certificateur lève une non-conformité : indiquez la référence de son "
                "avis de levée (courriel, rapport complémentaire…)."
            ],
        }
        assert _status(alpha, 4) == ("missing", ("open_major_nc",))
        services.finding_set_status(
            finding=major,
            status="lifted",
            actor=world.referent_a,
            lifted_on=date(2026, 11, 28),
            lifting_reference="Courriel AFNOR du 28/11",
        )
        major.refresh_from_db()
        assert (major.status, major.lifted_on, major.lifting_reference, major.lifted_by) == (
            "lifted",
            date(2026, 11, 28),
            "Courriel AFNOR du 28/11",
            world.referent_a,
        )
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
            "kind": "initial",
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


def test_re_importing_the_same_report_adds_nothing_and_says_so(client, world):
    with schema_context("org_alpha"):
        audit = _audit(world)
    client.force_login(world.referent_a)
    url = f"/o/alpha/audits/{audit.pk}/constats/importer/"
    report = "Indicateur;Constat;Texte\n4;NC majeure;Pas de trace\n9;NC mineure;Incomplet\n"
    first = client.post(url, {"file": SimpleUploadedFile("rapport.csv", report.encode())})
    assert first.status_code == 302
    # The same file again, plus a new line and one that differs only by case and spacing.
    again = report + "12;NC mineure;Abandons non suivis\n9;nc mineure;  INCOMPLET \n"
    second = client.post(
        url, {"file": SimpleUploadedFile("rapport.csv", again.encode())}, follow=True
    )
    text = second.content.decode()
    assert "1 constat a été importé." in text
    assert (
        "3 lignes étaient déjà importées sur cet audit (lignes 2, 3, 5) : elles n&#x27;ont pas "
        "été ajoutées une seconde fois." in text
    )
    with schema_context("org_alpha"):
        assert sorted(Finding.objects.values_list("indicator_number", "kind")) == [
            (4, "nc_major"),
            (9, "nc_minor"),
            (12, "nc_minor"),
        ]


def test_a_finding_entered_by_mistake_is_cancelled_with_a_reason_and_counts_nowhere(
    client, world, media
):
    alpha = Organisation.objects.get(pk=world.org_a.pk)
    with schema_context("org_alpha"):
        audit = _audit(world)
        finding = services.finding_save(
            audit=audit, finding=None, indicator_number=4, kind="nc_major", description="Doublon"
        )
        assert _status(alpha, 4) == ("missing", ("open_major_nc", "no_evidence"))
    client.force_login(world.referent_a)
    url = f"/o/alpha/audits/{audit.pk}/constats/{finding.pk}/annuler/"
    confirm = client.get(url).content.decode()
    assert "Annuler le constat sur l’indicateur 4 ?" in confirm
    refused = client.post(url, {"reason": "  "})
    assert refused.status_code == 400
    assert "Indiquez pourquoi ce constat est annulé (il reste dans l&#x27;historique)." in (
        refused.content.decode()
    )
    with schema_context("org_alpha"):
        assert Finding.objects.count() == 1
    done = client.post(url, {"reason": "Saisi deux fois"})
    assert done.url == f"/o/alpha/audits/{audit.pk}/"
    with schema_context("org_alpha"):
        # Kept, with who and why, and out of every count.
        kept = Finding.all_objects.get(pk=finding.pk)
        assert (kept.cancelled_by, kept.cancellation_reason) == (
            world.referent_a,
            "Saisi deux fois",
        )
        assert Finding.objects.count() == 0
        assert _status(alpha, 4) == ("missing", ("no_evidence",))
    page = client.get(f"/o/alpha/audits/{audit.pk}/").content.decode()
    assert "Aucun constat enregistré pour cet audit." in page
    assert "1 constat annulé (ne compte nulle part)" in page
    assert "Saisi deux fois" in page
    assert "Le certificat peut être délivré" in page
    history = client.get(f"/o/alpha/audits/{audit.pk}/constats/{finding.pk}/").content.decode()
    assert "Constat annulé le" in history
    assert "Suivi de la levée" not in history
    # A cancelled finding takes no more changes.
    assert (
        client.post(
            f"/o/alpha/audits/{audit.pk}/constats/{finding.pk}/",
            {"form": "edit", "indicator_number": "4", "kind": "conform", "description": "x"},
        ).status_code
        == 404
    )


def test_lifting_from_the_page_warns_when_a_corrective_action_is_not_done(client, world, media):
    proof = _validated(world, [4])
    alpha = Organisation.objects.get(pk=world.org_a.pk)
    with schema_context("org_alpha"):
        audit = _audit(world)
        finding = services.finding_save(
            audit=audit, finding=None, indicator_number=4, kind="nc_major", description="x"
        )
        services.corrective_action_create(
            organisation=alpha, finding=finding, created_by=world.referent_a
        )
        services.finding_set_status(finding=finding, status="planned")
        services.finding_set_status(finding=finding, status="proof_submitted", proofs=[proof])
    client.force_login(world.referent_a)
    url = f"/o/alpha/audits/{audit.pk}/constats/{finding.pk}/"
    page = client.get(url).content.decode()
    assert "1 action corrective n’est pas terminée" in page
    assert "Enregistrer la levée par le certificateur" in page
    refused = client.post(url, {"form": "status", "status": "lifted", "proofs": [proof.pk]})
    assert refused.status_code == 400
    assert "Indiquez la date de l&#x27;avis de levée du certificateur." in refused.content.decode()
    lifted = client.post(
        url,
        {
            "form": "status",
            "status": "lifted",
            "proofs": [proof.pk],
            "lifted_on": "2026-11-30",
            "lifting_reference": "Avis n° 2026-118",
        },
        follow=True,
    )
    text = lifted.content.decode()
    assert "La levée est enregistrée alors qu&#x27;une action corrective n&#x27;est pas" in text
    assert "Levée par le certificateur le 30/11/2026 (avis : Avis n° 2026-118)." in text


def test_the_audit_page_says_by_when_accumulated_minors_must_be_lifted(client, world):
    with schema_context("org_alpha"):
        audit = _audit(world, kind="initial", report_date=date(2026, 11, 20))
        for number in (1, 2, 3, 8, 9, 12):
            services.finding_save(
                audit=audit,
                finding=None,
                indicator_number=number,
                kind="nc_minor",
                description="Partiel",
            )
    client.force_login(world.referent_a)
    page = " ".join(client.get(f"/o/alpha/audits/{audit.pk}/").content.decode().split())
    assert "Délivrance après levée des non-conformités" in page
    assert (
        "Les NC mineures non levées atteignent le seuil : la décision attend que des actions "
        "correctives, d’ici le 20 février 2027 (3 mois après le rapport), en lèvent au moins 2 "
        "pour repasser sous le seuil." in page
    )
    assert "Source : FAQ du ministère du Travail sur Qualiopi" in page


def test_the_audit_page_computes_the_duration_of_its_own_type(client, world):
    Organisation.objects.filter(pk=world.org_a.pk).update(new_entrant_categories=["AF"])
    with schema_context("org_alpha"):
        initial = _audit(world, kind="initial")
        surveillance = _audit(
            world,
            kind="surveillance",
            starts_on=date(2027, 12, 1),
            ends_on=date(2027, 12, 1),
            report_date=None,
        )
    client.force_login(world.referent_a)
    label = "Majoration de la surveillance (audité comme nouvel entrant à l’audit initial)"
    assert label not in client.get(f"/o/alpha/audits/{initial.pk}/").content.decode()
    assert label in client.get(f"/o/alpha/audits/{surveillance.pk}/").content.decode()
