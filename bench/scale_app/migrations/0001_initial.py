from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="ScaleProbe",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("label", models.CharField(max_length=100)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("counter", models.PositiveIntegerField(default=0)),
            ],
            options={"indexes": [models.Index(fields=["created_at"], name="scale_app_s_created_f436db_idx")]},
        ),
    ]
