from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.kernel import i18n, timezones
from apps.kernel import text as texts
from apps.kernel.db import TimeStampedModel, TranslationsField

from .enums import RoomKind

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser


def validate_timezone(value: str) -> None:
    if not timezones.is_valid_zone(value):
        raise ValidationError(
            _("%(value)s is not an IANA time zone (such as Africa/Casablanca)."),
            params={"value": value},
            code="invalid_timezone",
        )


def validate_lead_minutes(value: object) -> None:
    if not isinstance(value, list) or not all(
        isinstance(item, int) and not isinstance(item, bool) and 0 < item <= 60 * 24 * 14 for item in value
    ):
        raise ValidationError(_("Enter a list of minutes between 1 and 20160, such as [1440, 15]."))


def default_lead_minutes() -> list[int]:
    return [1440, 15]


# Days an event may fall on: far enough from datetime's limits that a time zone's window
# around the event (feeds) or a day's bounds (pages) never overflow.
FIRST_POSSIBLE_DAY = dt.date(1970, 1, 1)
LAST_POSSIBLE_DAY = dt.date(2999, 12, 31)
_DAY_VALIDATORS = [MinValueValidator(FIRST_POSSIBLE_DAY), MaxValueValidator(LAST_POSSIBLE_DAY)]


class Event(TimeStampedModel):
    """An assembly: its days are local days in ``timezone``."""

    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    name = TranslationsField(_("name"), max_length=texts.TITLE_MAX_LENGTH)
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        validators=[validate_timezone],
        help_text=_("IANA name, such as Africa/Casablanca."),
    )
    start_date = models.DateField(_("first day"), validators=_DAY_VALIDATORS)
    end_date = models.DateField(_("last day"), validators=_DAY_VALIDATORS)
    languages = models.JSONField(
        _("working languages"),
        default=list,
        validators=[i18n.validate_languages],
        help_text=_('Language codes, such as ["ar", "en", "fr", "es"].'),
    )
    default_language = models.CharField(_("default language"), max_length=8, default="en")
    reminder_lead_minutes = models.JSONField(
        _("reminder lead times (minutes)"),
        default=default_lead_minutes,
        validators=[validate_lead_minutes],
        help_text=_("Default reminders for participants, in minutes before a session."),
    )
    organizers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organizers"),
        blank=True,
        related_name="organized_events",
    )

    class Meta:
        ordering = ["-start_date", "slug"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="event_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name()

    def get_absolute_url(self) -> str:
        return reverse("web:programme", kwargs={"event_slug": self.slug})

    def clean(self) -> None:
        errors: dict[str, object] = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The last day cannot be before the first day.")
        elif self.start_date and self.end_date and (self.end_date - self.start_date).days >= settings.EVENT_MAX_DAYS:
            limit = settings.EVENT_MAX_DAYS
            errors["end_date"] = ngettext(
                "An event lasts at most %(days)s day.", "An event lasts at most %(days)s days.", limit
            ) % {"days": limit}
        if self.default_language and not i18n.is_language_code(self.default_language):
            errors["default_language"] = _("Not a language code.")
        if errors:
            raise ValidationError(errors)

    def display_name(self, language: str | None = None) -> str:
        return i18n.pick(self.name, language, [self.default_language]) or self.slug

    @property
    def zone(self) -> ZoneInfo:
        return timezones.get_zone(self.timezone)

    @property
    def days(self) -> list[dt.date]:
        count = (self.end_date - self.start_date).days + 1
        return [self.start_date + dt.timedelta(days=n) for n in range(count)]

    def local_day(self, instant: dt.datetime) -> dt.date:
        return instant.astimezone(self.zone).date()

    def is_organizer(self, user: AbstractBaseUser | AnonymousUser) -> bool:
        if not user.is_authenticated:
            return False
        if getattr(user, "is_superuser", False):
            return True
        return self.organizers.filter(pk=user.pk).exists()


class Venue(TimeStampedModel):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="venues", verbose_name=_("event"))
    name = models.CharField(_("name"), max_length=texts.NAME_MAX_LENGTH, validators=[texts.validate_single_line])
    address = models.CharField(_("address"), max_length=300, blank=True, validators=[texts.validate_single_line])
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    opens = models.TimeField(_("opens"), null=True, blank=True, help_text=_("Local time, each day."))
    closes = models.TimeField(_("closes"), null=True, blank=True, help_text=_("Local time, each day."))

    class Meta:
        ordering = ["event", "name"]
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        constraints = [models.UniqueConstraint(fields=["event", "name"], name="venue_name_unique_per_event")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.opens and self.closes and self.closes <= self.opens:
            raise ValidationError({"closes": _("The venue must close after it opens.")})


class Room(TimeStampedModel):
    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="rooms", verbose_name=_("venue"))
    name = models.CharField(_("name"), max_length=texts.NAME_MAX_LENGTH, validators=[texts.validate_single_line])
    kind = models.CharField(_("kind"), max_length=16, choices=RoomKind.choices, default=RoomKind.MEETING)
    capacity = models.PositiveIntegerField(_("capacity"), help_text=_("Seats."))
    booths = models.JSONField(
        _("interpretation booths"),
        default=list,
        blank=True,
        validators=[i18n.validate_languages],
        help_text=_('Languages with an interpretation booth, such as ["ar", "fr"].'),
    )

    class Meta:
        ordering = ["venue", "name"]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        constraints = [models.UniqueConstraint(fields=["venue", "name"], name="room_name_unique_per_venue")]

    def __str__(self) -> str:
        return self.name

    def has_booths_for(self, languages: list[str]) -> bool:
        return set(languages) <= set(self.booths)
