"""When each periodic sweep last finished (``SweepRun``), which ``/health/`` reads of beat."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0005_notification_key_per_kind"),
    ]

    operations = [
        migrations.CreateModel(
            name="SweepRun",
            fields=[
                ("name", models.CharField(max_length=64, primary_key=True, serialize=False, verbose_name="name")),
                ("finished_at", models.DateTimeField(verbose_name="finished")),
            ],
            options={
                "verbose_name": "last sweep",
                "verbose_name_plural": "last sweeps",
            },
        ),
    ]
