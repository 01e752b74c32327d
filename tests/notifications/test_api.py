import datetime as dt

import pytest

from apps.delegations.models import Participant
from apps.notifications.enums import NotificationStatus
from apps.notifications.models import Notification, ReminderPreference

URL = "/api/v1/events/ga-2025/me/reminders/"


@pytest.fixture
def delegate(api, personas):
    api.force_authenticate(personas.delegate)
    return Participant.objects.get(user=personas.delegate)


def test_a_participant_without_settings_reads_the_event_defaults(api, delegate):
    response = api.get(URL)

    assert (response.status_code, response.json()) == (
        200,
        {
            "lead_minutes": None,
            "channels": ["email"],
            "digest_hour": None,
            "language": "en",
            "uses_event_defaults": True,
            "event_lead_minutes": [1440, 15],
            "effective_lead_minutes": [1440, 15],
        },
    )


def test_a_participant_sets_lead_times_language_and_digest(api, delegate):
    response = api.patch(URL, {"lead_minutes": [60, 5], "language": "ar", "digest_hour": 19}, format="json")

    assert (response.status_code, response.json()) == (
        200,
        {
            "lead_minutes": [60, 5],
            "channels": ["email"],
            "digest_hour": 19,
            "language": "ar",
            "uses_event_defaults": False,
            "event_lead_minutes": [1440, 15],
            "effective_lead_minutes": [60, 5],
        },
    )
    delegate.refresh_from_db()
    assert delegate.language == "ar"


def test_put_replaces_everything_and_null_goes_back_to_the_defaults(api, delegate):
    ReminderPreference.objects.create(participant=delegate, lead_minutes=[30], digest_hour=7)

    response = api.put(
        URL, {"lead_minutes": None, "channels": [], "digest_hour": None, "language": "es"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["effective_lead_minutes"] == [1440, 15]
    assert response.json()["channels"] == []
    assert ReminderPreference.objects.get(participant=delegate).digest_hour is None


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"lead_minutes": [0]}, {"lead_minutes": ["item 0: Ensure this value is greater than or equal to 1."]}),
        ({"lead_minutes": "15"}, {"lead_minutes": ['Expected a list of items but got type "str".']}),
        ({"channels": ["sms"]}, {"channels": ['item 0: "sms" is not a valid choice.']}),
        ({"digest_hour": 24}, {"digest_hour": ["Ensure this value is less than or equal to 23."]}),
        ({"language": "de"}, {"language": ['"de" is not a valid choice.']}),
        ({"lead": [15]}, {"lead": ["Unknown field."]}),
    ],
)
def test_bad_settings_are_refused_naming_the_field_and_change_nothing(api, delegate, body, errors):
    response = api.patch(URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == errors
    assert not ReminderPreference.objects.exists()


def test_a_new_lead_time_is_planned_at_once_within_the_horizon(api, delegate, personas, publish, time_machine):
    from apps.notifications.services.planning import planning_advance
    from tests.factories import SessionFactory

    SessionFactory(event=personas.event, code="MEET", audience={"participants": [delegate]})
    publish(personas.event)
    time_machine.move_to(dt.datetime(2025, 11, 24, 7, 20, tzinfo=dt.UTC), tick=False)
    planning_advance(event=personas.event, now=dt.datetime(2025, 11, 24, 7, 20, tzinfo=dt.UTC))

    api.patch(URL, {"lead_minutes": [30]}, format="json")

    rows = Notification.objects.filter(participant=delegate).values_list("lead_minutes", "due_at", "status")
    assert sorted(rows) == [
        (15, dt.datetime(2025, 11, 24, 7, 45, tzinfo=dt.UTC), NotificationStatus.PENDING),
        (30, dt.datetime(2025, 11, 24, 7, 30, tzinfo=dt.UTC), NotificationStatus.PENDING),
    ]
