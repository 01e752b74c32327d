from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.delegations.models import Delegation, Participant
from apps.events.models import Event
from apps.kernel.db import TimeStampedModel


class FeedKind(models.TextChoices):
    PERSONAL = "personal", _("Personal")
    DELEGATION = "delegation", _("Delegation")


class Feed(TimeStampedModel):
    """A private calendar feed: a participant's agenda, or a delegation's for its staff.

    Its token is never stored: it is derived from a server secret, the feed's id and its
    ``version`` (:mod:`apps.feeds.tokens`), so a page can show the link again. Rotating
    raises the version, and the old link answers 410 Gone, as does a revoked feed.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="feeds", verbose_name=_("event"))
    kind = models.CharField(_("kind"), max_length=16, choices=FeedKind.choices)
    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, null=True, blank=True, related_name="feed", verbose_name=_("participant")
    )
    delegation = models.OneToOneField(
        Delegation, on_delete=models.CASCADE, null=True, blank=True, related_name="feed", verbose_name=_("delegation")
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=FeedKind.PERSONAL, participant__isnull=False, delegation__isnull=True))
                | (Q(kind=FeedKind.DELEGATION, delegation__isnull=False, participant__isnull=True)),
                name="feed_owner_matches_kind",
            )
        ]

    def __str__(self) -> str:
        owner = self.participant if self.kind == FeedKind.PERSONAL else self.delegation
        return f"{self.get_kind_display()} feed of {owner}"
