"""State only: The action plan's model moved from `indicators` to this app with its table unchanged
(`db_table` keeps `indicators_…`), so no row moves and nothing is rebuilt (docs/decisions/0016)."""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('indicators', '0007_report_failures'),
        ('assessments', '0001_initial'),
        ('audits', '0006_certificate_validity'),
        ('evidence', '0003_evidence_v10_confirmation'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.CreateModel(
            name='Action',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=300, verbose_name='action')),
                ('description', models.TextField(blank=True, verbose_name='précisions')),
                ('indicator_numbers', django.contrib.postgres.fields.ArrayField(base_field=models.PositiveSmallIntegerField(), default=list, size=None, verbose_name='indicateurs')),
                ('due_date', models.DateField(verbose_name='échéance')),
                ('status', models.CharField(choices=[('todo', 'À faire'), ('in_progress', 'En cours'), ('done', 'Réalisée'), ('cancelled', 'Abandonnée')], db_index=True, default='todo', max_length=12, verbose_name='état')),
                ('completion_note', models.TextField(blank=True, verbose_name='constat de réalisation')),
                ('source', models.CharField(choices=[('manual', 'Saisie'), ('self_assessment', 'Autoévaluation'), ('gap', 'Écart de préparation'), ('finding', "Constat d'audit")], default='manual', max_length=20)),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='créée le')),
                ('completed_at', models.DateTimeField(blank=True, null=True, verbose_name='réalisée le')),
                ('campaign', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='actions', to='assessments.campaign')),
                ('completion_evidence', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='evidence.evidenceitem', verbose_name='preuve de réalisation')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='créée par')),
                ('finding', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='actions', to='audits.finding', verbose_name='non-conformité')),
                ('owner', models.ForeignKey(on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='responsable')),
            ],
            options={
                'verbose_name': 'action du plan de progrès',
                'verbose_name_plural': 'plan de progrès',
                'db_table': 'indicators_action',
                'ordering': ['due_date', 'pk'],
                'indexes': [django.contrib.postgres.indexes.GinIndex(fields=['indicator_numbers'], name='action_indicators_gin')],
            },
        ),
                ],
        ),
    ]
