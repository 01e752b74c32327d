from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from apps.kernel.db import TimeStampedModel


class ApiToken(TimeStampedModel):
    """A bearer token for the REST API (``Authorization: Token <token>``).

    Only the SHA-256 of the token is stored: the token is shown once, when it is made. A
    user may hold several (one per script or device) and revoke each.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100, blank=True, help_text=_("What the token is for."))
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        _("prefix"),
        max_length=8,
        editable=False,
        help_text=_("The token's first characters, to recognise it."),
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyKey(models.Model):
    """The first answer to a create sent with an ``Idempotency-Key`` header, replayed on retries.

    Keys are per user and live for :data:`apps.accounts.services.IDEMPOTENCY_TTL`; an older
    key is forgotten when it is used again.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the method, path and body.")
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]

    def __str__(self) -> str:
        return self.key


class SignInLink(TimeStampedModel):
    """A one-time sign-in link e-mailed to an address.

    Only the SHA-256 of the link's token is stored. A link works once, before
    ``expires_at``; using it marks ``used_at``.
    """

    email = models.EmailField(_("e-mail"), db_index=True)
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("sign-in link")
        verbose_name_plural = _("sign-in links")

    def __str__(self) -> str:
        return f"{self.email} ({self.created_at:%Y-%m-%d %H:%M})"


class VerifiedEmail(TimeStampedModel):
    """An address its account's owner proved to read, by using a link sent to it.

    An e-mailed sign-in link signs in only the account that holds its address here; a
    participant's address typed by someone else is never one of these until its owner uses
    a link sent to it. An address belongs to one account at most.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="verified_emails",
        verbose_name=_("user"),
    )
    email = models.EmailField(_("e-mail"))

    class Meta:
        ordering = ["email"]
        verbose_name = _("verified e-mail address")
        verbose_name_plural = _("verified e-mail addresses")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="verified_email_unique"),
        ]

    def __str__(self) -> str:
        return self.email
