import pytest
from django.core.exceptions import ValidationError

from apps.events.models import Event
from tests.factories import EventFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db


def test_unknown_timezone_is_refused_by_name():
    event = EventFactory.build(timezone="Mars/Olympus_Mons")

    with pytest.raises(ValidationError) as error:
        event.full_clean()

    assert error.value.message_dict == {
        "timezone": ["Mars/Olympus_Mons is not an IANA time zone (such as Africa/Casablanca)."]
    }


def test_last_day_before_first_day_is_refused():
    event = EventFactory.build(start_date="2025-11-27", end_date="2025-11-24")

    with pytest.raises(ValidationError) as error:
        event.full_clean()

    assert error.value.message_dict["end_date"] == ["The last day cannot be before the first day."]


def test_bad_reminder_lead_times_are_refused():
    event = EventFactory.build(reminder_lead_minutes=[15, -5])

    with pytest.raises(ValidationError) as error:
        event.full_clean()

    assert list(error.value.message_dict) == ["reminder_lead_minutes"]


def test_event_defaults_and_days():
    event = EventFactory()

    assert event.reminder_lead_minutes == [1440, 15]
    assert [day.isoformat() for day in event.days] == ["2025-11-24", "2025-11-25", "2025-11-26", "2025-11-27"]
    assert str(event) == f"Assembly {event.slug}"
    assert event.display_name("fr") == f"Assemblée {event.slug}"


def test_organizers_are_the_team_and_superusers():
    event = EventFactory()
    member = UserFactory()
    event.organizers.add(member)

    assert event.is_organizer(member)
    assert event.is_organizer(UserFactory(is_superuser=True))
    assert not event.is_organizer(UserFactory())


def test_venue_must_close_after_it_opens():
    venue = VenueFactory.build(event=EventFactory(), opens="22:00", closes="07:00")

    with pytest.raises(ValidationError) as error:
        venue.full_clean()

    assert error.value.message_dict == {"closes": ["The venue must close after it opens."]}


def test_event_slug_is_unique():
    EventFactory(slug="ga")

    with pytest.raises(ValidationError):
        EventFactory.build(slug="ga").full_clean()
    assert Event.objects.count() == 1
