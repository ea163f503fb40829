"""Offers as a referent uses them, and the public catalogue a learner reads."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from indicators.services import readiness_compute
from qualiopi_portal.core.models import AuditEvent
from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.tenancy.models import Organisation
from training_offers.models import Offer, OfferVersion, Session

from ..indicators.test_readiness_services import _validated

pytestmark = pytest.mark.django_db

COMPLETE = {
    "title": "Conduire un entretien professionnel",
    "category": "AF",
    "prerequisites": "Aucun",
    "objectives": "Conduire un entretien professionnel selon la grille fournie\n"
    "Rédiger le compte rendu sans erreur de structure",
    "duration_hours": "14",
    "access_modalities": "Entretien préalable",
    "access_delay": "15 jours",
    "price": "900",
    "contacts": "contact@alpha.fr",
    "methods": "Apports, jeux de rôle",
    "evaluation": "Mise en situation notée",
    "accessibility": "Locaux accessibles, adaptations sur demande",
    "disability_referent": "Camille Roux",
    "recognition": "Attestation de fin de formation",
    "financing": "OPCO, CPF",
    "programme": "Jour 1 : préparer l'entretien. Jour 2 : le conduire.",
}


def test_a_referent_creates_fixes_publishes_and_records_sessions(client, world):
    client.force_login(world.referent_a)
    bad = client.post(
        "/o/alpha/offres/nouvelle/", {**COMPLETE, "price": "-5", "duration_hours": "deux jours"}
    )
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "Indiquez une durée en heures (un nombre)." in text
    assert "Assurez-vous que cette valeur est supérieure ou égale à 0." in text
    incomplete = {**COMPLETE, "access_delay": "", "objectives": "Comprendre l'entretien"}
    response = client.post("/o/alpha/offres/nouvelle/", incomplete)
    with schema_context("org_alpha"):
        offer = Offer.objects.get()
    assert response.url == f"/o/alpha/offres/{offer.pk}/"
    page = client.get(response.url).content.decode()
    # 2 gaps on 15 checks: the disability referent is no longer a check for an AF offer (only
    # a CFA must name one: indicator 20, Code du travail L6231-2), it used to make 16 (88 %).
    assert "Complétude : 87 %" in page
    assert "Le délai d&#x27;accès n&#x27;est pas indiqué." in page
    assert "Objectif non évaluable (« Comprendre l&#x27;entretien »)" in page
    client.post(f"/o/alpha/offres/{offer.pk}/modifier/", COMPLETE)
    page = client.get(f"/o/alpha/offres/{offer.pk}/").content.decode()
    assert "Complétude : 100 %" in page
    with schema_context("org_alpha"):
        assert list(OfferVersion.objects.values_list("number", flat=True)) == [2, 1]
        assert OfferVersion.objects.get(number=1).data["access_delay"] == ""
    assert client.get("/catalogue/alpha/").content.decode().count(COMPLETE["title"]) == 0
    client.post(f"/o/alpha/offres/{offer.pk}/etat/", {"status": "published"})

    base = f"/o/alpha/offres/{offer.pk}/sessions/nouvelle/"
    out_of_order = client.post(
        base, {"starts_on": "2026-10-02", "ends_on": "2026-10-01", "enrolled": "4"}
    )
    assert "La fin de la session ne peut pas précéder son début." in out_of_order.content.decode()
    too_many = client.post(
        base,
        {"starts_on": "2026-10-01", "ends_on": "2026-10-02", "enrolled": "4", "completed": "5"},
    )
    assert (
        "Parcours terminés et abandons dépassent le nombre d&#x27;inscrit·es (4)."
        in too_many.content.decode()
    )
    session = {
        "starts_on": "2026-10-01",
        "ends_on": "2026-10-02",
        "enrolled": "4",
        "completed": "4",
        "dropouts": "0",
        "hot_average": "8.5",
        "hot_responses": "4",
        "recommend_yes": "4",
        "recommend_responses": "4",
        "certification_candidates": "0",
        "certification_passed": "0",
        "cold_responses": "0",
    }
    client.post(base, session)
    public = client.get("/catalogue/alpha/").content.decode()
    assert COMPLETE["title"] in public
    assert public.count("en cours de constitution") == 5  # 4 learners < 5
    client.post(
        base,
        {
            **session,
            "starts_on": "2026-11-02",
            "ends_on": "2026-11-03",
            "enrolled": "6",
            "completed": "5",
            "dropouts": "1",
            "hot_average": "9",
            "hot_responses": "5",
            "recommend_yes": "4",
            "recommend_responses": "5",
        },
    )
    public = client.get("/catalogue/alpha/").content.decode()
    assert "<strong>90 %</strong>" in public  # completion 9 / 10
    assert "<strong>10 %</strong>" in public  # dropout 1 / 10
    assert "<strong>8,8 / 10</strong>" in public  # (8.5×4 + 9×5) / 9 = 8.78
    with schema_context("org_alpha"):
        assert Session.objects.count() == 2
    detail = client.get(f"/catalogue/alpha/offres/{offer.pk}/").content.decode()
    assert "900,00 € HT" in detail
    assert "14 h" in detail
    assert "Camille Roux" in detail


def test_draft_and_archived_offers_never_appear_publicly(client, world):
    client.force_login(world.referent_a)
    client.post("/o/alpha/offres/nouvelle/", {**COMPLETE, "title": "Brouillon secret"})
    with schema_context("org_alpha"):
        offer = Offer.objects.get()
    client.logout()
    assert "Brouillon secret" not in client.get("/catalogue/alpha/").content.decode()
    assert client.get(f"/catalogue/alpha/offres/{offer.pk}/").status_code == 404
    client.force_login(world.referent_a)
    client.post(f"/o/alpha/offres/{offer.pk}/etat/", {"status": "published"})
    confirm = client.post(f"/o/alpha/offres/{offer.pk}/etat/", {"status": "archived"})
    assert "Archiver « Brouillon secret » ?" in confirm.content.decode()
    client.post(f"/o/alpha/offres/{offer.pk}/etat/", {"status": "archived", "confirm": "1"})
    client.logout()
    assert client.get(f"/catalogue/alpha/offres/{offer.pk}/").status_code == 404
    assert client.get("/catalogue/inconnu/").status_code == 404


def test_a_published_incomplete_offer_keeps_indicator_1_partial(client, world, media):
    _validated(world, [1], title="Page catalogue")
    alpha = Organisation.objects.get(pk=world.org_a.pk)
    with schema_context("org_alpha"):
        status = {
            r.number: (r.status, r.reasons)
            for r in readiness_compute(organisation=alpha).indicators
        }
    assert status[1] == ("ready", ("validated",))
    client.force_login(world.referent_a)
    client.post("/o/alpha/offres/nouvelle/", {**COMPLETE, "price": ""})
    with schema_context("org_alpha"):
        offer = Offer.objects.get()
    # Publishing an incomplete offer first lists its gaps and publishes nothing.
    asked = client.post(f"/o/alpha/offres/{offer.pk}/etat/", {"status": "published"})
    assert asked.status_code == 200
    text = asked.content.decode()
    assert "L’offre a encore 1 manque au regard des indicateurs :" in text
    assert "Le tarif n&#x27;est pas indiqué." in text
    assert "Publier malgré les manques" in text
    with schema_context("org_alpha"):
        assert Offer.objects.get().status == Offer.Status.DRAFT
    # Confirmed, it is published, and the choice is journaled with the gaps accepted.
    done = client.post(f"/o/alpha/offres/{offer.pk}/etat/", {"status": "published", "confirm": "1"})
    assert done.status_code == 302
    event = AuditEvent.objects.get(action="offer.status_changed", organisation=alpha)
    assert event.actor == world.referent_a
    assert event.details == {
        "offer_id": offer.pk,
        "title": COMPLETE["title"],
        "status": ["draft", "published"],
        "accepted_gaps": ["1: Le tarif n'est pas indiqué."],
    }
    with schema_context("org_alpha"):
        assert Offer.objects.get().status == Offer.Status.PUBLISHED
        status = {
            r.number: (r.status, r.reasons)
            for r in readiness_compute(organisation=alpha).indicators
        }
    assert status[1] == ("partial", ("offers_incomplete",))


def test_sessions_import_all_or_nothing_with_line_numbers(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.referent_a)
    client.post("/o/alpha/offres/nouvelle/", COMPLETE)
    with schema_context("org_alpha"):
        offer = Offer.objects.get()
    url = f"/o/alpha/offres/{offer.pk}/sessions/importer/"
    unknown = client.post(
        url, {"file": SimpleUploadedFile("s.csv", b"debut;fin;notes\n01/10/2026;02/10/2026;x\n")}
    )
    assert unknown.status_code == 400
    assert "Ligne 1 : colonne(s) inconnue(s) : notes." in unknown.content.decode()
    bad = (
        b"debut;fin;inscrits;termines;abandons;satisfaction_chaud;reponses_chaud\n"
        b"01/10/2026;02/10/2026;8;7;1;8,6;7\n"
        b"05/10/2026;04/10/2026;5;5;0;;\n"
        b"10/10/2026;11/10/2026;4;6;0;;\n"
        b"12/10/2026;13/10/2026;-3;0;0;;\n"
    )
    response = client.post(url, {"file": SimpleUploadedFile("s.csv", bad)})
    text = response.content.decode()
    assert "Ligne 3 : La fin de la session ne peut pas précéder son début." in text
    assert (
        "Ligne 4 : Parcours terminés et abandons dépassent le nombre d&#x27;inscrit·es (4)." in text
    )
    assert "Ligne 5 : « -3 » n&#x27;est pas valable pour « inscrits »." in text
    with schema_context("org_alpha"):
        assert Session.objects.count() == 0
    good = bad.decode().splitlines()[:2]
    response = client.post(
        url, {"file": SimpleUploadedFile("s.csv", "\n".join(good).encode("cp1252"))}
    )
    assert response.status_code == 302
    with schema_context("org_alpha"):
        session = Session.objects.get()
    assert (session.enrolled, session.completed, str(session.hot_average)) == (8, 7, "8.60")


def test_the_public_catalogue_becomes_a_proof_for_indicators_1_to_3(client, world, media):
    from evidence.models import EvidenceItem

    client.force_login(world.referent_a)
    response = client.post("/o/alpha/offres/catalogue-en-preuve/")
    with schema_context("org_alpha"):
        item = EvidenceItem.objects.get()
    assert response.url == f"/o/alpha/preuves/{item.pk}/"
    assert (item.url, item.indicator_numbers, item.kind) == (
        "http://testserver/catalogue/alpha/",
        [1, 2],
        "published",
    )
    client.force_login(world.director_a)
    assert client.post("/o/alpha/offres/catalogue-en-preuve/").status_code == 404


def test_only_the_embedded_catalogue_may_sit_in_an_iframe(client, world):
    page = client.get("/catalogue/alpha/")
    assert page["X-Frame-Options"] == "DENY"
    assert "Se connecter" in page.content.decode()
    embedded = client.get("/catalogue/alpha/?integre=1")
    assert embedded.status_code == 200
    assert "X-Frame-Options" not in embedded
    text = embedded.content.decode()
    assert "Les formations de Alpha Formation" in text
    assert "Intégrer ce catalogue" not in text
    assert "Se connecter" not in text


def _session(offer: Offer, ends_on, **figures) -> Session:
    return Session.objects.create(
        offer=offer, starts_on=ends_on - timedelta(days=1), ends_on=ends_on, **figures
    )


def test_published_rates_count_only_the_sessions_that_have_ended(client, world):
    today = timezone.localdate()
    with schema_context("org_alpha"):
        offer = Offer.objects.create(title="Offre résultats", status=Offer.Status.PUBLISHED)
        _session(offer, today - timedelta(days=30), enrolled=6, completed=6, dropouts=0)
        _session(offer, today, enrolled=4, completed=3, dropouts=1)
        # Planned: nobody has trained yet, so none of these can complete or drop out.
        _session(offer, today + timedelta(days=1), enrolled=8, completed=0, dropouts=0)
        _session(offer, today + timedelta(days=400), enrolled=12, completed=0, dropouts=0)

        # Older than a year: the public page publishes the last twelve months only.
        _session(offer, today - timedelta(days=366), enrolled=10, completed=0, dropouts=10)

    day = date_format(today, "SHORT_DATE_FORMAT")
    year_ago = date_format(
        today.replace(year=today.year - 1) + timedelta(days=1), "SHORT_DATE_FORMAT"
    )
    for url in ("/catalogue/alpha/", f"/catalogue/alpha/offres/{offer.pk}/"):
        public = client.get(url).content.decode()
        assert "<strong>90 %</strong>" in public  # completion 9 / 10, not 9 / 30
        assert "<strong>10 %</strong>" in public  # dropout 1 / 10
        assert (
            f"Sessions terminées du {year_ago} au {day} : 2 sessions. Les sessions à venir ou "
            "en cours ne sont pas comptées." in public
        )

    client.force_login(world.referent_a)
    # A period reaching into next year still stops today.
    page = client.get(
        "/o/alpha/offres/resultats/",
        {"start": (today - timedelta(days=60)).isoformat(), "end": f"{today.year + 2}-12-31"},
    ).content.decode()
    start = date_format(today - timedelta(days=60), "SHORT_DATE_FORMAT")
    assert f"Sessions terminées du {start} au {day} : 2 sessions." in page
    assert "<strong>90 %</strong>" in page
    detail = client.get(f"/o/alpha/offres/{offer.pk}/").content.decode()
    assert f"Sessions terminées au {day} : 3 sessions." in detail


def test_a_results_period_ending_before_it_starts_is_refused(client, world):
    client.force_login(world.referent_a)
    response = client.get(
        "/o/alpha/offres/resultats/", {"start": "2026-06-30", "end": "2026-01-01"}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "La fin de la période doit suivre son début." in text
    assert "0 session" not in text
    assert "rates-period" not in text


def test_the_embed_code_is_for_members_and_escapes_a_hostile_name(client, world):
    hostile = 'Alpha "Formation" <script>alert(1)</script> & Cie'
    Organisation.objects.filter(slug="alpha").update(name=hostile)

    # The public, and members of other organisations, get no embed box.
    for user in (None, world.referent_b):
        if user:
            client.force_login(user)
        assert "Intégrer ce catalogue" not in client.get("/catalogue/alpha/").content.decode()

    client.force_login(world.director_a)
    page = client.get("/catalogue/alpha/").content.decode()
    assert "Intégrer ce catalogue à votre site" in page
    # The snippet a member copies is HTML where the name is escaped for an attribute...
    snippet = (
        '<iframe src="http://testserver/catalogue/alpha/?integre=1" '
        'title="Alpha &quot;Formation&quot; &lt;script&gt;alert(1)&lt;/script&gt; &amp; Cie" '
        'style="width:100%;min-height:600px;border:0"></iframe>'
    )
    # ...and the page shows that snippet, itself escaped, as the field's value.
    assert f'value="{html.escape(snippet)}"' in page
    assert "<script>alert(1)" not in page


def test_a_subcontracted_session_says_whether_its_subcontractor_is_certified(client, world):
    """The CPF asks it since 1 April 2024 (Code du travail L6323-9-2; exemption R6333-6-3): a
    named subcontractor needs the answer, and an answer needs the name."""
    client.force_login(world.referent_a)
    client.post("/o/alpha/offres/nouvelle/", COMPLETE)
    with schema_context("org_alpha"):
        offer = Offer.objects.get()
    url = f"/o/alpha/offres/{offer.pk}/sessions/nouvelle/"
    dates = {"starts_on": "2026-10-01", "ends_on": "2026-10-02", "enrolled": "4"}
    unanswered = client.post(url, {**dates, "subcontractor": "Formateur Dupont"})
    assert unanswered.status_code == 400
    assert (
        "Indiquez si le sous-traitant est certifié Qualiopi (exigé pour le CPF depuis le "
        "1er avril 2024)." in unanswered.content.decode()
    )
    nameless = client.post(url, {**dates, "subcontractor_status": "certified"})
    assert "Nommez le sous-traitant, ou laissez sa certification vide." in (
        nameless.content.decode()
    )
    with schema_context("org_alpha"):
        assert not Session.objects.exists()
    saved = client.post(
        url, {**dates, "subcontractor": "Formateur Dupont", "subcontractor_status": "micro_exempt"}
    )
    assert saved.status_code == 302
    page = client.get(f"/o/alpha/offres/{offer.pk}/").content.decode()
    assert (
        html.escape(
            "sous-traitée à Formateur Dupont (Dispensé : micro-entrepreneur sous le plafond du "
            "régime micro-social (art. R6333-6-3))"
        )
        in page
    )


def test_the_offer_page_names_its_certification_and_its_cpf_ground(client, world):
    """Guide de lecture V9, indicator 1 (certifying offers: title, RNCP/RS code, certifier,
    registration date) and Code du travail L6323-6 (the ground on which the CPF may pay)."""
    client.force_login(world.referent_a)
    certifying = {
        **COMPLETE,
        "is_certifying": "on",
        "certification_title": "Titre professionnel de l'exemple",
        "certification_code": "RNCP35185",
        "certifier": "Ministère du Travail",
        "certification_registered_on": "2021-01-27",
        "programme": "Bloc 1 : préparer ; Bloc 2 : conduire",
    }
    client.post("/o/alpha/offres/nouvelle/", certifying)
    with schema_context("org_alpha"):
        offer = Offer.objects.get()
    page = client.get(f"/o/alpha/offres/{offer.pk}/").content.decode()
    assert "Complétude : 100 %" in page
    assert (
        html.escape(
            "Titre professionnel de l'exemple — RNCP35185 — certificateur : Ministère du Travail — "
            "enregistrée le 27/01/2021"
        )
        in page
    )
    assert "Éligible : certification enregistrée au RNCP (art. L6323-6, I)." in page
    client.post(f"/o/alpha/offres/{offer.pk}/etat/", {"status": "published"})
    public = client.get(f"/catalogue/alpha/offres/{offer.pk}/").content.decode()
    assert (
        html.escape(
            "Titre professionnel de l'exemple (RNCP35185) — certificateur : Ministère du Travail — "
            "enregistrée le 27 janvier 2021"
        )
        in public
    )

    client.post(f"/o/alpha/offres/{offer.pk}/modifier/", COMPLETE)
    page = client.get(f"/o/alpha/offres/{offer.pk}/").content.decode()
    assert "Non éligible :" in page
    assert html.escape("Le CPF ne finance que les actions de l'article L6323-6") in page


def test_the_public_offer_names_the_certifier_only_when_known(client, world):
    client.force_login(world.referent_a)
    client.post("/o/alpha/offres/nouvelle/", COMPLETE)
    with schema_context("org_alpha"):
        offer = Offer.objects.get()
        Offer.objects.filter(pk=offer.pk).update(
            status="published", is_certifying=True, certification_code="RNCP35185", certifier=""
        )
    client.logout()
    page = " ".join(client.get(f"/catalogue/alpha/offres/{offer.pk}/").content.decode().split())
    assert "certification RNCP35185 ·" in page
    assert "()" not in page
    with schema_context("org_alpha"):
        Offer.objects.filter(pk=offer.pk).update(certifier="France Travail")
    page = " ".join(client.get(f"/catalogue/alpha/offres/{offer.pk}/").content.decode().split())
    assert "RNCP35185 — certificateur : France Travail" in page
