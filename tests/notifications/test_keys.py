"""Each kind of notification has its own key, kept by the database: a second row for the same
key is refused (so a second message cannot be sent), and so is a row with another kind's
fields; migrations 0003-0005 moved the old shared ``version`` into those fields, and back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from apps.notifications.enums import NotificationKind
from apps.notifications.models import Notification
from tests.factories import ParticipantFactory

DUE = dt.datetime(2025, 11, 23, 17, 0, tzinfo=dt.UTC)
DAY = dt.date(2025, 11, 24)
REMINDER = {"kind": NotificationKind.REMINDER, "session_code": "GA-OPEN", "lead_minutes": 15, "session_sequence": 2}
CHANGES = {"kind": NotificationKind.CHANGES, "version_from": 2, "version_to": 3}
DIGEST = {"kind": NotificationKind.DIGEST, "day": DAY}
BEFORE = ("notifications", "0002_bounded_clean_text")
AFTER = ("notifications", "0005_notification_key_per_kind")


def _add(participant, **key) -> Notification:
    with transaction.atomic():
        return Notification.objects.create(event=participant.event, participant=participant, due_at=DUE, **key)


@pytest.mark.django_db
@pytest.mark.parametrize("key", [REMINDER, CHANGES, DIGEST], ids=["reminder", "changes", "digest"])
def test_a_second_row_for_the_same_key_is_refused(key):
    participant = ParticipantFactory()
    _add(participant, **key)

    with pytest.raises(IntegrityError):
        _add(participant, **key)

    assert Notification.objects.count() == 1


@pytest.mark.django_db
def test_rows_that_differ_in_their_kinds_key_are_all_kept():
    participant = ParticipantFactory()

    _add(participant, **REMINDER)
    _add(participant, **{**REMINDER, "session_sequence": 3})
    _add(participant, **{**REMINDER, "lead_minutes": 1440})
    _add(participant, **CHANGES)
    _add(participant, **{**CHANGES, "version_from": 3})
    _add(participant, **DIGEST)
    _add(participant, **{**DIGEST, "day": DAY + dt.timedelta(days=1)})

    assert Notification.objects.filter(participant=participant).count() == 7


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        {**REMINDER, "session_sequence": None},
        {**REMINDER, "session_code": ""},
        {**REMINDER, "day": DAY},
        {**CHANGES, "version_from": None},
        {**CHANGES, "version_to": None},
        {**CHANGES, "session_sequence": 1},
        {**DIGEST, "day": None},
        {**DIGEST, "version_from": 1},
    ],
    ids=[
        "reminder-without-sequence",
        "reminder-without-session",
        "reminder-with-day",
        "changes-without-first",
        "changes-without-last",
        "changes-with-sequence",
        "digest-without-day",
        "digest-with-version",
    ],
)
def test_a_row_without_its_kinds_fields_or_with_anothers_is_refused(fields):
    participant = ParticipantFactory()

    with pytest.raises(IntegrityError):
        _add(participant, **fields)

    assert not Notification.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_each_kinds_version_to_its_own_field_and_back():
    participant = ParticipantFactory()
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([BEFORE])
        old = executor.loader.project_state([BEFORE]).apps.get_model("notifications", "Notification")
        common = {"event_id": participant.event_id, "participant_id": participant.pk, "due_at": DUE}
        old.objects.create(kind="reminder", session_code="GA-OPEN", lead_minutes=15, version=2, **common)
        old.objects.create(kind="changes", version=2, version_to=4, **common)
        old.objects.create(kind="digest", version=20251124, **common)
        old.objects.create(kind="digest", version=20251201, **common)

        executor.loader.build_graph()
        executor.migrate([AFTER])
        moved = list(
            Notification.objects.order_by("pk").values_list(
                "kind", "session_sequence", "version_from", "version_to", "day"
            )
        )
        executor.loader.build_graph()
        executor.migrate([BEFORE])
        back = list(old.objects.order_by("pk").values_list("kind", "version", "version_to"))
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

    assert moved == [
        ("reminder", 2, None, None, None),
        ("changes", None, 2, 4, None),
        ("digest", None, None, None, dt.date(2025, 11, 24)),
        ("digest", None, None, None, dt.date(2025, 12, 1)),
    ]
    assert back == [("reminder", 2, 0), ("changes", 2, 4), ("digest", 20251124, 0), ("digest", 20251201, 0)]
