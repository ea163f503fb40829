"""The default list of pieces expected from trainers: the cooperative's checklist (seed 001).

Every organisation schema is cloned from the migrated template, so each starts with this list
and then edits its own copy.
"""

from django.db import migrations

DEFAULT_CHECKLIST = [
    {
        "title": "CV à jour",
        "description": "Curriculum vitæ remis à jour chaque année, précisant les formations "
        "suivies et l'actualisation des compétences de l'intervenant·e.",
        "kind": "qualification",
        "indicator_numbers": [21, 22],
        "frequency": "yearly",
        "validity_months": 12,
        "is_required": True,
    },
    {
        "title": "Programme de la formation",
        "description": "Objectifs de la formation, programme détaillé, méthodes pédagogiques "
        "et modalités d'évaluation des acquis, selon le modèle fourni.",
        "kind": "published",
        "indicator_numbers": [1, 5, 6],
        "frequency": "per_action",
        "is_required": True,
    },
    {
        "title": "Convention ou contrat de formation signé",
        "description": "Convention (organismes) ou contrat (particuliers) signé par "
        "l'intervenant·e, le client et l'organisme. En sous-traitance, un devis signé ou un bon "
        "de commande du client peut suffire.",
        "kind": "contract",
        "indicator_numbers": [9],
        "frequency": "per_action",
        "is_required": True,
    },
    {
        "title": "Feuilles d'émargement",
        "description": "Feuilles de présence signées par les stagiaires pour chaque demi-journée "
        "(copies pour les formations en sous-traitance).",
        "kind": "record",
        "indicator_numbers": [10, 12],
        "frequency": "per_action",
        "is_required": True,
    },
    {
        "title": "Attestations de formation signées",
        "description": "Attestations de fin de formation signées par l'intervenant·e "
        "responsable de la formation.",
        "kind": "record",
        "indicator_numbers": [11],
        "frequency": "per_action",
        "is_required": True,
    },
    {
        "title": "Évaluations à chaud",
        "description": "Bilans écrits par les stagiaires en fin de module ou de formation "
        "(obligatoires).",
        "kind": "survey",
        "indicator_numbers": [30],
        "frequency": "per_action",
        "is_required": True,
    },
    {
        "title": "Évaluations à froid",
        "description": "Évaluations réalisées avec les stagiaires ou le client après la "
        "formation (facultatives).",
        "kind": "survey",
        "indicator_numbers": [30],
        "frequency": "per_action",
        "is_required": False,
    },
    {
        "title": "Bilan pédagogique annuel",
        "description": "Bilan pédagogique de l'année, à fournir avant le 30 mars de l'année "
        "suivante ou avant la fin du contrat.",
        "kind": "record",
        "indicator_numbers": [32],
        "frequency": "yearly",
        "due_day": 30,
        "due_month": 3,
        "is_required": True,
    },
]


def create_defaults(apps, schema_editor):
    ChecklistEntry = apps.get_model("evidence", "ChecklistEntry")
    if ChecklistEntry.objects.exists():
        return
    for position, values in enumerate(DEFAULT_CHECKLIST, start=1):
        ChecklistEntry.objects.create(position=position, **values)


class Migration(migrations.Migration):
    dependencies = [("evidence", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
