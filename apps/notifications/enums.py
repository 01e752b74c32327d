from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder")
    CHANGES = "changes", _("Change notice")
    DIGEST = "digest", _("Daily digest")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # planned, not yet due or not yet claimed
    QUEUED = "queued", _("Queued")  # claimed by a sweep and handed to a worker
    SENT = "sent", _("Sent")
    MISSED = "missed", _("Missed")  # due while nothing could send it, and now too late
    SKIPPED = "skipped", _("Skipped")  # no longer true: moved, cancelled, not expected, superseded
    FAILED = "failed", _("Failed")  # refused for good (such as an address the server rejects)


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")


class WebhookTopic(models.TextChoices):
    SCHEDULE_PUBLISHED = "schedule.published", _("A version of the programme is published")
    SESSION_CHANGED = "session.changed", _("A published session changes")
    SESSION_CANCELLED = "session.cancelled", _("A published session is cancelled")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # waiting for its first or next attempt
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")  # every attempt failed
