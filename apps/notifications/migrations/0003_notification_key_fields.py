"""``Notification.version`` meant three things by kind: a reminder's session sequence, a
change notice's first version, a digest's day as YYYYMMDD. First of three steps: each meaning
gets its own field (``session_sequence``, ``version_from``, ``day``), ``version_to`` may be
empty, and the shared key goes. 0004 copies ``version`` over, 0005 drops it and keys each kind.

Three migrations, not one: on PostgreSQL a table whose rows were just updated cannot be
altered in the same transaction ("pending trigger events"), either way round."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_bounded_clean_text"),
    ]

    operations = [
        # The old key goes first, so that undoing this migration restores it last, once
        # ``version`` holds its values again.
        migrations.RemoveConstraint(
            model_name="notification",
            name="notification_once_per_key",
        ),
        migrations.AddField(
            model_name="notification",
            name="session_sequence",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="sequence"),
        ),
        migrations.AddField(
            model_name="notification",
            name="version_from",
            field=models.PositiveIntegerField(
                blank=True, help_text="Change notice only.", null=True, verbose_name="first version"
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="day",
            field=models.DateField(blank=True, null=True, verbose_name="day"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="version_to",
            field=models.PositiveIntegerField(
                blank=True, help_text="Change notice only.", null=True, verbose_name="last version"
            ),
        ),
    ]
