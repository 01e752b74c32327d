"""Planning change notices is set-based: the same queries for 3 people as for 30 (and so for
60,000), and the same rule as ever for who is told."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.notifications.enums import NotificationKind
from apps.notifications.models import Notification, ReminderPreference
from apps.notifications.services.notices import publication_plan
from apps.programme.services import session_save
from tests.factories import DelegationFactory, EventFactory, ParticipantFactory, SessionFactory


def moved(publish, *, slug: str, people: int):
    """An event whose plenary expects a delegation of ``people``, published, then moved and
    published again: the second version, and the delegation."""
    event = EventFactory(slug=slug)
    delegation = DelegationFactory(event=event)
    ParticipantFactory.create_batch(people, event=event, delegation=delegation)
    plenary = SessionFactory(event=event, audience={"delegations": [delegation]})
    publication_plan(version=publish(event))
    session_save(
        session=plenary,
        data={"start": plenary.start + dt.timedelta(hours=2), "end": plenary.end + dt.timedelta(hours=2)},
    )
    return publish(event), delegation


def test_planning_notices_costs_the_same_queries_for_3_and_30_people(db, publish):
    counts = []
    for slug, people in (("small", 3), ("large", 30)):
        version, _delegation = moved(publish, slug=slug, people=people)
        with CaptureQueriesContext(connection) as queries:
            planned = publication_plan(version=version)
        counts.append((planned, len(queries)))

    (three, small_queries), (thirty, large_queries) = counts
    assert (three, thirty) == (3, 30)
    assert small_queries == large_queries


def test_only_those_expected_and_reached_by_e_mail_are_told(db, publish):
    version, delegation = moved(publish, slug="rules", people=0)
    event = version.event
    told = ParticipantFactory(event=event, delegation=delegation)
    chose_email = ParticipantFactory(event=event, delegation=delegation)
    ReminderPreference.objects.create(participant=chose_email, channels=["email"], lead_minutes=[15])
    turned_off = ParticipantFactory(event=event, delegation=delegation)
    ReminderPreference.objects.create(participant=turned_off, channels=[])
    ParticipantFactory(event=event, delegation=delegation, email="")
    ParticipantFactory(event=event, delegation=delegation, is_active=False)
    ParticipantFactory(event=event)  # another delegation: not expected

    planned = publication_plan(version=version)

    notices = Notification.objects.filter(kind=NotificationKind.CHANGES)
    assert planned == 2
    assert sorted(notices.values_list("participant", "version_from", "version_to")) == sorted(
        [(told.pk, version.number, version.number), (chose_email.pk, version.number, version.number)]
    )
