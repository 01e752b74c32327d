"""A session's page in a browser: when, where, what kind, in which languages, and its
calendar file."""

import pytest
from playwright.sync_api import expect

from tests.factories import RoomFactory, SessionFactory

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = "/events/ga-2025/sessions/GA-OPEN/"


@pytest.fixture
def opening(event, publish):
    room = RoomFactory(venue__event=event, name="Plenary Hall", venue__name="Palais des Congrès")
    SessionFactory(event=event, room=room, code="GA-OPEN", title={"en": "Opening ceremony"}, languages=["ar", "fr"])
    publish(event)


def fact(page, term: str):
    """The description of ``term`` in the page's facts."""
    return page.locator(f"dl.facts dt:text-is('{term}') + dd")


@pytest.mark.parametrize("viewport", ["phone", "laptop"])
def test_session_page_shows_when_where_kind_and_languages(page, opening, assert_accessible, assert_fits_viewport):
    page.goto(PAGE)

    expect(page.get_by_role("heading", level=1)).to_have_text("Opening ceremony")
    expect(fact(page, "When")).to_have_text("Monday 24 November 2025, 09:00–10:00 UTC+01:00 (Africa/Casablanca)")
    expect(fact(page, "Where")).to_have_text("Plenary Hall, Palais des Congrès")
    expect(fact(page, "Kind")).to_have_text("Plenary")
    expect(fact(page, "Languages")).to_have_text("العربيّة, français")
    assert_accessible(page)
    assert_fits_viewport(page)


def test_session_download_is_a_calendar_file(page, opening):
    page.goto(PAGE)
    link = page.get_by_role("link", name="Download (.ics)")

    response = page.request.get(link.get_attribute("href"))

    assert (response.status, response.headers["content-type"]) == (200, "text/calendar; charset=utf-8")
    assert response.headers["content-disposition"] == 'attachment; filename="ga-open.ics"'
    body = response.text()
    assert body.startswith("BEGIN:VCALENDAR\r\n")
    assert "SUMMARY:Opening ceremony\r\n" in body
