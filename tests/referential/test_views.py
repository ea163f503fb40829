"""Referential, V9 ↔ V10 and scope pages; which version applies to an organisation."""

from datetime import date

import pytest

from indicators.referential import selectors
from indicators.referential.models import ReferentialVersion
from qualiopi_portal.core.models import AuditEvent
from qualiopi_portal.tenancy.models import Organisation

pytestmark = pytest.mark.django_db

SCOPE_FORM = {"categories": ["AF"]}


@pytest.mark.parametrize(
    ("day", "code"),
    [
        (date(2024, 1, 8), "v9"),
        (date(2026, 10, 31), "v9"),
        (date(2026, 11, 1), "v10"),
        (date(2030, 1, 1), "v10"),
    ],
)
def test_version_in_force(world, day, code):
    assert selectors.version_in_force_on(day=day).code == code


def test_no_version_before_the_referential(world):
    with pytest.raises(selectors.NoVersionInForce):
        selectors.version_in_force_on(day=date(2010, 1, 1))


def test_version_for_an_organisation_follows_its_audit_date_then_its_pin(world):
    organisation = world.org_a
    organisation.next_audit_date = date(2026, 10, 20)
    assert selectors.version_for_organisation(organisation, today=date(2026, 11, 23)).code == "v9"
    organisation.next_audit_date = None
    assert selectors.version_for_organisation(organisation, today=date(2026, 11, 23)).code == "v10"
    assert selectors.version_for_organisation(organisation, today=date(2026, 9, 1)).code == "v9"
    organisation.referential_version = ReferentialVersion.objects.get(code="v9")
    assert selectors.version_for_organisation(organisation, today=date(2027, 1, 1)).code == "v9"


def test_referential_page_shows_guidance_and_applicability(client, world):
    client.force_login(world.contributor_a)
    response = client.get("/o/alpha/referentiel/?version=v10")
    assert response.status_code == 200
    text = response.text
    for number in range(1, 34):
        assert f'id="indicateur-{number}"' in text
    assert "<strong>22</strong> indicateurs sur 33 s’appliquent à votre organisation" in text
    assert (
        "Ne concerne pas vos catégories d'actions ; s'applique à : apprentissage (CFA)."
        in text.replace("&#x27;", "'")
    )
    assert "S'appliquerait si vous déclariez : sous-traitance ou portage salarial." in text.replace(
        "&#x27;", "'"
    )
    assert "Indicateur fondamental : toute non-conformité est majeure" in text
    assert text.count("Exemples de preuves") == 33


def test_referential_page_switches_version(client, world):
    client.force_login(world.referent_a)
    response = client.get("/o/alpha/referentiel/?version=v9")
    assert 'id="indicateur-33"' not in response.text
    assert client.get("/o/alpha/referentiel/?version=v8").status_code == 404


def test_compare_page_highlights_changes_and_what_to_review(client, world):
    client.force_login(world.referent_a)
    response = client.get("/o/alpha/referentiel/v9-v10/")
    assert response.status_code == 200
    changed = [item["new"].number for item in response.context["changed"]]
    assert changed == [1, 2, 3, 7, 12, 14, 15, 19, 20, 27, 30, 31, 32, 33]
    to_review = [item["new"].number for item in response.context["to_review"]]
    # Alpha is a plain AF provider: 3, 7, 14, 15, 20, 27 and 33 do not apply to it.
    assert to_review == [1, 2, 12, 19, 30, 32]


def test_changing_the_scope_changes_the_applicable_set_at_once(client, world):
    client.force_login(world.referent_a)
    response = client.get("/o/alpha/perimetre/")
    assert response.context["applicable_count"] == 22
    response = client.post(
        "/o/alpha/perimetre/", {"categories": ["AF"], "has_subcontracting": "on"}
    )
    assert response.status_code == 302
    assert Organisation.objects.get(slug="alpha").has_subcontracting is True
    assert client.get("/o/alpha/perimetre/").context["applicable_count"] == 23
    event = AuditEvent.objects.get(action="organisation.updated")
    assert event.details == {"changes": {"has_subcontracting": [False, True]}}


def test_preview_computes_without_saving(client, world):
    client.force_login(world.consultant_a)
    response = client.post(
        "/o/alpha/perimetre/apercu/",
        {"categories": ["AF", "APP"], "is_certifying": "on"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response.context["applicable_count"] == 32
    assert "<html" not in response.text
    organisation = Organisation.objects.get(slug="alpha")
    assert (organisation.categories, organisation.is_certifying) == (["AF"], False)


def test_a_scope_without_category_is_refused_in_french(client, world):
    client.force_login(world.referent_a)
    response = client.post("/o/alpha/perimetre/", {"has_alternance": "on"})
    assert response.status_code == 200
    assert response.context["form"].errors["categories"] == [
        "Choisissez au moins une catégorie d'actions."
    ]
    assert Organisation.objects.get(slug="alpha").has_alternance is False
    preview = client.post("/o/alpha/perimetre/apercu/", {"has_alternance": "on"})
    assert "Corrigez le périmètre pour voir les indicateurs applicables." in preview.text


DEFERRED_NOTE = (
    "Nouvel entrant : processus vérifié à l'audit initial, mise en œuvre à l'audit de surveillance"
)


def _deferred_numbers(response) -> list[int]:
    return [
        row.indicator.number
        for row in response.context["applicable_rows"]
        if DEFERRED_NOTE in row.treatment_labels
    ]


def test_a_provider_starting_apprenticeship_is_a_new_entrant_for_that_category_only(client, world):
    """AFNOR FAQ (1 September 2023): starting a new category of actions makes a new entrant."""
    client.force_login(world.referent_a)
    response = client.post(
        "/o/alpha/perimetre/",
        {"categories": ["AF", "APP"], "new_entrant_categories": ["APP"]},
    )
    assert response.status_code == 302
    organisation = Organisation.objects.get(slug="alpha")
    assert (organisation.new_entrant_categories, organisation.is_new_entrant) == (["APP"], True)
    event = AuditEvent.objects.get(action="organisation.updated")
    assert event.details["changes"]["new_entrant_categories"] == [[], ["APP"]]
    page = client.get("/o/alpha/perimetre/")
    assert _deferred_numbers(page) == [3, 13, 14]
    first_year = client.post(
        "/o/alpha/perimetre/apercu/",
        {"categories": ["AF", "APP"], "new_entrant_categories": ["AF", "APP"]},
    )
    assert _deferred_numbers(first_year) == [2, 3, 11, 13, 14, 19, 22, 24, 25, 26, 32]
    dashboard = client.get("/o/alpha/")
    assert "Nouvel entrant (Apprentissage (CFA))" in dashboard.text


def test_a_new_entrant_category_outside_the_declared_ones_is_refused(client, world):
    client.force_login(world.referent_a)
    form = {"categories": ["AF"], "new_entrant_categories": ["BC"]}
    response = client.post("/o/alpha/perimetre/", form)
    assert response.status_code == 200
    assert response.context["form"].errors["new_entrant_categories"] == [
        "Une catégorie où l'organisme débute doit aussi être cochée dans les catégories d'actions."
    ]
    assert Organisation.objects.get(slug="alpha").new_entrant_categories == []
    preview = client.post("/o/alpha/perimetre/apercu/", form)
    assert "Corrigez le périmètre pour voir les indicateurs applicables." in preview.text


def test_pinning_a_version(client, world):
    client.force_login(world.director_a)
    v9 = ReferentialVersion.objects.get(code="v9")
    client.post("/o/alpha/perimetre/", {"categories": ["AF"], "referential_version": v9.pk})
    assert Organisation.objects.get(slug="alpha").referential_version == v9
    response = client.get("/o/alpha/referentiel/")
    assert response.context["version"] == v9


def test_contributor_reads_the_scope_but_cannot_change_it(client, world):
    client.force_login(world.contributor_a)
    response = client.get("/o/alpha/perimetre/")
    assert response.status_code == 200
    assert "Enregistrer le périmètre" not in response.text
    assert client.post("/o/alpha/perimetre/", {"categories": ["APP"]}).status_code == 404
    assert client.post("/o/alpha/perimetre/apercu/", {"categories": ["APP"]}).status_code == 404
    assert Organisation.objects.get(slug="alpha").categories == ["AF"]


def test_dashboard_shows_the_applicable_count(client, world):
    client.force_login(world.referent_a)
    response = client.get("/o/alpha/")
    assert response.context["applicable_count"] == 22
