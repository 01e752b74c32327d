from django.db import models
from django.utils.translation import gettext_lazy as _


class RoomKind(models.TextChoices):
    PLENARY = "plenary", _("Plenary hall")
    MEETING = "meeting", _("Meeting room")
    BILATERAL = "bilateral", _("Bilateral room")
    OTHER = "other", _("Other")
