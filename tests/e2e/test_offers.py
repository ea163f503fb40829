"""A referent's offer: completeness flags fixed, published, two sessions, public results."""

from __future__ import annotations

from playwright.sync_api import expect

ORG = "/o/cap-competences"


def test_referent_publishes_a_complete_offer_and_its_results(page, login, portal):
    login("referent.cap@demo.test")
    page.get_by_role("navigation", name="Navigation de l’organisation").get_by_role(
        "link", name="Offres"
    ).click()
    page.get_by_role("link", name="Nouvelle offre").click()
    fields = {
        "Intitulé": "Bilan de compétences en 24 heures",
        "Prérequis": "Aucun",
        "Objectifs opérationnels et évaluables": "Comprendre son parcours",
        "Durée (heures)": "24",
        "Modalités d'accès": "Entretien préalable gratuit",
        "Tarif (€ HT)": "1800",
        "Contacts": "bilan@cap.test",
        "Méthodes mobilisées": "Entretiens individuels, tests",
        "Modalités d'évaluation": "Synthèse remise et commentée",
        "Accessibilité aux personnes en situation de handicap": "Entretiens adaptables",
        "Référent·e handicap": "Élodie Marchand",
        "Type de reconnaissance (V10)": "Document de synthèse",
        "Modalités de financement (V10)": "CPF, plan de développement",
        "Programme": "Phase préliminaire, d'investigation, de conclusion",
    }
    page.get_by_label("Catégorie d'action").select_option("BC")
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("L'offre a été enregistrée.")).to_be_visible()
    expect(page.get_by_text("Le délai d'accès n'est pas indiqué.")).to_be_visible()
    expect(page.get_by_text("Objectif non évaluable (« Comprendre son parcours »)")).to_be_visible()

    page.get_by_role("link", name="Modifier").click()
    page.get_by_label("Délai d'accès", exact=True).fill("Sous 15 jours")
    page.get_by_label("Objectifs opérationnels et évaluables").fill(
        "Identifier 3 compétences transférables\nÉlaborer un projet selon le marché local"
    )
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name="Complétude : 100 %")).to_be_visible()
    page.get_by_role("button", name="Publier").click()
    expect(page.get_by_text("L'offre est maintenant : publiée.")).to_be_visible()

    for start, end, enrolled, completed, hot in (
        ("2026-09-01", "2026-09-30", "3", "3", "9"),
        ("2026-10-01", "2026-10-31", "3", "2", "8"),
    ):
        page.get_by_role("link", name="Ajouter une session").click()
        page.get_by_label("Début").fill(start)
        page.get_by_label("Fin", exact=True).fill(end)
        page.get_by_label("Inscrit·es").fill(enrolled)
        page.get_by_label("Parcours terminés").fill(completed)
        page.get_by_label("Abandons", exact=True).fill("0" if enrolled == completed else "1")
        page.get_by_label("Satisfaction à chaud (sur 10)").fill(hot)
        page.get_by_label("Réponses à chaud").fill(completed)
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.get_by_text("La session a été enregistrée.")).to_be_visible()

    page.goto("/catalogue/cap-competences/")
    expect(page.get_by_role("link", name="Bilan de compétences en 24 heures")).to_be_visible()
    page.get_by_role("link", name="Bilan de compétences en 24 heures").click()
    results = page.get_by_role("table", name="Indicateurs de résultats")
    # 6 learners: 5 completed (83.3 %), 1 dropout (16.7 %); 5 answers at 8.6 / 10.
    expect(results.get_by_role("row", name="Taux d'achèvement")).to_contain_text("83,3 %")
    expect(results.get_by_role("row", name="Taux d'abandon")).to_contain_text("16,7 %")
    expect(results.get_by_role("row", name="Satisfaction à chaud")).to_contain_text("8,6 / 10")
    expect(page.get_by_text("1 800,00 € HT")).to_be_visible()
