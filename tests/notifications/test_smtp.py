"""Messages through a real SMTP server on this machine (aiosmtpd), read as they arrived."""

import email
import socket
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

from apps.notifications.enums import NotificationStatus
from apps.notifications.models import Notification
from apps.notifications.services.sending import TemporaryRefusal, notifications_send
from tests.factories import ParticipantFactory


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """What a local SMTP server received, over how many connections; it refuses the
    addresses in ``refuse`` for good, and those in ``put_off`` once, for now."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refuse: set[str] = set()
        self.put_off: set[str] = set()
        self.connections = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        if address in self.put_off:
            self.put_off.discard(address)
            return "450 4.2.1 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted"


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    yield inbox
    controller.stop()


def test_a_reminder_in_arabic_arrives_right_to_left_with_both_bodies(assembly, publish_planned, sweep, smtp):
    event, head, _delegate, _opening = assembly
    head.language = "ar"
    head.save()
    publish_planned(event)

    sweep("2025-11-24T07:45:00+00:00")

    arrived = {m["To"]: m for m in smtp.messages}
    assert sorted(arrived) == ["amina@example.org", "karim@example.org"]
    arabic = arrived["amina@example.org"]
    assert arabic["Content-Language"] == "ar"
    assert arabic["Auto-Submitted"] == "auto-generated"
    row = Notification.objects.get(participant=head, lead_minutes=15)
    assert arabic["Message-ID"] == f"<notification.{row.pk}.reminder@127.0.0.1>"
    text = arabic.get_body(("plain",)).get_content()
    html = arabic.get_body(("html",)).get_content()
    assert "حفل الافتتاح" in arabic["Subject"]
    assert "حفل الافتتاح" in text
    assert '<html lang="ar" dir="rtl">' in html
    assert "(UTC+01:00)" in text
    assert row.status == NotificationStatus.SENT


def test_an_address_the_server_refuses_is_marked_failed_and_the_others_go_out(assembly, publish_planned, sweep, smtp):
    event, _head, delegate, _opening = assembly
    smtp.refuse.add("karim@example.org")
    publish_planned(event)

    sweep("2025-11-24T07:45:00+00:00")

    assert [m["To"] for m in smtp.messages] == ["amina@example.org"]
    failed = Notification.objects.get(participant=delegate, lead_minutes=15)
    assert (failed.status, failed.detail) == (NotificationStatus.FAILED, "address refused: 550")


def test_smtp_down_leaves_the_rows_queued_for_a_retry(assembly, publish_planned, sweep, smtp, settings):
    event, _head, _delegate, _opening = assembly
    publish_planned(event)
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 1  # nothing listens there

    with pytest.raises(ConnectionRefusedError):
        sweep("2025-11-24T07:45:00+00:00")
    settings.EMAIL_PORT = port
    queued = Notification.objects.filter(status=NotificationStatus.QUEUED, lead_minutes=15).count()

    sent = notifications_send(notification_ids=Notification.objects.values_list("pk", flat=True))

    assert (queued, sent, len(smtp.messages)) == (2, 2, 2)


def test_a_batch_goes_out_over_one_connection_each_in_its_language(assembly, publish_planned, sweep, smtp):
    event, head, _delegate, _opening = assembly
    for n, language in enumerate(["ar", "fr", "en", "ar"]):
        ParticipantFactory(event=event, delegation=head.delegation, language=language, email=f"guest{n}@example.org")
    publish_planned(event)

    sweep("2025-11-24T07:45:00+00:00")

    assert smtp.connections == 1
    arrived = {m["To"]: m["Content-Language"] for m in smtp.messages}
    assert arrived == {
        "amina@example.org": "en",
        "karim@example.org": "fr",
        "guest0@example.org": "ar",
        "guest1@example.org": "fr",
        "guest2@example.org": "en",
        "guest3@example.org": "ar",
    }
    assert len(smtp.messages) == 6
    assert set(Notification.objects.filter(lead_minutes=15).values_list("status", flat=True)) == {
        NotificationStatus.SENT
    }


def test_a_recipient_put_off_is_retried_without_resending_the_others(assembly, publish_planned, sweep, smtp):
    event, head, delegate, _opening = assembly
    smtp.put_off.add("karim@example.org")
    publish_planned(event)

    with pytest.raises(TemporaryRefusal):
        sweep("2025-11-24T07:45:00+00:00")
    waiting = Notification.objects.get(participant=delegate, lead_minutes=15)
    first = (waiting.status, [m["To"] for m in smtp.messages])
    # The task's retry sends the same batch again.
    sent = notifications_send(notification_ids=Notification.objects.values_list("pk", flat=True))

    assert first == (NotificationStatus.QUEUED, ["amina@example.org"])
    assert sent == 1
    assert [m["To"] for m in smtp.messages] == ["amina@example.org", "karim@example.org"]
    statuses = dict(Notification.objects.filter(lead_minutes=15).values_list("participant", "status"))
    assert statuses == {head.pk: NotificationStatus.SENT, delegate.pk: NotificationStatus.SENT}
