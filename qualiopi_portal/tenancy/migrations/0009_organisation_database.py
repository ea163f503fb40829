# The database alias holding each organisation's schema (docs/decisions/0022).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tenancy', '0008_learner_retention'),
    ]

    operations = [
        migrations.AddField(
            model_name='organisation',
            name='database',
            field=models.CharField(default='default', editable=False, max_length=63, verbose_name='base de données'),
        ),
    ]
