"""Second of three steps (0003): each notification's ``version`` copied to its kind's own
field, a digest's YYYYMMDD made a date; ``version_to`` emptied but for change notices. Each
row is updated once, and the schema is left to the migrations on either side."""

import datetime as dt

from django.db import migrations, models

REMINDER, CHANGES, DIGEST = "reminder", "changes", "digest"


def _day(key):
    """A digest's old ``version``: 20251124 is 2025-11-24."""
    return dt.date(key // 10000, key // 100 % 100, key % 100)


def _day_key(day):
    return day.year * 10000 + day.month * 100 + day.day


def split_version(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    rows = Notification.objects.all()
    rows.filter(kind=REMINDER).update(session_sequence=models.F("version"), version_to=None)
    rows.filter(kind=CHANGES).update(version_from=models.F("version"))
    # One update per day: an event has a few days, a database many rows.
    digests = rows.filter(kind=DIGEST)
    for key in list(digests.values_list("version", flat=True).distinct().order_by()):
        digests.filter(version=key).update(day=_day(key), version_to=None)


def join_version(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    rows = Notification.objects.all()
    rows.filter(kind=REMINDER).update(version=models.F("session_sequence"), version_to=0)
    rows.filter(kind=CHANGES).update(version=models.F("version_from"))
    digests = rows.filter(kind=DIGEST)
    for day in list(digests.values_list("day", flat=True).distinct().order_by()):
        digests.filter(day=day).update(version=_day_key(day), version_to=0)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_notification_key_fields"),
    ]

    operations = [
        migrations.RunPython(split_version, join_version),
    ]
