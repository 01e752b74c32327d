"""factory-boy factories: every object valid, in the Marrakech 2025 event's shape by default."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from apps.delegations.enums import DelegationKind, Role
from apps.delegations.models import Delegation, Participant
from apps.events.enums import RoomKind
from apps.events.models import Event, Room, Venue
from apps.programme.enums import SessionKind, SessionStatus, Visibility
from apps.programme.models import Session

CASABLANCA = dt.timezone(dt.timedelta(hours=1))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    slug = factory.Sequence(lambda n: f"assembly-{n}")
    name = factory.LazyAttribute(lambda event: {"en": f"Assembly {event.slug}", "fr": f"Assemblée {event.slug}"})
    timezone = "Africa/Casablanca"
    start_date = dt.date(2025, 11, 24)
    end_date = dt.date(2025, 11, 27)
    languages = factory.LazyFunction(lambda: ["ar", "en", "fr", "es"])


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"Venue {n}")


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    venue = factory.SubFactory(VenueFactory)
    name = factory.Sequence(lambda n: f"Room {n}")
    kind = RoomKind.MEETING
    capacity = 100
    booths = factory.LazyFunction(lambda: ["en", "fr"])


class DelegationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delegation

    event = factory.SubFactory(EventFactory)
    kind = DelegationKind.MEMBER
    country = factory.Iterator(["MA", "FR", "BR", "JP", "KE", "DE", "AR", "IN"])
    region = ""


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    event = factory.SubFactory(EventFactory)
    delegation = factory.SubFactory(DelegationFactory, event=factory.SelfAttribute("..event"))
    role = Role.DELEGATE
    first_name = "Sam"
    last_name = factory.Sequence(lambda n: f"Example{n}")
    email = factory.LazyAttribute(lambda p: f"{p.last_name.lower()}@example.org")
    language = "en"


class SessionFactory(factory.django.DjangoModelFactory):
    """A confirmed public plenary on the event's first day, 09:00–10:00 event time (+01:00)."""

    class Meta:
        model = Session
        skip_postgeneration_save = True

    event = factory.SubFactory(EventFactory)
    code = factory.Sequence(lambda n: f"S-{n:04d}")
    kind = SessionKind.PLENARY
    title = factory.Sequence(lambda n: {"en": f"Session {n}", "fr": f"Séance {n}"})
    room = factory.SubFactory(RoomFactory, venue__event=factory.SelfAttribute("...event"))
    start = dt.datetime(2025, 11, 24, 9, 0, tzinfo=CASABLANCA)
    end = dt.datetime(2025, 11, 24, 10, 0, tzinfo=CASABLANCA)
    status = SessionStatus.CONFIRMED
    visibility = Visibility.PUBLIC
    languages = factory.LazyFunction(lambda: ["en", "fr"])

    @factory.post_generation
    def audience(self, create: bool, extracted: dict | None, **kwargs: object) -> None:
        if create and extracted:
            self.participants.set(extracted.get("participants", []))
            self.delegations.set(extracted.get("delegations", []))
