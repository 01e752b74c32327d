"""Try a reminder end to end: a session starting in a few minutes, reminded 2 minutes before."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from apps.delegations.models import Participant
from apps.events.models import Event, Room, Venue
from apps.kernel.persistence import validated_save
from apps.programme.models import Session
from apps.programme.services import schedule_publish, session_save

from ...services.preferences import reminder_preference_update

SLUG = "reminder-demo"


class Command(BaseCommand):
    help = (
        "Make (or move) a published session of a 'reminder-demo' event start in a few minutes, "
        "with the demo delegate reminded 2 minutes before: the worker writes the e-mail under "
        "var/mail/ (or sends it by SMTP) when it is due. Needs DEMO_MODE."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--minutes", type=int, default=5, help="Start the session this many minutes from now.")
        parser.add_argument("--lead", type=int, default=2, help="Remind this many minutes before.")

    def handle(self, *args: Any, minutes: int, lead: int, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("reminder_demo only runs with DEMO_MODE=1 (make run sets it).")
        if not 0 < lead < minutes <= 600:
            raise CommandError("Use 0 < --lead < --minutes <= 600.")
        user = get_user_model().objects.filter(username="delegate").first()
        if user is None:
            raise CommandError("The demo accounts are missing: run `make run` once first.")
        now = timezone.now()
        start = (now + dt.timedelta(minutes=minutes)).replace(second=0, microsecond=0)
        event = Event.objects.filter(slug=SLUG).first() or Event(slug=SLUG)
        validated_save(
            event,
            data={
                "name": {"en": "Reminder demo", "fr": "Démonstration des rappels"},
                "timezone": "Africa/Casablanca",
                "start_date": min(event.start_date or start.date(), (now - dt.timedelta(days=1)).date()),
                "end_date": max(event.end_date or start.date(), (start + dt.timedelta(days=1)).date()),
                "languages": ["ar", "en", "fr", "es"],
            },
        )
        venue, _ = Venue.objects.get_or_create(event=event, name="Demo venue")
        room, _ = Room.objects.get_or_create(venue=venue, name="Demo room", defaults={"capacity": 20})
        participant = Participant.objects.filter(event=event, user=user).first() or Participant(event=event, user=user)
        validated_save(
            participant,
            data={"first_name": "Salma", "last_name": "Exemple", "email": user.email or "delegate@example.org"},
        )
        reminder_preference_update(participant=participant, data={"lead_minutes": [lead], "channels": ["email"]})
        session = Session.objects.working().filter(event=event, code="DEMO").first() or Session(
            event=event, code="DEMO"
        )
        session_save(
            session=session,
            data={
                "title": {"en": "Reminder demo session", "fr": "Séance de démonstration"},
                "room": room,
                "start": start,
                "end": start + dt.timedelta(minutes=30),
                "status": "confirmed",
                "participants": [participant],
            },
        )
        version = schedule_publish(event=event, note="reminder demo", confirm_warnings=True)
        local = start.astimezone(event.zone)
        self.stdout.write(
            f"Session DEMO starts at {local:%H:%M} ({event.timezone}), version {version.number} published; "
            f"the reminder to {participant.email} is due at {local - dt.timedelta(minutes=lead):%H:%M}."
        )
