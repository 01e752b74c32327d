from django.db import models
from django.utils.translation import gettext_lazy as _


class SessionKind(models.TextChoices):
    CEREMONY = "ceremony", _("Ceremony")
    PLENARY = "plenary", _("Plenary")
    ELECTION = "election", _("Election")
    REGIONAL = "regional", _("Regional conference")
    COMMITTEE = "committee", _("Committee meeting")
    SIDE_EVENT = "side_event", _("Side event")
    BILATERAL = "bilateral", _("Bilateral meeting")
    SOCIAL = "social", _("Social event")
    OTHER = "other", _("Other")


class SessionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    TENTATIVE = "tentative", _("Tentative")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    PARTICIPANTS = "participants", _("Registered participants")
    RESTRICTED = "restricted", _("Restricted to its audience")
