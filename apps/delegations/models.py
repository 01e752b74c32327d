from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from apps.accounts.models import VerifiedEmail
from apps.events.models import Event
from apps.kernel import i18n
from apps.kernel import text as texts
from apps.kernel.db import TimeStampedModel, TranslationsField

from .enums import DelegationKind, ImportState, Region, Role


class Delegation(TimeStampedModel):
    """A member country's delegation (by ISO code) or an observer organisation's."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="delegations", verbose_name=_("event"))
    kind = models.CharField(_("kind"), max_length=16, choices=DelegationKind.choices, default=DelegationKind.MEMBER)
    country = CountryField(_("country"), blank=True, help_text=_("For a member country."))
    organisation = TranslationsField(
        _("organisation"), blank=True, max_length=texts.NAME_MAX_LENGTH, help_text=_("For an organisation.")
    )
    region = models.CharField(_("region"), max_length=32, choices=Region.choices, blank=True)

    class Meta:
        ordering = ["event", "country", "id"]
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "country"],
                condition=~models.Q(country=""),
                name="delegation_country_unique_per_event",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name()

    def clean(self) -> None:
        has_org = bool(self.organisation)
        if self.kind == DelegationKind.MEMBER and not self.country:
            raise ValidationError({"country": _("A member country's delegation needs its country.")})
        if bool(self.country) == has_org:
            raise ValidationError({"organisation": _("Give either a country or an organisation, not both.")})

    def display_name(self, language: str | None = None) -> str:
        """The country's name (from django-countries' translations) or the organisation's."""
        if self.country:
            with translation.override(language or get_language()):
                return str(self.country.name)
        return i18n.pick(self.organisation, language or get_language(), [self.event.default_language])


class Participant(TimeStampedModel):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participants", verbose_name=_("event"))
    delegation = models.ForeignKey(
        Delegation,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="participants",
        verbose_name=_("delegation"),
        help_text=_("Empty for secretariat staff and interpreters."),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.DELEGATE)
    first_name = models.CharField(_("first name"), max_length=100, validators=[texts.validate_single_line])
    last_name = models.CharField(_("last name"), max_length=100, validators=[texts.validate_single_line])
    email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        default="en",
        choices=settings.LANGUAGES,
        help_text=_("For e-mails, reminders and calendar feeds."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="participations",
        verbose_name=_("user account"),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Off when the participant leaves or the badge is withdrawn."),
    )

    class Meta:
        ordering = ["event", "last_name", "first_name", "id"]
        # Lists and the schedule's audit read an event's participants in this order: at
        # 100,000 of them, sorting without the index was most of the audit's loading.
        indexes = [models.Index(fields=["event", "last_name", "first_name", "id"], name="participant_listed_order")]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                "event",
                Lower("email"),
                condition=~models.Q(email=""),
                name="participant_email_unique_per_event",
                violation_error_message=_("A participant of this event already has this e-mail address."),
            ),
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=models.Q(user__isnull=False),
                name="participant_user_unique_per_event",
            ),
            models.UniqueConstraint(
                fields=["delegation"],
                condition=models.Q(role=Role.HEAD, is_active=True),
                name="one_head_per_delegation",
                violation_error_message=_("This delegation already has a head."),
            ),
        ]

    # The address as loaded from the database (set by from_db): see release_account_if_readdressed.
    _stored_email: str | None

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Participant:
        instance = super().from_db(db, field_names, values)
        instance._stored_email = instance.__dict__.get("email")
        return instance

    def save(self, *args: Any, **kwargs: Any) -> None:
        linked = self.user_id
        self.release_account_if_readdressed()
        if linked != self.user_id and kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "user"}
        super().save(*args, **kwargs)

    def release_account_if_readdressed(self) -> None:
        """A registration whose address changed leaves the account it was linked to, unless
        that account proved it reads the new address: whoever changed the address (an
        organizer, a head, an import) must never hand the account to the new address's
        owner. The owner of the new address takes the registration up by signing in with a
        link sent there (``apps.delegations.sign_in``)."""
        stored = getattr(self, "_stored_email", None)
        new = (self.email or "").strip().lower()
        if self.user_id is None or stored is None or new == stored.strip().lower():
            return
        if not new or not VerifiedEmail.objects.filter(user_id=self.user_id, email__iexact=new).exists():
            self.user = None
        self._stored_email = self.email

    def clean(self) -> None:
        self.release_account_if_readdressed()
        # A delegation being added together with its participants has no id yet.
        has_delegation = self.delegation_id is not None or Participant.delegation.is_cached(self)
        delegation = self.delegation if has_delegation else None
        if delegation is not None and self.event_id and delegation.event_id != self.event_id:
            raise ValidationError({"delegation": _("The delegation belongs to another event.")})
        if self.role == Role.HEAD and delegation is None:
            raise ValidationError({"delegation": _("A head of delegation needs a delegation.")})
        self.email = self.email.strip().lower()


class ParticipantImport(TimeStampedModel):
    """A CSV file of participants being imported: checked, then confirmed, then written, each
    step by a worker (docs/decisions/020-background-imports.md). ``report`` holds the outcome,
    ``{"created", "updated", "unchanged", "problems": [{"row", "field", "message"}]}``;
    ``content`` the file until the import ends, then nothing."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="participant_imports", verbose_name=_("event")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    content = models.BinaryField(_("file"), blank=True)
    language = models.CharField(_("language of the report"), max_length=8, choices=settings.LANGUAGES, default="en")
    state = models.CharField(_("state"), max_length=16, choices=ImportState.choices, default=ImportState.QUEUED)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    report = models.JSONField(_("report"), default=dict, blank=True)
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("participant import")
        verbose_name_plural = _("participant imports")

    def __str__(self) -> str:
        return f"{self.filename or self.pk} ({self.state})"

    @property
    def is_running(self) -> bool:
        return self.state in (ImportState.QUEUED, ImportState.CHECKING, ImportState.IMPORTING)
