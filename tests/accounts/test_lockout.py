"""Password guessing locks the account and the client address, on the sign-in page and on the
token endpoint; X-Forwarded-For counts only behind trusted proxies (issue 12, item 5)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client, RequestFactory
from rest_framework.throttling import ScopedRateThrottle

from apps.accounts.models import ApiToken
from apps.kernel.client_address import client_address
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"
PASSWORD = "correct horse battery staple"
LOCKED = (
    "Too many failed sign-in attempts for this account or from this address. "
    "Signing in with a password is blocked for 30 minutes."
)


@pytest.fixture
def amina(db):
    return UserFactory(username="amina", password=PASSWORD)


@pytest.fixture
def unthrottled(monkeypatch):
    """The token endpoint's throttle out of the way, to see the lockout behind it."""
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "login", "1000/min")


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def sign_in(client: Client, username: str, password: str, **extra: str):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def test_forty_wrong_passwords_then_the_right_one_is_refused_with_the_lockout(client, amina):
    answers = [sign_in(client, "amina", f"guess-{n}").status_code for n in range(40)]

    response = sign_in(client, "amina", PASSWORD)

    assert answers == [200] * 9 + [429] * 31
    assert (response.status_code, response["Retry-After"]) == (429, "1800")
    page = response.content.decode()
    assert "<h1>Sign-in blocked</h1>" in page
    assert f'<p class="errors" role="alert">{LOCKED}</p>' in page
    assert "_auth_user_id" not in client.session


def test_an_account_is_locked_whatever_the_address(client, amina):
    for n in range(10):
        sign_in(client, "amina", "wrong", REMOTE_ADDR=f"198.51.100.{n}")

    response = sign_in(client, "amina", PASSWORD, REMOTE_ADDR="203.0.113.1")

    assert response.status_code == 429
    assert LOCKED in response.content.decode()


def test_an_address_is_locked_whatever_the_account(client, amina):
    for n in range(10):
        sign_in(client, f"someone-{n}", "wrong", REMOTE_ADDR="198.51.100.7")

    locked_client, elsewhere_client = Client(), Client()
    locked = sign_in(locked_client, "amina", PASSWORD, REMOTE_ADDR="198.51.100.7")
    elsewhere = sign_in(elsewhere_client, "amina", PASSWORD, REMOTE_ADDR="203.0.113.1")

    assert (locked.status_code, LOCKED in locked.content.decode()) == (429, True)
    assert "_auth_user_id" not in locked_client.session
    assert (elsewhere.status_code, elsewhere["Location"]) == (302, "/")
    assert elsewhere_client.session["_auth_user_id"] == str(amina.pk)


def test_nine_failures_still_let_the_owner_in(client, amina):
    for n in range(9):
        sign_in(client, "amina", f"guess-{n}")

    response = sign_in(client, "amina", PASSWORD)

    assert (response.status_code, response["Location"]) == (302, "/")
    assert client.session["_auth_user_id"] == str(amina.pk)


def test_the_lock_is_lifted_by_the_reset_command(client, amina):
    for n in range(10):
        sign_in(client, "amina", "wrong", REMOTE_ADDR=f"198.51.100.{n}")

    call_command("axes_reset_username", "amina", stdout=io.StringIO())
    response = sign_in(client, "amina", PASSWORD, REMOTE_ADDR="203.0.113.1")

    assert (response.status_code, response["Location"]) == (302, "/")
    assert client.session["_auth_user_id"] == str(amina.pk)


def test_the_token_endpoint_is_locked_per_account_though_x_forwarded_for_rotates(api, amina, unthrottled):
    for n in range(10):
        api.post(TOKEN, {"username": "amina", "password": "wrong"}, format="json", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")

    response = api.post(
        TOKEN, {"username": "amina", "password": PASSWORD}, format="json", HTTP_X_FORWARDED_FOR="10.0.0.99"
    )

    assert (response.status_code, response.json(), response["Retry-After"]) == (429, {"detail": LOCKED}, "1800")
    assert not ApiToken.objects.exists()


def test_the_token_endpoint_is_locked_per_address_though_x_forwarded_for_rotates(api, amina, unthrottled):
    for n in range(10):
        api.post(
            TOKEN, {"username": f"someone-{n}", "password": "x"}, format="json", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"
        )

    response = api.post(
        TOKEN, {"username": "amina", "password": PASSWORD}, format="json", HTTP_X_FORWARDED_FOR="10.0.0.99"
    )

    assert (response.status_code, response.json()) == (429, {"detail": LOCKED})
    assert not ApiToken.objects.exists()


def test_the_token_throttle_ignores_a_rotating_x_forwarded_for(api, amina):
    body = {"username": "nobody", "password": "x"}
    for n in range(10):
        api.post(TOKEN, {**body, "username": f"nobody-{n}"}, format="json", HTTP_X_FORWARDED_FOR=f"10.1.0.{n}")

    response = api.post(TOKEN, body, format="json", HTTP_X_FORWARDED_FOR="10.1.0.99")

    assert response.status_code == 429
    assert response.json()["detail"].startswith("Request was throttled.")


def test_behind_a_trusted_proxy_each_client_address_is_locked_on_its_own(client, amina, behind_one_proxy):
    for n in range(10):
        sign_in(client, f"someone-{n}", "wrong", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")

    locked_client, second_client = Client(), Client()
    locked = sign_in(locked_client, "amina", PASSWORD, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    other_client = sign_in(
        second_client, "amina", PASSWORD, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.1"
    )

    assert (locked.status_code, LOCKED in locked.content.decode()) == (429, True)
    assert "_auth_user_id" not in locked_client.session
    assert (other_client.status_code, other_client["Location"]) == (302, "/")
    assert second_client.session["_auth_user_id"] == str(amina.pk)


def test_behind_a_trusted_proxy_the_token_throttle_counts_each_client(api, amina, behind_one_proxy, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "login", "2/min")
    body = {"username": "nobody", "password": "x"}
    for _ in range(2):
        api.post(TOKEN, body, format="json", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")

    throttled = api.post(TOKEN, body, format="json", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    other = api.post(TOKEN, body, format="json", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.8")

    assert (throttled.status_code, other.status_code) == (429, 400)
    assert throttled.json()["detail"].startswith("Request was throttled.")
    assert other.json() == {
        "detail": "Invalid input.",
        "errors": {"non_field_errors": ["Unable to sign in with these credentials."]},
    }


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, None, "192.0.2.10"),
        (0, "198.51.100.1", "192.0.2.10"),
        (1, None, "192.0.2.10"),
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        (3, "198.51.100.1", "198.51.100.1"),
        (1, "2001:db8::1", "2001:db8::1"),
        (1, "not-an-address", "192.0.2.10"),
    ],
)
def test_client_address_trusts_x_forwarded_for_only_as_far_as_the_proxies(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.10", **extra)

    assert client_address(request) == expected
