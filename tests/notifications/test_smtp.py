"""Messages through a real SMTP server on this machine (aiosmtpd), read as they arrived."""

import email
import socket
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

from apps.notifications.enums import NotificationStatus
from apps.notifications.models import Notification


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
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
    from apps.notifications.services.sending import notifications_send

    sent = notifications_send(notification_ids=Notification.objects.values_list("pk", flat=True))

    assert (queued, sent, len(smtp.messages)) == (2, 2, 2)
