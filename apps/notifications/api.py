"""The caller's reminder settings in the API (``me/reminders``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.delegations.api import MyRegistrationMixin
from apps.delegations.models import Participant
from apps.kernel.api import StrictFieldsMixin

from .enums import Channel
from .selectors import preference_of, wishes_of
from .services.preferences import reminder_preference_update


class ReminderSettingsSerializer(StrictFieldsMixin, serializers.Serializer):
    lead_minutes = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=60 * 24 * 14),
        allow_null=True,
        max_length=10,
        help_text="Minutes before each session, such as [1440, 15]; null for the event's defaults; [] for none.",
    )
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices),
        max_length=len(Channel.choices),
        help_text="How reminders, digests and change notices arrive; [] turns them all off.",
    )
    digest_hour = serializers.IntegerField(
        min_value=0,
        max_value=23,
        allow_null=True,
        help_text="Local hour of the 'your day tomorrow' e-mail; null for none.",
    )
    language = serializers.ChoiceField(choices=settings.LANGUAGES)
    uses_event_defaults = serializers.BooleanField(read_only=True)
    event_lead_minutes = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    effective_lead_minutes = serializers.ListField(child=serializers.IntegerField(), read_only=True)


def reminder_settings(participant: Participant) -> dict[str, Any]:
    preference = preference_of(participant)
    wishes = wishes_of(participant, preference, participant.event)
    return {
        "lead_minutes": preference.lead_minutes if preference else None,
        "channels": list(wishes.channels),
        "digest_hour": wishes.digest_hour,
        "language": participant.language,
        "uses_event_defaults": preference is None or preference.lead_minutes is None,
        "event_lead_minutes": participant.event.reminder_lead_minutes,
        "effective_lead_minutes": sorted(wishes.lead_minutes, reverse=True),
    }


class MyRemindersView(MyRegistrationMixin, APIView):
    """The caller's reminders: lead times (or the event's defaults), channels, language and
    the daily digest. Only participants of the event have them; anyone else gets 404."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=ReminderSettingsSerializer)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(ReminderSettingsSerializer(reminder_settings(self.my_participant())).data)

    @extend_schema(request=ReminderSettingsSerializer, responses=ReminderSettingsSerializer)
    def put(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._save(request, partial=False)

    @extend_schema(request=ReminderSettingsSerializer, responses=ReminderSettingsSerializer)
    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._save(request, partial=True)

    def _save(self, request: Request, *, partial: bool) -> Response:
        me = self.my_participant()
        serializer = ReminderSettingsSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        reminder_preference_update(participant=me, data=serializer.validated_data)
        me.refresh_from_db()
        return Response(ReminderSettingsSerializer(reminder_settings(me)).data)
