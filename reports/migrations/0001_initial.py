"""State only: The report model moved from `indicators` to this app with its table unchanged
(`db_table` keeps `indicators_…`), so no row moves and nothing is rebuilt (docs/decisions/0016)."""

import django.db.models.deletion
import django.utils.timezone
import reports.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('audits', '0006_certificate_validity'),
        ('indicators', '0007_report_failures'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.CreateModel(
            name='Report',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('readiness', 'Rapport de préparation'), ('audit_prep', "Dossier de préparation d'audit"), ('evidence_pack', 'Dossier de preuves pour le certificateur (ZIP)')], max_length=20, verbose_name='document')),
                ('status', models.CharField(choices=[('queued', "En file d'attente"), ('running', 'En cours'), ('ready', 'Prêt'), ('failed', 'Échec')], db_index=True, default='queued', max_length=10, verbose_name='état')),
                ('error', models.TextField(blank=True, verbose_name="motif de l'échec")),
                ('file', models.FileField(blank=True, max_length=300, storage=reports.models._report_storage, upload_to='')),
                ('size', models.PositiveIntegerField(default=0)),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='demandé le')),
                ('started_at', models.DateTimeField(blank=True, null=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='généré le')),
                ('queued_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('failures', models.PositiveSmallIntegerField(default=0)),
                ('claimed_by', models.CharField(blank=True, max_length=120)),
                ('audit', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='reports', to='audits.audit')),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='demandé par')),
                ('snapshot', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='indicators.readinesssnapshot')),
            ],
            options={
                'verbose_name': 'rapport',
                'verbose_name_plural': 'rapports',
                'db_table': 'indicators_report',
                'ordering': ['-created_at', '-pk'],
            },
        ),
                ],
        ),
    ]
