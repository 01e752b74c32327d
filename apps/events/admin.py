from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.kernel.organizer_admin import EventScopedAdmin, EventScopedInline, language_list_field
from apps.kernel.timezones import available_zones

from .models import Event, Room, Venue


def _zone_choices() -> list[tuple[str, str]]:
    return [("", "---------")] + [(z, z) for z in sorted(available_zones())]


class EventForm(forms.ModelForm):
    languages = language_list_field(_("working languages"))
    timezone = forms.ChoiceField(label=_("time zone"), choices=_zone_choices)

    class Meta:
        model = Event
        fields = "__all__"


class RoomForm(forms.ModelForm):
    booths = language_list_field(_("interpretation booths"))

    class Meta:
        model = Room
        fields = "__all__"


class VenueInline(EventScopedInline):
    model = Venue
    fields = ["name", "address", "opens", "closes"]


class RoomInline(EventScopedInline):
    model = Room
    form = RoomForm
    fields = ["name", "kind", "capacity", "booths"]


@admin.register(Event)
class EventAdmin(EventScopedAdmin):
    event_path = ""
    form = EventForm
    list_display = ["slug", "__str__", "start_date", "end_date", "timezone"]
    search_fields = ["slug", "name"]
    list_filter = ["start_date"]
    filter_horizontal = ["organizers"]
    prepopulated_fields = {}
    inlines = [VenueInline]


@admin.register(Venue)
class VenueAdmin(EventScopedAdmin):
    list_display = ["name", "event", "address", "opens", "closes"]
    list_filter = ["event"]
    search_fields = ["name", "address"]
    inlines = [RoomInline]


@admin.register(Room)
class RoomAdmin(EventScopedAdmin):
    event_path = "venue__event"
    form = RoomForm
    list_display = ["name", "venue", "kind", "capacity", "booths"]
    list_filter = ["venue__event", "kind", "venue"]
    search_fields = ["name", "venue__name"]
    list_select_related = ["venue"]
