"""New entrant per category: the boolean becomes the list of categories the provider starts.

An organisation flagged as a new entrant was one in its first year, so every declared category
becomes a new-entrant category; the reverse keeps "new entrant somewhere" as the boolean.
"""

import django.contrib.postgres.fields
from django.db import migrations, models


def forwards(apps, schema_editor):
    Organisation = apps.get_model("tenancy", "Organisation")
    for organisation in Organisation.objects.filter(is_new_entrant=True):
        organisation.new_entrant_categories = list(organisation.categories)
        organisation.save(update_fields=["new_entrant_categories"])


def backwards(apps, schema_editor):
    Organisation = apps.get_model("tenancy", "Organisation")
    Organisation.objects.exclude(new_entrant_categories=[]).update(is_new_entrant=True)


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0006_auditor_links")]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="new_entrant_categories",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(
                    choices=[
                        ("AF", "Action de formation (AF)"),
                        ("BC", "Bilan de compétences (BC)"),
                        ("VAE", "Validation des acquis de l'expérience (VAE)"),
                        ("APP", "Apprentissage (CFA)"),
                    ],
                    max_length=3,
                ),
                blank=True,
                default=list,
                size=None,
                verbose_name="catégories où l'organisme est nouvel entrant",
            ),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="organisation", name="is_new_entrant"),
    ]
