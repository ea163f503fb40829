"""State only: the self-assessment, action-plan and report models now belong to `assessments`,
`improvement` and `reports`, which took them over with their tables (docs/decisions/0016)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0007_report_failures'),
        ('assessments', '0001_initial'),
        ('improvement', '0001_initial'),
        ('reports', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.RemoveField(
            model_name='agreedrating',
            name='campaign',
        ),
        migrations.RemoveField(
            model_name='agreedrating',
            name='reviewed_by',
        ),
        migrations.RemoveField(
            model_name='answer',
            name='campaign',
        ),
        migrations.RemoveField(
            model_name='answer',
            name='evidence',
        ),
        migrations.RemoveField(
            model_name='answer',
            name='respondent',
        ),
        migrations.RemoveField(
            model_name='campaign',
            name='created_by',
        ),
        migrations.RemoveField(
            model_name='respondent',
            name='campaign',
        ),
        migrations.RemoveField(
            model_name='report',
            name='audit',
        ),
        migrations.RemoveField(
            model_name='report',
            name='requested_by',
        ),
        migrations.RemoveField(
            model_name='report',
            name='snapshot',
        ),
        migrations.RemoveField(
            model_name='respondent',
            name='user',
        ),
        migrations.DeleteModel(
            name='Action',
        ),
        migrations.DeleteModel(
            name='AgreedRating',
        ),
        migrations.DeleteModel(
            name='Answer',
        ),
        migrations.DeleteModel(
            name='Campaign',
        ),
        migrations.DeleteModel(
            name='Report',
        ),
        migrations.DeleteModel(
            name='Respondent',
        ),
                ],
        ),
    ]
