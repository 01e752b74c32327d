"""The admin as an organizer uses it: scoped to their events, times in event time."""

import pytest
from django.contrib.auth.models import Group

from apps.accounts.groups import organizers_group_ensure
from apps.programme.models import Session
from tests.factories import EventFactory, RoomFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def _form(event, room, **changes) -> dict[str, str]:
    data = {
        "event": str(event.pk),
        "code": "GA-NEW",
        "kind": "plenary",
        "status": "confirmed",
        "title_ar": "",
        "title_en": "New item",
        "title_fr": "",
        "title_es": "",
        "description_ar": "",
        "description_en": "",
        "description_fr": "",
        "description_es": "",
        "start_0": "2025-11-25",
        "start_1": "09:00",
        "end_0": "2025-11-25",
        "end_1": "10:30",
        "room": str(room.pk),
        "visibility": "public",
        "languages": ["en", "fr"],
    }
    data.update(changes)
    return data


def test_organizer_adds_a_session_in_event_time(organizer_client, personas):
    room = RoomFactory(venue__event=personas.event)

    response = organizer_client.post("/admin/programme/session/add/", _form(personas.event, room))

    session = Session.objects.get(code="GA-NEW")
    assert response.status_code == 302
    assert (session.start.isoformat(), session.end.isoformat()) == (
        "2025-11-25T08:00:00+00:00",
        "2025-11-25T09:30:00+00:00",
    )
    assert (session.title, session.languages) == ({"en": "New item"}, ["en", "fr"])


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"end_1": "08:00"}, "end", "A session must end after it starts."),
        ({"start_0": "2025-11-28", "end_0": "2025-11-28"}, "start", "within the event&#x27;s days"),
        ({"title_en": ""}, "title", "Enter the text in at least one language."),
    ],
)
def test_a_bad_session_is_a_form_error_and_nothing_is_saved(organizer_client, personas, changes, field, message):
    room = RoomFactory(venue__event=personas.event)

    response = organizer_client.post("/admin/programme/session/add/", _form(personas.event, room, **changes))

    assert response.status_code == 200
    assert message in str(response.context["adminform"].form.errors[field])
    assert not Session.objects.exists()


def test_a_room_of_another_event_is_refused(organizer_client, personas):
    other = EventFactory()
    other.organizers.add(personas.organizer)
    room = RoomFactory(venue__event=other)

    response = organizer_client.post("/admin/programme/session/add/", _form(personas.event, room))

    assert response.context["adminform"].form.errors["room"] == ["The room belongs to another event."]
    assert not Session.objects.exists()


def test_a_local_time_skipped_by_the_ramadan_switch_is_refused(organizer_client, personas):
    event = EventFactory(start_date="2026-03-20", end_date="2026-03-23")
    event.organizers.add(personas.organizer)
    room = RoomFactory(venue__event=event)

    response = organizer_client.post(
        "/admin/programme/session/add/",
        _form(event, room, start_0="2026-03-22", start_1="02:30", end_0="2026-03-22", end_1="04:00"),
    )

    assert response.context["adminform"].form.errors["start"] == [
        "2026-03-22 02:30 does not exist in Africa/Casablanca"
    ]
    assert not Session.objects.exists()


def test_the_change_form_shows_event_time_and_keeps_the_code(organizer_client, personas):
    session = SessionFactory(event=personas.event, code="GA-OPEN")

    response = organizer_client.get(f"/admin/programme/session/{session.pk}/change/")

    form = response.context["adminform"].form
    assert (form.initial["start"].isoformat(), form.fields["code"].disabled) == ("2025-11-24T09:00:00", True)


def test_organizer_sees_only_their_events(organizer_client, personas):
    SessionFactory(event=personas.event, code="MINE")
    theirs = SessionFactory(code="THEIRS")

    listing = organizer_client.get("/admin/programme/session/")
    other = organizer_client.get(f"/admin/programme/session/{theirs.pk}/change/")

    assert [s.code for s in listing.context["cl"].result_list] == ["MINE"]
    assert other.status_code == 302


@pytest.mark.parametrize(
    "url",
    [
        "/admin/events/event/",
        "/admin/events/venue/",
        "/admin/events/room/",
        "/admin/delegations/delegation/",
        "/admin/delegations/participant/",
        "/admin/programme/session/",
        "/admin/events/event/add/",
        "/admin/delegations/delegation/add/",
        "/admin/delegations/participant/add/",
        "/admin/programme/session/add/",
        "/admin/programme/scheduleversion/",
        "/admin/programme/auditentry/",
        "/admin/feeds/feed/",
    ],
)
def test_organizer_pages_open(organizer_client, url):
    assert organizer_client.get(url).status_code == 200


def test_delegation_page_adds_participants_to_the_delegations_event(organizer_client, personas):
    response = organizer_client.post(
        "/admin/delegations/delegation/add/",
        {
            "event": str(personas.event.pk),
            "kind": "member",
            "country": "KE",
            "organisation_ar": "",
            "organisation_en": "",
            "organisation_fr": "",
            "organisation_es": "",
            "region": "africa",
            "participants-TOTAL_FORMS": "1",
            "participants-INITIAL_FORMS": "0",
            "participants-0-role": "head",
            "participants-0-first_name": "Wanjiru",
            "participants-0-last_name": "Mfano",
            "participants-0-email": "wanjiru@example.org",
            "participants-0-language": "en",
            "participants-0-is_active": "on",
        },
    )

    assert response.status_code == 302
    head = personas.event.participants.get(email="wanjiru@example.org")
    assert (head.event, head.delegation.country.code) == (personas.event, "KE")


def test_organizers_group_holds_the_organizer_permissions(db):
    group = organizers_group_ensure()

    assert group == Group.objects.get(name="Organizers")
    assert group.permissions.filter(codename="change_session").exists()
    assert not group.permissions.filter(codename="change_user").exists()


def test_a_staff_user_who_organizes_nothing_sees_nothing(client, db):
    SessionFactory()
    user = UserFactory(is_staff=True)
    user.groups.add(organizers_group_ensure())
    client.force_login(user)

    assert list(client.get("/admin/programme/session/").context["cl"].result_list) == []


def test_organizers_rotate_feeds_from_the_admin(organizer_client, personas, django_capture_on_commit_callbacks):
    from apps.delegations.models import Participant
    from apps.feeds.models import Feed
    from apps.feeds.services import participant_feed

    feed = participant_feed(participant=Participant.objects.get(user=personas.head))

    response = organizer_client.post("/admin/feeds/feed/", {"action": "rotate", "_selected_action": [str(feed.pk)]})

    assert response.status_code == 302
    assert Feed.objects.get(pk=feed.pk).version == 2


def test_superusers_revoke_api_tokens_from_the_admin(client, db):
    from apps.accounts.services import api_token_create

    admin_user = UserFactory(username="root", is_superuser=True, is_staff=True)
    row, _token = api_token_create(user=admin_user)
    client.force_login(admin_user)

    response = client.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [str(row.pk)]})

    row.refresh_from_db()
    assert (response.status_code, row.revoked_at is not None) == (302, True)
