"""No page makes more queries for a bigger programme: each page, at 1 and 3 sessions (with
their audience, changes, warnings and audit entries), makes the same number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.delegations.models import Participant
from apps.programme.services import session_save
from tests.factories import CASABLANCA, RoomFactory, SessionFactory

pytestmark = pytest.mark.django_db

# Literal counts: what a page costs whatever the programme's size.
PAGES = {
    "/events/ga-2025/sessions/S-Q0/": ("delegate", 9),  # with how it stands in the delegate's agenda
    "/events/ga-2025/people/{delegate}/": ("head", 7),
    "/events/ga-2025/me/reminders/": ("delegate", 6),
    # The warnings computed (the schedule's fingerprint, then the whole audit) and kept.
    "/events/ga-2025/organize/conflicts/": ("organizer", 11),
    "/events/ga-2025/organize/publish/": ("organizer", 26),
    "/events/ga-2025/organize/publish/?kind=changed&warnings=capacity": ("organizer", 27),  # and the rooms' names
    "/events/ga-2025/organize/conflicts/?kind=capacity": ("organizer", 11),
    "/events/ga-2025/organize/sessions/S-Q0/move/": ("organizer", 13),
    "/events/ga-2025/organize/audit/": ("organizer", 6),
    "/events/ga-2025/organize/imports/": ("organizer", 5),  # with the recent imports
}


def at(hour: int) -> dt.datetime:
    return dt.datetime(2025, 11, 24, hour, 0, tzinfo=CASABLANCA)


@pytest.fixture
def programme(personas, publish, request):
    size = request.param
    delegate = Participant.objects.get(user=personas.delegate)
    room = RoomFactory(venue__event=personas.event, capacity=1, booths=[])
    for n in range(size):
        session = SessionFactory(event=personas.event, room=room, code=f"S-Q{n}", start=at(8 + n), end=at(9 + n))
        session.participants.add(delegate)
        session.delegations.add(delegate.delegation)
    publish(personas.event)
    for session in personas.event.sessions.filter(is_published=False):
        # A change waiting to be published, and an audit entry, per session.
        session_save(session=session, data={"expected_attendance": 50})
    return delegate


@pytest.mark.parametrize("programme", [1, 3], indirect=True)
@pytest.mark.parametrize("path", PAGES)
def test_page_queries_do_not_grow_with_the_programme(client, personas, programme, path):
    who, expected = PAGES[path]
    client.force_login(getattr(personas, who))
    url = path.format(delegate=programme.pk)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)

    assert response.status_code == 200
    assert len(queries) == expected
