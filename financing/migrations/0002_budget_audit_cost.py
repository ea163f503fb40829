# The seed prices an audit, not an audit day: the budget's rate becomes a cost per audit.

from decimal import Decimal

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('financing', '0001_initial'),
    ]

    operations = [
        migrations.RenameField(
            model_name='certificationbudget',
            old_name='audit_day_rate',
            new_name='audit_cost',
        ),
        migrations.AlterField(
            model_name='certificationbudget',
            name='audit_cost',
            field=models.DecimalField(decimal_places=2, default=Decimal('500'), help_text="Par audit, quelle que soit sa durée, déplacement de l'auditeur compris.", max_digits=11, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name="coût d'un audit (€ HT)"),
        ),
    ]
