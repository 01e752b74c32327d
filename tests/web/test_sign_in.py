"""Signing in with a one-time link sent by e-mail."""

import io
import logging
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import SignInLink, VerifiedEmail
from apps.delegations.models import Participant
from apps.delegations.tasks import task_sign_in_link_send
from tests.factories import ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://127\.0\.0\.1:8000(/accounts/email-link/[\w-]+/)(\?next=\S+)?")


@pytest.fixture
def amina(event):
    return ParticipantFactory(event=event, first_name="Amina", last_name="Benali", email="amina@police.ma")


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    """Ask for a link on the page, then run what the page enqueued, as the worker would: the
    page itself sends nothing."""

    def run(client, email, headers=None, **extra):
        with django_capture_on_commit_callbacks() as enqueued:
            response = client.post("/accounts/email-link/", {"email": email, **extra}, headers=headers or {})
        for job in enqueued:
            assert job.func == task_sign_in_link_send.delay
            task_sign_in_link_send(*job.args, **job.keywords)
        return response

    return run


def link_in(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1) + (match.group(2) or "")


def test_asking_for_a_link_e_mails_a_one_time_link(client, amina, ask):
    response = ask(client, "Amina@Police.ma")

    assert (response.status_code, response["Location"]) == (302, "/accounts/email-link/sent/")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert (message.to, message.subject) == (["amina@police.ma"], "Your sign-in link for gaplanner")
    assert message.body.startswith("Hello Amina,\n\nOpen this link to sign in to gaplanner and see your agenda:\n")
    assert "The link works once, within 15 minutes." in message.body
    assert SignInLink.objects.get().email == "amina@police.ma"


def test_unknown_address_gets_the_same_answer_and_no_mail(client, amina, ask):
    response = ask(client, "nobody@example.org")

    assert (response.status_code, response["Location"]) == (302, "/accounts/email-link/sent/")
    assert mail.outbox == []
    page = client.get("/accounts/email-link/sent/").content.decode()
    assert "If this address is registered for an event, a sign-in link is on its way to it." in page


def test_withdrawn_participant_gets_no_link(client, amina, ask):
    Participant.objects.filter(pk=amina.pk).update(is_active=False)

    ask(client, "amina@police.ma")

    assert mail.outbox == []


def test_bad_address_is_a_form_error(client, amina, ask):
    response = ask(client, "not an address")

    assert response.status_code == 400
    assert '<span class="errors" role="alert">Enter a valid email address.</span>' in response.content.decode()
    assert mail.outbox == []


def test_opening_the_link_asks_before_signing_in(client, amina, ask):
    ask(client, "amina@police.ma")
    path = link_in(mail.outbox[0])

    first = client.get(path)
    second = client.get(path)

    assert first.status_code == second.status_code == 200
    assert "Press the button to sign in on this device." in second.content.decode()
    assert "_auth_user_id" not in client.session


def test_pressing_sign_in_makes_an_account_and_opens_the_agenda(client, amina, ask):
    ask(client, "amina@police.ma")

    response = client.post(link_in(mail.outbox[0]))

    amina.refresh_from_db()
    assert (response.status_code, response["Location"]) == (302, "/events/ga-2025/me/")
    assert amina.user.username == "amina@police.ma"
    assert not amina.user.has_usable_password()
    assert list(amina.user.verified_emails.values_list("email", flat=True)) == ["amina@police.ma"]
    assert client.session["_auth_user_id"] == str(amina.user.pk)


def test_a_link_works_once(client, amina, ask):
    ask(client, "amina@police.ma")
    path = link_in(mail.outbox[0])
    client.post(path)
    client.logout()

    again = client.post(path)

    assert again.status_code == 410
    assert "This link no longer works" in again.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_link_expires_after_15_minutes(client, amina, ask):
    with time_machine.travel("2025-11-24 08:00+00:00"):
        ask(client, "amina@police.ma")
    path = link_in(mail.outbox[0])

    with time_machine.travel("2025-11-24 08:15:01+00:00"):
        response = client.post(path)

    assert response.status_code == 410
    assert "_auth_user_id" not in client.session


def test_unknown_link_is_gone(client, amina, ask):
    assert client.get("/accounts/email-link/made-up-token/").status_code == 410
    assert client.post("/accounts/email-link/made-up-token/").status_code == 410
    assert "_auth_user_id" not in client.session


def test_the_account_that_verified_the_address_signs_in(client, amina, ask):
    account = UserFactory(username="amina")
    VerifiedEmail.objects.create(user=account, email="amina@police.ma")
    ask(client, "amina@police.ma")

    client.post(link_in(mail.outbox[0]))

    amina.refresh_from_db()
    assert client.session["_auth_user_id"] == str(account.pk)
    assert amina.user == account
    assert get_user_model().objects.filter(username="amina@police.ma").exists() is False


def test_an_account_linked_without_verifying_the_address_is_not_signed_in(client, amina, ask):
    """Linking a registration to an account (a superuser in the admin, or an old link) does
    not let whoever reads the registration's address sign in as that account."""
    account = UserFactory(username="someone")
    Participant.objects.filter(pk=amina.pk).update(user=account)
    ask(client, "amina@police.ma")

    client.post(link_in(mail.outbox[0]))

    signed_in = get_user_model().objects.get(pk=client.session["_auth_user_id"])
    assert (signed_in.username, signed_in == account) == ("amina@police.ma", False)


def test_a_signed_in_participant_confirms_a_new_address_for_their_own_account(client, amina, ask):
    amina_account = UserFactory(username="amina")
    VerifiedEmail.objects.create(user=amina_account, email="amina@police.ma")
    Participant.objects.filter(pk=amina.pk).update(user=amina_account)
    other_event = ParticipantFactory(email="amina.benali@interpol.int", first_name="Amina")
    client.force_login(amina_account)
    ask(client, "amina.benali@interpol.int")

    client.post(link_in(mail.outbox[0]))

    other_event.refresh_from_db()
    assert client.session["_auth_user_id"] == str(amina_account.pk)
    assert other_event.user == amina_account
    assert sorted(amina_account.verified_emails.values_list("email", flat=True)) == [
        "amina.benali@interpol.int",
        "amina@police.ma",
    ]


def test_the_link_returns_to_the_page_asked_for(client, amina, ask):
    ask(client, "amina@police.ma", next="/events/ga-2025/me/reminders/")
    path = link_in(mail.outbox[0])

    response = client.post(path)

    assert (response.status_code, response["Location"]) == (302, "/events/ga-2025/me/reminders/")
    assert client.session["_auth_user_id"] == str(Participant.objects.get(pk=amina.pk).user_id)


def test_the_link_never_returns_to_another_site(client, amina, ask):
    ask(client, "amina@police.ma", next="https://evil.example/")

    response = client.post(link_in(mail.outbox[0]))

    assert (response.status_code, response["Location"]) == (302, "/events/ga-2025/me/")
    assert client.session["_auth_user_id"] == str(Participant.objects.get(pk=amina.pk).user_id)


def test_an_address_may_ask_five_links_an_hour(client, amina, ask):
    with time_machine.travel("2025-11-24 08:00+00:00", tick=False):
        for _ in range(6):
            ask(client, "amina@police.ma")

    assert len(mail.outbox) == 5


def test_link_e_mail_is_in_the_language_of_the_page(client, amina, ask):
    ask(client, "amina@police.ma", headers={"accept-language": "ar"})

    assert mail.outbox[0].subject == "رابط الدخول إلى gaplanner"


@override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=9)
def test_mail_server_down_answers_the_same_and_logs_no_link(client, amina, ask, caplog):
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
    assert client.session["_auth_user_id"] == str(personas.delegate.pk)


def test_the_development_server_log_never_shows_a_link_token(client, amina, ask):
    """The development server logs every request's path through ``django.server``."""
    ask(client, "amina@police.ma")
    path = link_in(mail.outbox[0])
    token = path.split("/")[3]
    [console] = [handler for handler in logging.getLogger("django.server").handlers if handler.filters]
    written = io.StringIO()
    previous = console.setStream(written)

    try:
        logging.getLogger("django.server").info('"%s" %s %s', f"GET {path} HTTP/1.1", "200", "1830")
    finally:
        console.setStream(previous)

    assert written.getvalue().endswith('django.server "GET /accounts/email-link/[token]/ HTTP/1.1" 200 1830\n')
    assert token not in written.getvalue()


def test_known_and_unknown_addresses_do_the_same_work_in_the_request(client, amina, django_capture_on_commit_callbacks):
    """The page only enqueues: looking the address up and sending take the same time for
    every address, so the answer's timing tells nothing."""
    enqueued = {}
    for email in ("amina@police.ma", "nobody@example.org"):
        with (
            django_capture_on_commit_callbacks() as jobs,
            CaptureQueriesContext(connection) as queries,
        ):
            response = client.post("/accounts/email-link/", {"email": email})
        enqueued[email] = (response.status_code, len(queries), [(job.func, job.args) for job in jobs])

    assert enqueued == {
        "amina@police.ma": (302, 0, [(task_sign_in_link_send.delay, ("amina@police.ma", "", "en"))]),
        "nobody@example.org": (302, 0, [(task_sign_in_link_send.delay, ("nobody@example.org", "", "en"))]),
    }
    assert mail.outbox == []
