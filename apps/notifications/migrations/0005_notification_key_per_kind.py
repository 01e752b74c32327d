"""Last of three steps (0003): ``version`` goes, and each kind of notification gets its own
unique key, plus a check that each kind's fields are set and the other kinds' empty."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_notification_key_fields_filled"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="notification",
            name="version",
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "reminder")),
                fields=("participant", "session_code", "lead_minutes", "session_sequence"),
                name="notification_reminder_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "changes")),
                fields=("participant", "version_from"),
                name="notification_changes_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "digest")),
                fields=("participant", "day"),
                name="notification_digest_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("day__isnull", True),
                        ("kind", "reminder"),
                        ("session_sequence__isnull", False),
                        ("version_from__isnull", True),
                        ("version_to__isnull", True),
                        models.Q(("session_code", ""), _negated=True),
                    ),
                    models.Q(
                        ("day__isnull", True),
                        ("kind", "changes"),
                        ("session_sequence__isnull", True),
                        ("version_from__isnull", False),
                        ("version_to__isnull", False),
                    ),
                    models.Q(
                        ("day__isnull", False),
                        ("kind", "digest"),
                        ("session_sequence__isnull", True),
                        ("version_from__isnull", True),
                        ("version_to__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="notification_key_matches_kind",
            ),
        ),
    ]
