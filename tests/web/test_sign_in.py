"""Signing in with a one-time link sent by e-mail."""

import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import override_settings

from apps.accounts.models import SignInLink
from apps.delegations.models import Participant
from tests.factories import ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://127\.0\.0\.1:8000(/accounts/email-link/[\w-]+/)(\?next=\S+)?")


@pytest.fixture
def amina(event):
    return ParticipantFactory(event=event, first_name="Amina", last_name="Benali", email="amina@police.ma")


def ask(client, email, **extra):
    return client.post("/accounts/email-link/", {"email": email, **extra})


def link_in(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1) + (match.group(2) or "")


def test_asking_for_a_link_e_mails_a_one_time_link(client, amina):
    response = ask(client, "Amina@Police.ma")

    assert (response.status_code, response["Location"]) == (302, "/accounts/email-link/sent/")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert (message.to, message.subject) == (["amina@police.ma"], "Your sign-in link for gaplanner")
    assert message.body.startswith("Hello Amina,\n\nOpen this link to sign in to gaplanner and see your agenda:\n")
    assert "The link works once, within 15 minutes." in message.body
    assert SignInLink.objects.get().email == "amina@police.ma"


def test_unknown_address_gets_the_same_answer_and_no_mail(client, amina):
    response = ask(client, "nobody@example.org")

    assert (response.status_code, response["Location"]) == (302, "/accounts/email-link/sent/")
    assert mail.outbox == []
    page = client.get("/accounts/email-link/sent/").content.decode()
    assert "If this address is registered for an event, a sign-in link is on its way to it." in page


def test_withdrawn_participant_gets_no_link(client, amina):
    Participant.objects.filter(pk=amina.pk).update(is_active=False)

    ask(client, "amina@police.ma")

    assert mail.outbox == []


def test_bad_address_is_a_form_error(client, amina):
    response = ask(client, "not an address")

    assert response.status_code == 400
    assert '<span class="errors" role="alert">Enter a valid email address.</span>' in response.content.decode()
    assert mail.outbox == []


def test_opening_the_link_asks_before_signing_in(client, amina):
    ask(client, "amina@police.ma")
    path = link_in(mail.outbox[0])

    first = client.get(path)
    second = client.get(path)

    assert first.status_code == second.status_code == 200
    assert "Press the button to sign in on this device." in second.content.decode()
    assert "_auth_user_id" not in client.session


def test_pressing_sign_in_makes_an_account_and_opens_the_agenda(client, amina):
    ask(client, "amina@police.ma")

    response = client.post(link_in(mail.outbox[0]))

    amina.refresh_from_db()
    assert (response.status_code, response["Location"]) == (302, "/events/ga-2025/me/")
    assert amina.user.username == "amina@police.ma"
    assert not amina.user.has_usable_password()
    assert client.session["_auth_user_id"] == str(amina.user.pk)


def test_a_link_works_once(client, amina):
    ask(client, "amina@police.ma")
    path = link_in(mail.outbox[0])
    client.post(path)
    client.logout()

    again = client.post(path)

    assert again.status_code == 410
    assert "This link no longer works" in again.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_link_expires_after_15_minutes(client, amina):
    with time_machine.travel("2025-11-24 08:00+00:00"):
        ask(client, "amina@police.ma")
    path = link_in(mail.outbox[0])

    with time_machine.travel("2025-11-24 08:15:01+00:00"):
        response = client.post(path)

    assert response.status_code == 410
    assert "_auth_user_id" not in client.session


def test_unknown_link_is_gone(client, amina):
    assert client.get("/accounts/email-link/made-up-token/").status_code == 410


def test_participant_with_an_account_signs_in_to_it(client, amina):
    account = UserFactory(username="amina")
    Participant.objects.filter(pk=amina.pk).update(user=account)
    ask(client, "amina@police.ma")

    client.post(link_in(mail.outbox[0]))

    assert client.session["_auth_user_id"] == str(account.pk)
    assert get_user_model().objects.filter(username="amina@police.ma").exists() is False


def test_the_link_returns_to_the_page_asked_for(client, amina):
    ask(client, "amina@police.ma", next="/events/ga-2025/me/reminders/")
    path = link_in(mail.outbox[0])

    response = client.post(path)

    assert response["Location"] == "/events/ga-2025/me/reminders/"


def test_the_link_never_returns_to_another_site(client, amina):
    ask(client, "amina@police.ma", next="https://evil.example/")

    response = client.post(link_in(mail.outbox[0]))

    assert response["Location"] == "/events/ga-2025/me/"


def test_an_address_may_ask_five_links_an_hour(client, amina):
    with time_machine.travel("2025-11-24 08:00+00:00", tick=False):
        for _ in range(6):
            ask(client, "amina@police.ma")

    assert len(mail.outbox) == 5


def test_link_e_mail_is_in_the_language_of_the_page(client, amina):
    client.post("/accounts/email-link/", {"email": "amina@police.ma"}, headers={"accept-language": "ar"})

    assert mail.outbox[0].subject == "رابط الدخول إلى gaplanner"


@override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=9)
def test_mail_server_down_answers_the_same_and_logs_no_link(client, amina, caplog):
    response = ask(client, "amina@police.ma")

    assert response["Location"] == "/accounts/email-link/sent/"
    assert f"participant {amina.pk} could not be sent" in caplog.text
    assert "email-link/" not in caplog.text


def test_login_page_offers_both_ways(client, event):
    page = client.get("/accounts/login/?next=/events/ga-2025/me/").content.decode()

    assert '<form method="post" action="/accounts/email-link/" novalidate>' in page
    assert '<input type="hidden" name="next" value="/events/ga-2025/me/">' in page
    assert '<input type="password" name="password" id="id_password" autocomplete="current-password" required>' in page


def test_password_sign_in_still_works(client, personas):
    response = client.post(
        "/accounts/login/",
        {"username": "delegate", "password": "correct horse battery staple", "next": "/events/ga-2025/me/"},
    )

    assert (response.status_code, response["Location"]) == (302, "/events/ga-2025/me/")
