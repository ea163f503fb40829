"""State only: The self-assessment models moved from `indicators` to this app with their tables unchanged
(`db_table` keeps `indicators_…`), so no row moves and nothing is rebuilt (docs/decisions/0016)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('indicators', '0007_report_failures'),
        ('evidence', '0003_evidence_v10_confirmation'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.CreateModel(
            name='Campaign',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=200, verbose_name='intitulé')),
                ('version_code', models.CharField(max_length=10, verbose_name='version du référentiel')),
                ('status', models.CharField(choices=[('open', 'Réponses en cours'), ('review', 'Revue en cours'), ('closed', 'Clôturée')], db_index=True, default='open', max_length=10, verbose_name='état')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='créée le')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='clôturée le')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='créée par')),
            ],
            options={
                'verbose_name': "campagne d'autoévaluation",
                'verbose_name_plural': "campagnes d'autoévaluation",
                'db_table': 'indicators_campaign',
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='Answer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('indicator_number', models.PositiveSmallIntegerField(verbose_name='indicateur')),
                ('process', models.TextField(blank=True, verbose_name='votre processus, avec vos mots')),
                ('rating', models.CharField(blank=True, choices=[('conform', 'Conforme'), ('nc_minor', 'NC mineure'), ('nc_major', 'NC majeure'), ('not_applicable', 'Non applicable')], max_length=20, verbose_name='autoévaluation')),
                ('justification', models.TextField(blank=True, verbose_name='justification de la non-applicabilité')),
                ('corrective_actions', models.TextField(blank=True, verbose_name='actions correctives')),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('evidence', models.ManyToManyField(blank=True, related_name='+', to='evidence.evidenceitem', verbose_name='preuves identifiées')),
                ('respondent', models.ForeignKey(on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='répondant·e')),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='answers', to='assessments.campaign')),
            ],
            options={
                'verbose_name': 'réponse',
                'verbose_name_plural': 'réponses',
                'db_table': 'indicators_answer',
                'constraints': [models.UniqueConstraint(fields=('campaign', 'respondent', 'indicator_number'), name='unique_answer')],
            },
        ),
        migrations.CreateModel(
            name='AgreedRating',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('indicator_number', models.PositiveSmallIntegerField(verbose_name='indicateur')),
                ('rating', models.CharField(choices=[('conform', 'Conforme'), ('nc_minor', 'NC mineure'), ('nc_major', 'NC majeure'), ('not_applicable', 'Non applicable')], max_length=20, verbose_name='appréciation retenue')),
                ('justification', models.TextField(blank=True, verbose_name='justification de la non-applicabilité')),
                ('comment', models.TextField(blank=True, verbose_name='commentaire de la revue')),
                ('reviewed_at', models.DateTimeField(auto_now=True, verbose_name='revu le')),
                ('reviewed_by', models.ForeignKey(on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='revu par')),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='agreed', to='assessments.campaign')),
            ],
            options={
                'verbose_name': 'appréciation retenue',
                'verbose_name_plural': 'appréciations retenues',
                'db_table': 'indicators_agreedrating',
                'constraints': [models.UniqueConstraint(fields=('campaign', 'indicator_number'), name='unique_agreed_rating')],
            },
        ),
        migrations.CreateModel(
            name='Respondent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('added_at', models.DateTimeField(auto_now_add=True)),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='respondents', to='assessments.campaign')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='répondant·e')),
            ],
            options={
                'verbose_name': 'répondant·e',
                'verbose_name_plural': 'répondant·es',
                'db_table': 'indicators_respondent',
                'constraints': [models.UniqueConstraint(fields=('campaign', 'user'), name='unique_respondent')],
            },
        ),
                ],
        ),
    ]
