from django.db import models
from django.utils.translation import gettext_lazy as _


class DelegationKind(models.TextChoices):
    MEMBER = "member", _("Member country")
    OBSERVER = "observer", _("Observer")
    GUEST = "guest", _("Guest")


class Region(models.TextChoices):
    AFRICA = "africa", _("Africa")
    AMERICAS = "americas", _("Americas")
    ASIA_SOUTH_PACIFIC = "asia_south_pacific", _("Asia and South Pacific")
    EUROPE = "europe", _("Europe")
    MIDDLE_EAST_NORTH_AFRICA = "middle_east_north_africa", _("Middle East and North Africa")
    INTERNATIONAL = "international", _("International")


class Role(models.TextChoices):
    HEAD = "head", _("Head of delegation")
    ALTERNATE = "alternate", _("Alternate")
    DELEGATE = "delegate", _("Delegate")
    ADVISER = "adviser", _("Adviser")
    OBSERVER = "observer", _("Observer")
    INTERPRETER = "interpreter", _("Interpreter")
    LIAISON = "liaison", _("Liaison officer")


class ImportState(models.TextChoices):
    """Where a participant import stands: checked by a worker, confirmed by an organizer,
    written by a worker (docs/decisions/020-background-imports.md)."""

    QUEUED = "queued", _("Waiting to be checked")
    CHECKING = "checking", _("Being checked")
    CHECKED = "checked", _("Checked: ready to import")
    IMPORTING = "importing", _("Being imported")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Not imported")
