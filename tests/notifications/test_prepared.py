"""A reminder made from its group (rendered and serialised once for everyone who reads that
language) is the message Django would build for that one recipient, byte for byte."""

import re

import pytest
from django.core.mail import EmailMultiAlternatives

from apps.notifications.services.messages import reminder_group
from apps.notifications.services.prepared import PreparedEmail
from apps.programme.models import Session

MESSAGE_ID = "<notification.7.reminder@127.0.0.1>"


def boundaries_alike(data: bytes) -> bytes:
    """Django draws a new MIME boundary for each message; a group's messages share one."""
    return re.sub(rb"===============\d+==", b"BOUNDARY", data)


@pytest.mark.parametrize(
    ("language", "name"),
    [
        ("en", "Amina Alaoui"),  # 7bit throughout
        ("en", "Ünal Özdemir"),  # 8bit for the name alone
        ("ar", "أمينة العلوي"),
        ("fr", 'Karim "K" <Bennani> & Co'),  # escaped in HTML, as written in text
    ],
)
def test_a_reminder_from_its_group_is_the_message_django_builds(assembly, publish_planned, language, name):
    event, _head, _delegate, _opening = assembly
    publish_planned(event)
    session = Session.objects.published().select_related("event", "room__venue").get(code="OPEN")
    group = reminder_group(session=session, language=language, lead_minutes=15)

    message = group.email(name=name, address="amina.alaoui+ga@example.org", message_id=MESSAGE_ID)

    assert isinstance(message, PreparedEmail)
    prepared = message.message().as_bytes(linesep="\r\n")
    django = EmailMultiAlternatives.message(message).as_bytes(linesep="\r\n")
    assert boundaries_alike(prepared) == boundaries_alike(django)
    assert name in message.body


def test_an_address_django_would_rewrite_gets_a_message_built_for_it(assembly, publish_planned):
    event, _head, _delegate, _opening = assembly
    publish_planned(event)
    session = Session.objects.published().select_related("event", "room__venue").get(code="OPEN")
    group = reminder_group(session=session, language="en", lead_minutes=15)

    message = group.email(name="Amina", address="amina@bücher.example", message_id=MESSAGE_ID)

    assert not isinstance(message, PreparedEmail)
    assert b"To: amina@xn--bcher-kva.example" in message.message().as_bytes()
