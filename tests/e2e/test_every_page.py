"""Every page, in each language, on a phone and on a laptop: the right language and direction,
nothing scrolling sideways, no serious accessibility violation. A screenshot of each."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from apps.delegations.models import Participant
from tests.factories import CASABLANCA, SessionFactory

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC = ["/events/ga-2025/?day=2025-11-24", "/events/ga-2025/sessions/PL-02/", "/events/ga-2025/rooms/{room}/"]
PUBLIC += ["/events/ga-2025/print/?day=2025-11-24", "/accounts/login/", "/accounts/email-link/"]
PARTICIPANT = ["/events/ga-2025/me/", "/events/ga-2025/people/{member}/", "/events/ga-2025/me/reminders/"]
ORGANIZER = [
    "/events/ga-2025/organize/?day=2025-11-24",
    "/events/ga-2025/organize/conflicts/",
    "/events/ga-2025/organize/publish/",
    "/events/ga-2025/organize/audit/",
    "/events/ga-2025/organize/participants/",
    "/events/ga-2025/organize/imports/",
]


@pytest.fixture
def assembly(personas, plenary, publish):
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
    return {"room": plenary.pk, "member": member.pk}


@pytest.mark.parametrize("viewport", ["phone", "laptop"])
@pytest.mark.parametrize("language", ["ar", "en", "fr", "es"])
def test_every_page_in_every_language(
    page, personas, assembly, login, live_server, language, screenshot, assert_accessible, assert_fits_viewport
):
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    visits = [(None, path) for path in PUBLIC]
    visits += [(personas.head, path) for path in PARTICIPANT]
    visits += [(personas.organizer, path) for path in ORGANIZER]

    for user, path in visits:
        if user is not None:
            login(user)
        url = path.format(**assembly)
        response = page.goto(url)

        assert response.status == 200, url
        html = page.locator("html")
        expect(html).to_have_attribute("lang", language)
        expect(html).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
        assert_fits_viewport(page)
        assert_accessible(page)
        screenshot(url.split("?")[0].strip("/").replace("/", "_"))
