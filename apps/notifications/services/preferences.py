"""A participant's wishes: lead times, channels, language, the daily digest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.delegations.models import Participant
from apps.kernel.persistence import validated_save

from ..models import ReminderPreference
from .planning import reminders_replan

PREFERENCE_FIELDS = ("lead_minutes", "channels", "digest_hour")


def reminder_preference_update(
    *, participant: Participant, data: Mapping[str, Any], now: dt.datetime | None = None
) -> ReminderPreference:
    """Change what ``participant`` wants (``lead_minutes``, ``channels``, ``digest_hour``,
    ``language``; a missing key keeps its value) and plan their reminders again, so that a
    new lead time already planned for the next hour is not lost. Raises ``ValidationError``
    naming the field; nothing is saved then."""
    unknown = set(data) - {*PREFERENCE_FIELDS, "language"}
    if unknown:
        raise ValidationError({name: "Unknown field." for name in sorted(unknown)})
    with transaction.atomic():
        preference = ReminderPreference.objects.select_for_update().filter(participant=participant).first()
        preference = preference or ReminderPreference(participant=participant)
        if "language" in data and data["language"] != participant.language:
            validated_save(participant, data={"language": data["language"]})
        validated_save(preference, data={name: data[name] for name in PREFERENCE_FIELDS if name in data})
        reminders_replan(event=participant.event, now=now or timezone.now(), participant_ids=[participant.pk])
    return preference
