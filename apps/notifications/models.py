from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.delegations.models import Participant
from apps.events.models import Event, validate_lead_minutes
from apps.kernel import text as texts
from apps.kernel.db import TimeStampedModel
from apps.programme.models import ScheduleVersion

from .enums import Channel, DeliveryStatus, NotificationKind, NotificationStatus, WebhookTopic


def default_channels() -> list[str]:
    return [Channel.EMAIL]


def validate_channels(value: object) -> None:
    if (
        not isinstance(value, list)
        or not all(item in Channel.values for item in value)
        or len(set(value)) != len(value)
    ):
        raise ValidationError(
            _("Enter a list of channels among: %(channels)s (empty turns every message off)."),
            params={"channels": ", ".join(Channel.values)},
        )


def validate_topics(value: object) -> None:
    if not isinstance(value, list) or not value or not all(item in WebhookTopic.values for item in value):
        raise ValidationError(
            _("Enter a list of one or more topics among: %(topics)s."),
            params={"topics": ", ".join(WebhookTopic.values)},
        )


class ReminderPreference(TimeStampedModel):
    """How a participant wants to hear from the planner. No row means the event's defaults."""

    participant = models.OneToOneField(
        Participant,
        on_delete=models.CASCADE,
        related_name="reminder_preference",
        verbose_name=_("participant"),
    )
    lead_minutes = models.JSONField(
        _("reminder lead times (minutes)"),
        null=True,
        blank=True,
        validators=[validate_lead_minutes],
        help_text=_("Such as [1440, 15]; empty for the event's defaults, [] for no reminders."),
    )
    channels = models.JSONField(
        _("channels"),
        default=default_channels,
        blank=True,
        validators=[validate_channels],
        help_text=_("How reminders, digests and change notices reach the participant; [] turns them off."),
    )
    digest_hour = models.PositiveSmallIntegerField(
        _("daily digest at"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(23)],
        help_text=_("Local hour (0-23) of a 'your day tomorrow' e-mail; empty for none."),
    )

    class Meta:
        verbose_name = _("reminder preference")
        verbose_name_plural = _("reminder preferences")

    def __str__(self) -> str:
        return f"{self.participant}"


class Notification(models.Model):
    """One message to one participant: the outbox and the log in one row.

    Each kind has its own key: a reminder (participant, session code, lead time, the session's
    ``session_sequence``); a change notice (participant, ``version_from``, the first version it
    covers); a digest (participant, ``day``). A unique constraint per kind makes a second row,
    and so a second message, for the same key impossible; a check constraint keeps each kind's
    fields set and the other kinds' empty.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+", verbose_name=_("event"))
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("participant")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=NotificationKind.choices)
    session_code = models.CharField(_("session"), max_length=32, blank=True)
    lead_minutes = models.PositiveIntegerField(_("minutes before"), default=0)
    # Reminder only: the session's sequence when planned; a newer one supersedes the row.
    session_sequence = models.PositiveIntegerField(_("sequence"), null=True, blank=True)
    version_from = models.PositiveIntegerField(
        _("first version"), null=True, blank=True, help_text=_("Change notice only.")
    )
    version_to = models.PositiveIntegerField(
        _("last version"), null=True, blank=True, help_text=_("Change notice only.")
    )
    # Digest only: the day it tells of (sent the day before).
    day = models.DateField(_("day"), null=True, blank=True)
    session_start = models.DateTimeField(_("session start"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(
        _("status"), max_length=16, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "session_code", "lead_minutes", "session_sequence"],
                condition=Q(kind=NotificationKind.REMINDER),
                name="notification_reminder_once",
            ),
            models.UniqueConstraint(
                fields=["participant", "version_from"],
                condition=Q(kind=NotificationKind.CHANGES),
                name="notification_changes_once",
            ),
            models.UniqueConstraint(
                fields=["participant", "day"],
                condition=Q(kind=NotificationKind.DIGEST),
                name="notification_digest_once",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind=NotificationKind.REMINDER,
                        session_sequence__isnull=False,
                        version_from__isnull=True,
                        version_to__isnull=True,
                        day__isnull=True,
                    )
                    & ~Q(session_code="")
                )
                | Q(
                    kind=NotificationKind.CHANGES,
                    session_sequence__isnull=True,
                    version_from__isnull=False,
                    version_to__isnull=False,
                    day__isnull=True,
                )
                | Q(
                    kind=NotificationKind.DIGEST,
                    session_sequence__isnull=True,
                    version_from__isnull=True,
                    version_to__isnull=True,
                    day__isnull=False,
                ),
                name="notification_key_matches_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["session_code", "lead_minutes", "participant"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.session_code} to {self.participant_id} ({self.status})"

    @property
    def message_id(self) -> str:
        """The same for every attempt, so that a mail client shows a repeated send once."""
        return f"<notification.{self.pk}.{self.kind}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"


class PlanningState(models.Model):
    """How far ahead an event's reminders are planned: the sweep plans the next stretch."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="+", verbose_name=_("event"))
    reminders_planned_until = models.DateTimeField(_("reminders planned until"))

    class Meta:
        verbose_name = _("planning state")
        verbose_name_plural = _("planning states")

    def __str__(self) -> str:
        return f"{self.event_id} until {self.reminders_planned_until:%Y-%m-%d %H:%M}"


class PublicationNotice(models.Model):
    """A published version whose notices and webhook deliveries have been planned (once)."""

    version = models.OneToOneField(
        ScheduleVersion, on_delete=models.CASCADE, related_name="+", verbose_name=_("version")
    )
    planned_at = models.DateTimeField(_("planned"), auto_now_add=True)

    class Meta:
        verbose_name = _("planned publication")
        verbose_name_plural = _("planned publications")

    def __str__(self) -> str:
        return f"{self.version}"


# The every-minute sweep's name in SweepRun (settings.CELERY_BEAT_SCHEDULE["notifications-sweep"]).
NOTIFICATIONS_SWEEP = "notifications"


class SweepRun(models.Model):
    """When a periodic sweep last finished, one row per sweep: a sweep that stops finishing
    means beat or every worker of its queue is down (``/health/`` reads it). A row, not a
    cache key: without Redis each process has a cache of its own."""

    name = models.CharField(_("name"), max_length=64, primary_key=True)
    finished_at = models.DateTimeField(_("finished"))

    class Meta:
        verbose_name = _("last sweep")
        verbose_name_plural = _("last sweeps")

    def __str__(self) -> str:
        return f"{self.name} at {self.finished_at:%Y-%m-%d %H:%M:%S}"


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookEndpoint(TimeStampedModel):
    """A REST client's URL that receives signed POSTs when the published programme changes."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="webhooks", verbose_name=_("event"))
    url = models.URLField(_("URL"), max_length=500, help_text=_("Receives a POST with a JSON body."))
    topics = models.JSONField(_("topics"), validators=[validate_topics])
    description = models.CharField(
        _("description"), max_length=200, blank=True, validators=[texts.validate_single_line]
    )
    # Needed in clear to sign each delivery; shown to organizers once, when made or rotated.
    secret = models.CharField(_("secret"), max_length=64, default=new_webhook_secret, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["event", "id"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One POST to one endpoint, with every attempt's outcome. ``key`` names what it reports
    (``v3`` for version 3, ``v3:ABC123`` for one session in it) so that it is made once."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("webhook")
    )
    topic = models.CharField(_("topic"), max_length=32, choices=WebhookTopic.choices)
    key = models.CharField(_("key"), max_length=64)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_status_code = models.PositiveIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "topic", "key"], name="webhook_delivery_once_per_key")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.topic} {self.key} to {self.endpoint_id} ({self.status})"
