import pytest
from django.test import Client
from rest_framework.throttling import ScopedRateThrottle

from apps.accounts.models import ApiToken
from apps.accounts.services import api_token_create
from apps.delegations.models import Participant
from apps.events.models import Venue
from apps.feeds.services import participant_feed_links
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_token_for_username_and_password_is_shown_once_and_stored_hashed(api):
    UserFactory(username="amina", password="correct horse battery staple")

    response = api.post(
        "/api/v1/auth/token/",
        {"username": "amina", "password": "correct horse battery staple", "name": "badging"},
        format="json",
    )

    body = response.json()
    stored = ApiToken.objects.get()
    assert response.status_code == 201
    assert (body["user"], body["name"], body["prefix"]) == ("amina", "badging", body["token"][:8])
    assert len(body["token"]) >= 43  # 256 bits, URL-safe base64
    assert body["token"] not in (stored.digest, stored.prefix)


def test_the_token_authenticates_its_user(api):
    user = UserFactory(username="amina")
    _row, token = api_token_create(user=user)

    response = api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")

    assert (response.status_code, response.json()["username"]) == (200, "amina")


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(api):
    UserFactory(username="amina")

    response = api.post("/api/v1/auth/token/", {"username": "amina", "password": "nope"}, format="json")

    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Invalid input.", "errors": {"non_field_errors": ["Unable to sign in with these credentials."]}},
    )
    assert not ApiToken.objects.exists()


def test_a_revoked_token_is_refused(api):
    user = UserFactory()
    row, token = api_token_create(user=user)
    api.force_authenticate(user)
    api.delete(f"/api/v1/auth/tokens/{row.pk}/")
    api.force_authenticate(None)

    response = api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")

    assert (response.status_code, response.json()) == (401, {"detail": "Invalid or revoked token."})
    row.refresh_from_db()
    assert row.revoked_at is not None


def test_an_unknown_token_is_refused(api):
    response = api.get("/api/v1/me/", HTTP_AUTHORIZATION="Token not-a-real-token")

    assert (response.status_code, response.json()) == (401, {"detail": "Invalid or revoked token."})


def test_everyone_lists_only_their_own_tokens(api, personas):
    api_token_create(user=personas.head, name="head-phone")
    api_token_create(user=personas.organizer, name="organizer-script")
    api_token_create(user=UserFactory(), name="stranger")
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)

    listed = {}
    for user in (personas.head, personas.organizer, superuser):
        api.force_authenticate(user)
        listed[user.username] = [t["name"] for t in api.get("/api/v1/auth/tokens/").json()["results"]]

    assert listed == {"head": ["head-phone"], "organizer": ["organizer-script"], "root": []}


def test_another_persons_token_is_not_found_and_stays_active(api, personas):
    row, _token = api_token_create(user=personas.head, name="head-phone")
    api.force_authenticate(personas.organizer)

    response = api.delete(f"/api/v1/auth/tokens/{row.pk}/")

    row.refresh_from_db()
    assert (response.status_code, row.revoked_at) == (404, None)


def test_login_attempts_are_throttled_with_retry_after(api, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "login", "2/min")
    body = {"username": "nobody-throttled", "password": "x"}
    api.post("/api/v1/auth/token/", body, format="json", REMOTE_ADDR="10.9.9.9")
    api.post("/api/v1/auth/token/", body, format="json", REMOTE_ADDR="10.9.9.9")

    response = api.post("/api/v1/auth/token/", body, format="json", REMOTE_ADDR="10.9.9.9")

    assert response.status_code == 429
    assert response.json()["detail"].startswith("Request was throttled.")
    assert int(response["Retry-After"]) > 0


def test_me_names_the_events_organized_and_registrations(api, personas):
    api.force_authenticate(personas.head)

    body = api.get("/api/v1/me/").json()

    head = Participant.objects.get(user=personas.head)
    assert body == {
        "username": "head",
        "email": "head@example.org",
        "is_superuser": False,
        "organizer_of": [],
        "participations": [
            {
                "event": "ga-2025",
                "participant": head.pk,
                "delegation": head.delegation_id,
                "role": "head",
                "feeds": participant_feed_links(head),
            }
        ],
    }


def test_session_auth_needs_the_csrf_token_for_writes(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.organizer)

    response = client.post("/api/v1/events/ga-2025/venues/", {"name": "Annex"}, content_type="application/json")

    assert (response.status_code, response.json()) == (403, {"detail": "CSRF Failed: CSRF cookie not set."})
    assert not Venue.objects.filter(name="Annex").exists()
