"""An e-mailed sign-in link signs in only the account that proved it reads the address: no
changed address, admin link or privileged account opens a way into someone else's account."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from apps.accounts.groups import organizers_group_ensure
from apps.accounts.models import VerifiedEmail
from apps.delegations.models import Participant
from apps.delegations.services import participant_save
from apps.delegations.tasks import task_sign_in_link_send
from tests.factories import EventFactory, ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://127\.0\.0\.1:8000(/accounts/email-link/[\w-]+/)")


@pytest.fixture
def sign_in_by_link(django_capture_on_commit_callbacks):
    """Ask for a link for ``email`` as a visitor, run what the page enqueued as the worker
    would, press the button of the e-mailed link: the account signed in, or ``None``."""

    def run(email: str, client: Client | None = None):
        client = client or Client()
        mail.outbox.clear()
        with django_capture_on_commit_callbacks() as enqueued:
            client.post("/accounts/email-link/", {"email": email})
        for job in enqueued:
            task_sign_in_link_send(*job.args, **job.keywords)
        if not mail.outbox:
            return None
        client.post(LINK.search(mail.outbox[0].body)[1])
        user_id = client.session.get("_auth_user_id")
        return get_user_model().objects.get(pk=user_id) if user_id else None

    return run


@pytest.fixture
def member(personas):
    """The delegate of Morocco, who signed in by link once, so their account holds the address."""
    participant = Participant.objects.get(user=personas.delegate)
    VerifiedEmail.objects.create(user=personas.delegate, email=participant.email)
    return participant


def test_the_member_signs_in_to_their_own_account(member, personas, sign_in_by_link):
    assert sign_in_by_link(member.email) == personas.delegate


def test_a_head_who_readdresses_a_member_never_signs_in_as_the_member(api, member, personas, sign_in_by_link):
    api.force_authenticate(personas.head)

    response = api.patch(
        f"/api/v1/events/ga-2025/participants/{member.pk}/", {"email": "mallory@evil.example"}, format="json"
    )
    signed_in = sign_in_by_link("mallory@evil.example")

    member.refresh_from_db()
    assert (response.status_code, response.json()["email"], response.json()["user"]) == (
        200,
        "mallory@evil.example",
        None,
    )
    assert signed_in is not None
    assert signed_in != personas.delegate
    assert (signed_in.username, signed_in.is_staff, signed_in.has_usable_password()) == (
        "mallory@evil.example",
        False,
        False,
    )
    assert member.user == signed_in


def test_an_organizer_who_readdresses_a_participant_in_the_admin_detaches_their_account(
    organizer_client, member, personas
):
    form = {
        "event": personas.event.pk,
        "delegation": member.delegation_id,
        "role": member.role,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "email": "someone.else@example.org",
        "language": "en",
        "is_active": "on",
    }

    response = organizer_client.post(f"/admin/delegations/participant/{member.pk}/change/", form)

    member.refresh_from_db()
    assert response.status_code == 302
    assert (member.email, member.user) == ("someone.else@example.org", None)


def test_a_readdressed_registration_keeps_an_account_that_verified_the_new_address(member, personas):
    VerifiedEmail.objects.create(user=personas.delegate, email="salma@interpol.int")

    participant_save(participant=member, data={"email": "Salma@Interpol.int"})

    member.refresh_from_db()
    assert (member.email, member.user) == ("salma@interpol.int", personas.delegate)


def test_an_organizer_of_another_event_cannot_link_a_participant_to_a_superuser(client, sign_in_by_link):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    mallory = UserFactory(username="mallory", is_staff=True)
    mallory.groups.add(organizers_group_ensure())
    theirs = EventFactory(slug="other-2025")
    theirs.organizers.add(mallory)
    plant = ParticipantFactory(event=theirs, email="mallory@evil.example")
    client.force_login(mallory)
    form = {
        "event": theirs.pk,
        "role": plant.role,
        "first_name": plant.first_name,
        "last_name": plant.last_name,
        "email": plant.email,
        "language": "en",
        "is_active": "on",
        "user": root.pk,
    }

    page = client.get(f"/admin/delegations/participant/{plant.pk}/change/").content.decode()
    client.post(f"/admin/delegations/participant/{plant.pk}/change/", form)
    signed_in = sign_in_by_link("mallory@evil.example")

    plant.refresh_from_db()
    assert 'name="user"' not in page
    assert plant.user == signed_in
    assert signed_in not in (root, mallory)


def test_a_superuser_links_a_participant_to_an_account_which_then_signs_in_by_link(client, personas, sign_in_by_link):
    salma = UserFactory(username="salma")
    registration = ParticipantFactory(
        event=personas.event, delegation=None, email="salma@police.ma", first_name="Salma"
    )
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    form = {
        "event": personas.event.pk,
        "role": registration.role,
        "first_name": registration.first_name,
        "last_name": registration.last_name,
        "email": registration.email,
        "language": "en",
        "is_active": "on",
        "user": salma.pk,
    }

    page = client.get(f"/admin/delegations/participant/{registration.pk}/change/").content.decode()
    response = client.post(f"/admin/delegations/participant/{registration.pk}/change/", form)

    assert 'name="user"' in page
    assert response.status_code == 302
    assert sign_in_by_link("salma@police.ma") == salma


@pytest.mark.parametrize("privilege", ["staff", "superuser", "organizer"])
def test_privileged_accounts_never_sign_in_by_link(privilege, member, personas, sign_in_by_link):
    account = personas.delegate
    if privilege == "organizer":
        personas.event.organizers.add(account)
    else:
        setattr(account, f"is_{privilege}", True)
        account.save()

    assert sign_in_by_link(member.email) is None
    assert mail.outbox == []


def test_a_link_sent_before_the_account_became_an_organizer_no_longer_signs_in(member, personas):
    with_link = Client()
    with_link.post("/accounts/email-link/", {"email": member.email})
    task_sign_in_link_send(member.email, "", "en")
    path = LINK.search(mail.outbox[0].body)[1]
    personas.event.organizers.add(personas.delegate)

    response = with_link.post(path)

    assert response.status_code == 410
    assert "_auth_user_id" not in with_link.session
