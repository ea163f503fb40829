"""The consultant cockpit: rows per client, sorting, filters, grid and review queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from evidence import services as evidence_services
from evidence.models import Kind
from indicators.services import readiness_recompute
from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.portfolio import cockpit
from qualiopi_portal.tenancy.models import Organisation, OrganisationReadiness, Role
from qualiopi_portal.tenancy.selectors import OrganisationAccess

pytestmark = pytest.mark.django_db

# Gamma: APP only (a CFA), no subcontracting, under V10.
GAMMA_APPLICABLE = 32


def _submitted(organisation: Organisation, user, title: str):
    with schema_context(organisation.schema_name):
        (item,) = evidence_services.evidence_create(
            access=OrganisationAccess(organisation, Role.REFERENT),
            actor=user,
            data={"title": title, "kind": Kind.RECORD, "indicator_numbers": [4, 5]},
            uploads=[SimpleUploadedFile("preuve.txt", b"Feuille d'emargement\n")],
        )
        evidence_services.evidence_transition(
            access=OrganisationAccess(organisation, Role.REFERENT),
            actor=user,
            item=item,
            transition="submit",
        )
    return item


def test_rows_show_each_client_and_sort_and_filter(client, world, media):
    today = timezone.localdate()
    Organisation.objects.filter(pk=world.org_a.pk).update(next_audit_date=today + timedelta(40))
    Organisation.objects.filter(pk=world.org_c.pk).update(next_audit_date=today + timedelta(200))
    _submitted(world.org_a, world.referent_a, "Émargements")
    readiness_recompute(organisation=Organisation.objects.get(pk=world.org_a.pk))
    client.force_login(world.firm_consultant)
    rows = cockpit.portfolio_rows(user=world.firm_consultant)
    # B is not a client of the firm; sorted by audit date by default.
    assert [row.organisation.slug for row in rows] == ["alpha", "gamma"]
    alpha = rows[0]
    assert (alpha.days_to_audit, alpha.pending_review, alpha.overdue_actions) == (40, 1, 0)
    # Two fundamental indicators (weight 2 each) half-ready out of 32 weight points.
    assert alpha.percent == 6.2
    assert alpha.outcome == "not_certifiable"
    assert rows[1].summary is None
    assert alpha.trend_delta is None  # one day of history only
    OrganisationReadiness.objects.filter(organisation=world.org_a).update(
        trend=[["2026-10-25", 40.0], ["2026-11-10", 47.0], ["2026-11-23", 55.0]]
    )
    assert cockpit.portfolio_rows(user=world.firm_consultant)[0].trend_delta == 15
    assert [
        r.organisation.slug for r in cockpit.portfolio_rows(user=world.firm_consultant, sort="-nom")
    ] == ["gamma", "alpha"]
    assert [
        r.organisation.slug
        for r in cockpit.portfolio_rows(user=world.firm_consultant, outcome="non-calcule")
    ] == ["gamma"]
    assert [
        r.organisation.slug
        for r in cockpit.portfolio_rows(user=world.firm_consultant, within_days=90)
    ] == ["alpha"]
    page = client.get("/portefeuille/?tri=a-valider&issue=not_certifiable").content.decode()
    # (The organisation menu lists every organisation; the table lists the filtered rows.)
    assert 'href="/o/alpha/">Alpha Formation</a><br>' in page
    assert 'href="/o/gamma/">Gamma CFA</a><br>' not in page
    assert 'href="/o/alpha/preuves/?statut=submitted">1</a>' in page
    assert "Non certifiable en l&#x27;état" in page
    assert "▲ +15 pts" in page
    empty = client.get("/portefeuille/?q=zzz").content.decode()
    assert "Aucun client ne correspond à ces filtres." in empty


def _data(captured) -> list[str]:
    """Statements that read or write data (django-tenants adds a SET search_path before each)."""
    return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith("SET ")]


def test_the_portfolio_costs_the_same_queries_for_any_number_of_clients(client, world):
    client.force_login(world.firm_consultant)
    client.get("/portefeuille/")  # warm the session and the content types
    with CaptureQueriesContext(connection) as two:
        assert client.get("/portefeuille/").status_code == 200
    extra = []
    for index in range(5):
        organisation = Organisation(
            schema_name=f"org_bulk_{index}",
            slug=f"bulk-{index}",
            name=f"Client {index}",
            siret="73282932000074",
            nda="11755555575",
            categories=["AF"],
        )
        extra.append(organisation)
    created = Organisation.objects.bulk_create(extra)
    world.firm.clients.add(*created)
    OrganisationReadiness.objects.bulk_create(
        OrganisationReadiness(organisation=o, overall_percent=50.0, outcome="certifiable")
        for o in created
    )
    with CaptureQueriesContext(connection) as seven:
        page = client.get("/portefeuille/")
    assert page.content.decode().count('<th scope="row">') == 7
    assert len(_data(seven)) == len(_data(two))
    assert len(_data(seven)) <= 10


def test_the_portfolio_reads_a_page_of_fifty_clients_sorted_and_filtered_by_the_database(
    client, world
):
    created = Organisation.objects.bulk_create(
        Organisation(
            schema_name=f"org_page_{index}",
            slug=f"page-{index}",
            name=f"Client {index:02d}",
            siret="73282932000074",
            nda="11755555575",
            categories=["AF"],
        )
        for index in range(58)
    )
    world.firm.clients.add(*created)
    OrganisationReadiness.objects.bulk_create(
        OrganisationReadiness(
            organisation=o,
            overall_percent=float(index),
            outcome="certifiable" if index % 2 else "not_certifiable",
            computed_at=timezone.now(),
        )
        for index, o in enumerate(created)
    )
    client.force_login(world.firm_consultant)
    first = client.get("/portefeuille/?tri=-preparation").content.decode()
    # 58 + Alpha and Gamma: never computed, so first when the order is reversed (ties by name,
    # reversed too); then 57 % down to 10 %.
    assert "60 clients" in first
    assert first.count('<th scope="row">') == 50
    assert "Page 1 sur 2" in first
    assert 'href="?tri=-preparation&amp;page=2" rel="next"' in first
    assert (
        first.index(">Gamma CFA</a>")
        < first.index(">Alpha Formation</a>")
        < first.index(">Client 57</a>")
        < first.index(">Client 10</a>")
    )
    assert ">Client 09</a>" not in first
    with CaptureQueriesContext(connection) as captured:
        second = client.get("/portefeuille/?tri=-preparation&page=2").content.decode()
    assert second.count('<th scope="row">') == 10
    assert second.index(">Client 09</a>") < second.index(">Client 00</a>")
    assert ">Client 10</a>" not in second
    # Session, user, consultant flag and switcher, firms, count, page: the same for 60 or 600.
    assert len(_data(captured)) == 7
    filtered = client.get("/portefeuille/?issue=certifiable&q=Client+1").content.decode()
    # Clients 10 to 19, the odd ones certifiable: 11, 13, 15, 17, 19.
    assert "5 clients" in filtered
    assert "Page 1 sur" not in filtered


def test_grid_counts_the_clients_not_ready_per_indicator(client, world, media):
    # Fresh rows: other tests may have changed the session's in-memory organisations.
    for organisation in Organisation.objects.filter(slug__in=["alpha", "gamma"]):
        readiness_recompute(organisation=organisation)
    rows = cockpit.portfolio_rows(user=world.firm_consultant, sort="nom")
    from indicators.referential.models import Indicator

    columns = {
        c.number: c.weak
        for c in cockpit.indicator_grid(
            rows=rows, indicators=list(Indicator.objects.filter(version__code="v10"))
        )
    }
    # Alpha (plain AF) and Gamma (CFA) both lack everything; 14 applies to the CFA only and
    # 27 to neither (no subcontracting).
    assert columns[4] == 2
    assert columns[14] == 1
    assert columns[27] == 0
    client.force_login(world.firm_consultant)
    page = client.get("/portefeuille/grille/").content.decode()
    assert "Faiblesses communes" in page
    # Every applicable indicator is missing: 22 for Alpha, GAMMA_APPLICABLE for the CFA.
    assert page.count('class="cell cell--missing" title=') == 22 + GAMMA_APPLICABLE
    assert page.count('class="cell cell--not_applicable" title=') == (33 - 22) + (
        33 - GAMMA_APPLICABLE
    )


def test_review_queue_lists_submitted_items_of_clients_only(client, world, media):
    _submitted(world.org_a, world.referent_a, "Émargements alpha")
    _submitted(world.org_b, world.referent_b, "Secret bêta")
    client.force_login(world.firm_consultant)
    page = client.get("/portefeuille/a-valider/").content.decode()
    assert "Émargements alpha" in page
    assert "Secret bêta" not in page
    assert "1 preuve soumise, la plus ancienne d’abord." in page
    with schema_context("org_alpha"):
        from evidence.models import EvidenceItem

        pk = EvidenceItem.objects.get(title="Émargements alpha").pk
    assert f'href="/o/alpha/preuves/{pk}/?depuis=revue"' in page
    detail = client.get(f"/o/alpha/preuves/{pk}/?depuis=revue").content.decode()
    assert "Retour aux preuves à valider de tous vos clients" in detail
    response = client.post(
        f"/o/alpha/preuves/{pk}/revue/", {"transition": "validate", "depuis": "revue"}
    )
    assert response.status_code == 302
    assert response.url == "/portefeuille/a-valider/"
    after = client.get("/portefeuille/a-valider/").content.decode()
    assert "La preuve a été validée." in after
    assert "Aucune preuve n’attend de validation chez vos clients." in after


def test_the_cockpit_is_for_consultants_only(client, world):
    client.force_login(world.referent_a)
    for url in ("/portefeuille/", "/portefeuille/grille/", "/portefeuille/a-valider/"):
        assert client.get(url).status_code == 404


def _line_row(
    name: str, *, audit_in: int | None, summary: OrganisationReadiness | None, trend=None
) -> cockpit.CockpitRow:
    """A row as portfolio_rows builds it, without the database."""
    today = timezone.localdate()
    organisation = Organisation(
        slug="ex",
        name=name,
        categories=["AF", "VAE"],
        next_audit_date=None if audit_in is None else today + timedelta(audit_in),
    )
    organisation.trend_delta = trend
    return cockpit.CockpitRow(organisation, summary, audit_in)


def test_each_printed_row_says_exactly_what_the_summary_holds_and_escapes_names():
    ready = OrganisationReadiness(
        overall_percent=57.4,
        outcome="not_certifiable",
        predicted_major=2,
        open_findings=3,
        pending_review=1,
        overdue_actions=0,
    )
    date = (timezone.localdate() + timedelta(1)).strftime("%d/%m/%Y")
    lines = cockpit.cockpit_lines(
        [
            _line_row("<b>Ex</b> & co", audit_in=1, summary=ready, trend=-1),
            _line_row("Sans calcul", audit_in=None, summary=None),
            _line_row(
                "Passé",
                audit_in=-3,
                summary=OrganisationReadiness(overall_percent=100.0, outcome="certifiable"),
                trend=12,
            ),
        ]
    )
    assert lines[0] == (
        '<th scope="row"><a href="/o/ex/">&lt;b&gt;Ex&lt;/b&gt; &amp; co</a><br>'
        '<span class="muted small">AF, VAE</span></th>'
        "<td><strong>57 %</strong></td>"
        '<td><span class="badge badge--danger">Non certifiable en l&#x27;état</span><br>'
        '<span class="muted small">2 NC majeures prévisibles</span></td>'
        '<td><span class="trend-down">▼ -1 pt</span></td>'
        f'<td>{date}<br><span class="muted small">dans 1 jour</span></td>'
        '<td><a class="badge badge--warn" href="/o/ex/audits/">3</a></td>'
        '<td><a href="/o/ex/preuves/?statut=submitted">1</a></td>'
        "<td>0</td>"
    )
    assert lines[1] == (
        '<th scope="row"><a href="/o/ex/">Sans calcul</a><br>'
        '<span class="muted small">AF, VAE</span></th>'
        '<td><span class="muted">pas encore calculée</span></td>'
        "<td>—</td>"
        '<td><span class="muted">—<span class="visually-hidden"> pas encore deux jours de '
        "calcul sur 30 jours</span></span></td>"
        '<td><span class="muted">non planifié</span></td>'
        "<td>0</td><td>0</td><td>0</td>"
    )
    assert '<span class="badge badge--ok">Certifiable</span></td>' in lines[2]
    assert '<td><span class="trend-up">▲ +12 pts</span></td>' in lines[2]
    assert '<br><span class="badge badge--warn">date passée</span></td>' in lines[2]


def test_grid_cells_are_one_per_indicator_with_its_status():
    ready = _line_row(
        "Ex",
        audit_in=None,
        summary=OrganisationReadiness(indicator_statuses={"1": "ready", "2": "missing"}),
    )
    columns = [cockpit.GridColumn(n, f"Indicateur {n}", False, 0) for n in (1, 2, 3)]
    (grid_row,) = cockpit.grid_rows(rows=[ready], columns=columns)
    assert grid_row.cells == (
        '<td><span class="cell cell--ready" title="prêt">✓</span></td>'
        '<td><span class="cell cell--missing" title="manquant">✗</span></td>'
        '<td><span class="cell cell--unknown" title="pas encore calculé">?</span></td>'
    )
