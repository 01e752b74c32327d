"""No two sessions in one room at once, enforced by PostgreSQL itself.

An exclusion constraint exists only on PostgreSQL; on SQLite the service's check runs in an
IMMEDIATE transaction instead (docs/decisions/008-room-double-booking.md).
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE programme_session ADD CONSTRAINT session_room_no_overlap
    EXCLUDE USING gist (room_id WITH =, tstzrange("start", "end", '[)') WITH &&)
    WHERE (room_id IS NOT NULL AND status <> 'cancelled' AND NOT is_published);
"""
DROP = "ALTER TABLE programme_session DROP CONSTRAINT IF EXISTS session_room_no_overlap;"


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("programme", "0002_publishing")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
