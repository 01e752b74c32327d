from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.delegations.enums import Role
from apps.delegations.models import Delegation, Participant
from apps.events.models import Event, Room
from apps.kernel import i18n
from apps.kernel import text as texts
from apps.kernel.db import TimeStampedModel, TranslationsField

from .enums import SessionKind, SessionStatus, Visibility

_ONE_SECOND = timedelta(seconds=1)
# On PostgreSQL, a migration adds this exclusion constraint: no two sessions of the working
# schedule (not cancelled) in one room at overlapping times.
ROOM_EXCLUSION_CONSTRAINT = "session_room_no_overlap"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

validate_code = RegexValidator(
    r"^[A-Z0-9][A-Z0-9-]{1,31}$",
    _("Use 2 to 32 capital letters, digits and hyphens, starting with a letter or digit."),
)


def validate_roles(value: object) -> None:
    if not isinstance(value, list) or not all(role in Role.values for role in value):
        raise ValidationError(
            _("Enter a list of roles among: %(roles)s."),
            params={"roles": ", ".join(Role.values)},
        )


def new_session_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


class SessionQuerySet(models.QuerySet["Session"]):
    def working(self) -> SessionQuerySet:
        """The organizers' working schedule."""
        return self.filter(is_published=False)

    def published(self) -> SessionQuerySet:
        """The last published version: what everyone else sees."""
        return self.filter(is_published=True)


class Session(TimeStampedModel):
    """A session of the working schedule.

    ``code`` is the session's public identity: it never changes, so calendar UIDs and API
    clients can follow the session from one version of the programme to the next.
    ``start`` and ``end`` are instants (stored in UTC); pages and answers show them in the
    event's time zone.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("event"))
    code = models.CharField(
        _("code"),
        max_length=32,
        validators=[validate_code],
        blank=True,
        help_text=_("Stable public identifier; generated when left empty, never changed afterwards."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=SessionKind.choices, default=SessionKind.PLENARY)
    title = TranslationsField(_("title"), max_length=texts.TITLE_MAX_LENGTH)
    description = TranslationsField(
        _("description"), blank=True, multiline=True, max_length=texts.DESCRIPTION_MAX_LENGTH
    )
    room = models.ForeignKey(
        Room,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("room"),
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    status = models.CharField(_("status"), max_length=16, choices=SessionStatus.choices, default=SessionStatus.DRAFT)
    visibility = models.CharField(
        _("visibility"),
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
    )
    languages = models.JSONField(
        _("languages"),
        default=list,
        blank=True,
        validators=[i18n.validate_languages],
        help_text=_('Languages spoken or interpreted, such as ["ar", "en"].'),
    )
    participants = models.ManyToManyField(
        Participant,
        blank=True,
        related_name="sessions",
        verbose_name=_("expected participants"),
    )
    delegations = models.ManyToManyField(
        Delegation,
        blank=True,
        related_name="sessions",
        verbose_name=_("expected delegations"),
    )
    roles = models.JSONField(
        _("expected roles"),
        default=list,
        blank=True,
        validators=[validate_roles],
        help_text=_('Every participant with one of these roles is expected, such as ["head"].'),
    )
    for_everyone = models.BooleanField(
        _("every participant"),
        default=False,
        help_text=_("Every participant of the event is expected (ceremonies, plenaries)."),
    )
    for_member_delegations = models.BooleanField(
        _("every member delegation"),
        default=False,
        help_text=_("Every participant of a member delegation is expected."),
    )
    expected_attendance = models.PositiveIntegerField(_("expected attendance"), null=True, blank=True)
    sequence = models.PositiveIntegerField(_("sequence"), default=0, editable=False)
    # Publishing copies each working session into a row with ``is_published`` set: the
    # published programme is those copies, untouched by edits until the next publication.
    is_published = models.BooleanField(_("published copy"), default=False, editable=False)
    published_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="published_copies",
    )

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["start", "room__name", "code"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "code", "is_published"],
                name="session_code_unique_per_event",
                violation_error_message=_("Another session of this event has this code."),
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="session_end_after_start",
                violation_error_message=_("A session must end after it starts."),
            ),
        ]
        indexes = [models.Index(fields=["event", "start"]), models.Index(fields=["room", "start"])]

    def __str__(self) -> str:
        return f"{self.code} {self.display_title()}"

    def get_absolute_url(self) -> str:
        return reverse("web:session", kwargs={"event_slug": self.event.slug, "code": self.code})

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.code:
            self.code = self._unused_code()
        super().save(*args, **kwargs)

    def _unused_code(self) -> str:
        while True:
            code = new_session_code()
            if not Session.objects.filter(event_id=self.event_id, code=code).exists():  # copies too
                return code

    def clean(self) -> None:
        errors: dict[str, object] = {}
        if self.pk and self.code:
            stored = Session.objects.filter(pk=self.pk).values_list("code", flat=True).first()
            if stored and stored != self.code:
                errors["code"] = _("A session's code never changes.")
        if self.start and self.end and self.end <= self.start:
            errors["end"] = _("A session must end after it starts.")
        event = self.event if self.event_id else None
        if event and self.start and self.end and "end" not in errors:
            first, last = event.local_day(self.start), event.local_day(self.end - _ONE_SECOND)
            if first < event.start_date or last > event.end_date:
                field = "start" if first < event.start_date or first > event.end_date else "end"
                errors[field] = _("The session must take place within the event's days (%(first)s to %(last)s).") % {
                    "first": event.start_date.isoformat(),
                    "last": event.end_date.isoformat(),
                }
        room = self.room if self.room_id else None
        if event and room and room.venue.event_id != event.pk:
            errors["room"] = _("The room belongs to another event.")
        if errors:
            raise ValidationError(errors)

    def display_title(self, language: str | None = None) -> str:
        fallbacks = [self.event.default_language] if self.event_id else []
        return i18n.pick(self.title, language, fallbacks)

    def display_description(self, language: str | None = None) -> str:
        fallbacks = [self.event.default_language] if self.event_id else []
        return i18n.pick(self.description, language, fallbacks)

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED


class AgendaChoice(models.Model):
    """A session a participant added to their own agenda ("Add to my agenda").

    It names the session by its ``code``, the identity that survives moves and publications,
    so the choice follows the session from one version to the next. It counts in the agenda
    only while the participant may see the session and it is not cancelled
    (:func:`apps.programme.selectors.sessions_expecting`); the row itself is kept, so a
    change notice can still tell them the session was cancelled.
    """

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="agenda_choices", verbose_name=_("participant")
    )
    code = models.CharField(_("session"), max_length=32, validators=[validate_code])
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["participant", "code"]
        verbose_name = _("session added to an agenda")
        verbose_name_plural = _("sessions added to agendas")
        constraints = [
            models.UniqueConstraint(fields=["participant", "code"], name="agenda_choice_unique"),
        ]
        indexes = [models.Index(fields=["code"])]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.code}"


# The kinds of change a version records, in the order its ``changes`` holds them.
CHANGE_KINDS = ("new", "moved", "changed", "cancelled", "removed")


class ScheduleVersion(models.Model):
    """A numbered publication of an event's programme, with what changed since the last one.

    ``changes`` holds, by kind (``new``, ``moved``, ``changed``, ``cancelled``, ``removed``),
    the sessions concerned and their state before and after.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="versions", verbose_name=_("event"))
    number = models.PositiveIntegerField(_("number"))
    note = models.TextField(
        _("note"),
        blank=True,
        max_length=texts.NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(texts.NOTE_MAX_LENGTH), texts.validate_multi_line],
    )
    published_at = models.DateTimeField(_("published"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    changes = models.JSONField(_("changes"), default=dict)
    warnings = models.JSONField(
        _("warnings published with"),
        default=list,
        help_text=_("The warnings the organizer confirmed."),
    )

    class Meta:
        ordering = ["event", "-number"]
        verbose_name = _("schedule version")
        verbose_name_plural = _("schedule versions")
        constraints = [models.UniqueConstraint(fields=["event", "number"], name="version_number_unique_per_event")]

    def __str__(self) -> str:
        return f"{self.event.slug} v{self.number}"


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("The audit log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("The audit log is append-only.")


class AuditEntry(models.Model):
    """One write to an event's schedule: who, when, through what, before and after.

    Written in the same transaction as the change; never changed or deleted afterwards.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="audit_entries", verbose_name=_("event"))
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    username = models.CharField(_("username"), max_length=150, blank=True, help_text=_("Kept if the user is deleted."))
    channel = models.CharField(_("through"), max_length=16)
    token_prefix = models.CharField(_("API token"), max_length=8, blank=True)
    action = models.CharField(_("action"), max_length=16)
    code = models.CharField(_("session"), max_length=32, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username or '-'} {self.action} {self.code}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("The audit log is append-only.")
