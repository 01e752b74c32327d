"""Every page, in each language, on a phone and on a laptop: the right language and direction,
nothing scrolling sideways, no serious accessibility violation. A screenshot of each.

Twice: on the fixtures below, and on the Marrakech sample exactly as ``make run`` loads it (its
204 delegations' full names fill the filters' choices, its titles are the real ones), with its
demo accounts signed in where a page needs someone."""

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import expect

from apps.accounts.demo import DEMO_ACCOUNTS
from apps.delegations.models import Participant
from apps.events.models import Event
from apps.programme.models import Session
from tests.factories import CASABLANCA, SessionFactory

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC = ["/events/{slug}/?day={day}", "/events/{slug}/sessions/{session}/", "/events/{slug}/rooms/{room}/"]
PUBLIC += ["/events/{slug}/print/?day={day}", "/accounts/login/", "/accounts/email-link/"]
PARTICIPANT = ["/events/{slug}/me/", "/events/{slug}/people/{member}/", "/events/{slug}/me/reminders/"]
ORGANIZER = [
    "/events/{slug}/organize/?day={day}",
    "/events/{slug}/organize/sessions/{session}/move/",
    "/events/{slug}/organize/conflicts/",
    "/events/{slug}/organize/conflicts/?kind=double_booked",
    "/events/{slug}/organize/publish/",
    "/events/{slug}/organize/publish/?kind=moved",
    "/events/{slug}/organize/audit/",
    "/events/{slug}/organize/participants/",
    "/events/{slug}/organize/imports/",
]


@dataclass(frozen=True)
class Assembly:
    """What the pages are about (``slug``, ``day``, a ``session`` code, a ``room`` and a
    ``member`` of the head's delegation), and who signs in for them."""

    slug: str
    day: str
    session: str
    room: int
    member: int
    head: Any
    organizer: Any


@pytest.fixture
def fixtures_assembly(personas, plenary, publish) -> Assembly:
    member = Participant.objects.get(user=personas.delegate)
    elections = SessionFactory(
        event=personas.event,
        room=plenary,
        code="PL-03",
        title={"en": "Elections"},
        start=dt.datetime(2025, 11, 24, 14, 0, tzinfo=CASABLANCA),
        end=dt.datetime(2025, 11, 24, 15, 0, tzinfo=CASABLANCA),
    )
    elections.delegations.add(member.delegation)
    publish(personas.event)
    return Assembly("ga-2025", "2025-11-24", "PL-02", plenary.pk, member.pk, personas.head, personas.organizer)


SAMPLE = "interpol-ga-2025"
# Left out of the sample's dump: what an emptied database gets back from the migrations
# (content types, permissions: the dump names them by natural key, and the Organizers group by
# its name), and traces of requests.
NOT_DUMPED = ["contenttypes", "auth.permission", "sessions", "admin.logentry", "axes"]


@pytest.fixture(scope="module")
def sample_dump(django_db_setup, django_db_blocker, tmp_path_factory) -> Path:
    """The Marrakech sample and its demo accounts, loaded once for the module by the command
    ``make run`` runs, and dumped to a file. A browser test's database is emptied after each
    test (the live server makes it transactional): each loads the dump back, several times faster
    than the import. Removed after the module, as the sample's own tests do."""
    path = tmp_path_factory.mktemp("sample") / "marrakech-2025.json"
    with django_db_blocker.unblock(), override_settings(DEMO_MODE=True):
        call_command("sample_load", "--demo-accounts", stdout=io.StringIO())
        excluded = [f"--exclude={label}" for label in NOT_DUMPED]
        call_command(
            "dumpdata", "--natural-foreign", "--natural-primary", *excluded, output=str(path), stdout=io.StringIO()
        )
        yield path
        Event.objects.filter(slug=SAMPLE).delete()
        get_user_model().objects.filter(username__in=DEMO_ACCOUNTS).delete()


@pytest.fixture
def sample_assembly(sample_dump: Path) -> Assembly:
    call_command("loaddata", str(sample_dump), stdout=io.StringIO())
    event = Event.objects.get(slug=SAMPLE)
    day = event.start_date
    # The first day's public session with the longest title: the page most likely to widen.
    sessions = Session.objects.published().filter(event=event, visibility="public", room__isnull=False)
    session = max(
        (s for s in sessions if s.start.astimezone(event.zone).date() == day), key=lambda s: len(s.title["en"])
    )
    head = Participant.objects.select_related("user").get(event=event, user__username="head")
    member = Participant.objects.get(event=event, user__username="delegate")
    organizer = event.organizers.get(username="organizer")
    return Assembly(event.slug, day.isoformat(), session.code, session.room_id, member.pk, head.user, organizer)


@pytest.fixture
def assembly(request, dataset: str) -> Assembly:
    return request.getfixturevalue(f"{dataset}_assembly")


@pytest.mark.parametrize("viewport", ["phone", "laptop"])
@pytest.mark.parametrize("language", ["ar", "en", "fr", "es"])
@pytest.mark.parametrize("dataset", ["fixtures", "sample"])
def test_every_page_in_every_language(
    page, assembly, login, live_server, language, screenshot, assert_accessible, assert_fits_viewport
):
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    visits = [(None, path) for path in PUBLIC]
    visits += [(assembly.head, path) for path in PARTICIPANT]
    visits += [(assembly.organizer, path) for path in ORGANIZER]

    for user, path in visits:
        if user is not None:
            login(user)
        url = path.format(**vars(assembly))
        response = page.goto(url)

        assert response.status == 200, url
        html = page.locator("html")
        expect(html).to_have_attribute("lang", language)
        expect(html).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
        assert_fits_viewport(page)
        assert_accessible(page)
        screenshot(url.split("?")[0].strip("/").replace("/", "_"))
