"""The notifications admin as an organizer uses it: webhooks (secret shown once, rotated),
deliveries sent again, the notification log and reminder preferences, all scoped to their
events."""

from __future__ import annotations

import pytest

from apps.delegations.models import Participant
from apps.notifications.models import Notification, ReminderPreference, WebhookDelivery, WebhookEndpoint
from tests.factories import EventFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

HOOK = "https://93.184.215.14/hooks"


@pytest.fixture
def endpoint(personas):
    return WebhookEndpoint.objects.create(event=personas.event, url=HOOK, topics=["session.changed"])


def _form(event, **changes) -> dict[str, object]:
    return {"event": str(event.pk), "url": HOOK, "topics": ["schedule.published"], "is_active": "on", **changes}


def test_adding_a_webhook_shows_its_secret_once(organizer_client, personas):
    response = organizer_client.post("/admin/notifications/webhookendpoint/add/", _form(personas.event))

    endpoint = WebhookEndpoint.objects.get()
    change = organizer_client.get(f"/admin/notifications/webhookendpoint/{endpoint.pk}/change/")
    assert (response.status_code, endpoint.topics) == (200, ["schedule.published"])
    assert f"<code>{endpoint.secret}</code>" in response.content.decode()
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert change.status_code == 200
    assert endpoint.secret not in change.content.decode()
    assert f"…{endpoint.secret[-4:]}" in change.content.decode()


def test_a_private_url_is_a_form_error(organizer_client, personas):
    response = organizer_client.post(
        "/admin/notifications/webhookendpoint/add/", _form(personas.event, url="http://10.0.0.7/hook")
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["url"] == [
        "The host 10.0.0.7 resolves to 10.0.0.7, a private address: it may not receive webhooks."
    ]
    assert not WebhookEndpoint.objects.exists()


def test_rotating_from_the_admin_shows_the_new_secret(organizer_client, endpoint):
    old = endpoint.secret

    response = organizer_client.post(
        "/admin/notifications/webhookendpoint/", {"action": "rotate_secret", "_selected_action": [str(endpoint.pk)]}
    )

    endpoint.refresh_from_db()
    assert (response.status_code, endpoint.secret != old) == (200, True)
    assert f"<code>{endpoint.secret}</code>" in response.content.decode()


def test_failed_deliveries_are_sent_again_from_the_admin(
    organizer_client, endpoint, django_capture_on_commit_callbacks
):
    failed = WebhookDelivery.objects.create(endpoint=endpoint, topic="session.changed", key="v1:A", payload={})
    pending = WebhookDelivery.objects.create(endpoint=endpoint, topic="session.changed", key="v1:B", payload={})
    WebhookDelivery.objects.filter(pk=failed.pk).update(status="failed", attempts=10)

    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        response = organizer_client.post(
            "/admin/notifications/webhookdelivery/",
            {"action": "redeliver", "_selected_action": [str(failed.pk), str(pending.pk)]},
            follow=True,
        )

    failed.refresh_from_db()
    assert (response.status_code, failed.status, failed.attempts, len(enqueued)) == (200, "pending", 0, 1)
    assert [str(m) for m in response.context["messages"]] == [
        "1 deliveries will be sent again.",
        "1 still pending: left as they are.",
    ]


def test_organizers_see_the_rows_of_their_events_only(organizer_client, personas, endpoint):
    mine = Participant.objects.get(user=personas.head)
    theirs = ParticipantFactory(event=EventFactory())
    for participant in (mine, theirs):
        Notification.objects.create(
            event=participant.event,
            participant=participant,
            kind="reminder",
            session_code="GA-OPEN",
            session_sequence=0,
            due_at="2025-11-24T08:00Z",
        )
        ReminderPreference.objects.create(participant=participant, lead_minutes=[30])
    WebhookEndpoint.objects.create(event=theirs.event, url=HOOK, topics=["session.changed"])

    pages = {
        name: organizer_client.get(f"/admin/notifications/{name}/")
        for name in ("notification", "reminderpreference", "webhookendpoint", "webhookdelivery")
    }

    assert {name: page.status_code for name, page in pages.items()} == dict.fromkeys(pages, 200)
    assert [n.participant for n in pages["notification"].context["cl"].result_list] == [mine]
    assert [p.participant for p in pages["reminderpreference"].context["cl"].result_list] == [mine]
    assert list(pages["webhookendpoint"].context["cl"].result_list) == [endpoint]


def test_an_organizer_sets_a_participants_reminders(organizer_client, personas):
    delegate = Participant.objects.get(user=personas.delegate)

    response = organizer_client.post(
        "/admin/notifications/reminderpreference/add/",
        {"participant": str(delegate.pk), "lead_minutes": "[60, 10]", "channels": ["email"], "digest_hour": "7"},
    )

    preference = ReminderPreference.objects.get(participant=delegate)
    assert response.status_code == 302
    assert (preference.lead_minutes, preference.channels, preference.digest_hour) == ([60, 10], ["email"], 7)
