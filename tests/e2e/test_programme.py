"""The public programme in a browser: a day's sessions in event time, the way to a session's
page, and the language switcher; accessible, and readable on a phone."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import RoomFactory, SessionFactory

pytestmark = pytest.mark.django_db(transaction=True)

DAY = "/events/ga-2025/?day=2025-11-24"


@pytest.fixture
def opening(event, publish):
    room = RoomFactory(venue__event=event, name="Plenary Hall", venue__name="Palais des Congrès")
    SessionFactory(event=event, room=room, code="GA-OPEN", title={"en": "Opening ceremony", "ar": "حفل الافتتاح"})
    publish(event)


@pytest.mark.parametrize("viewport", ["phone", "laptop"])
def test_programme_lists_a_session_in_event_time_and_opens_its_page(
    page, opening, screenshot, assert_accessible, assert_fits_viewport
):
    page.goto(DAY)

    item = page.get_by_role("listitem").filter(has=page.get_by_role("link", name="Opening ceremony"))
    expect(item.locator("time").first).to_have_text("09:00")
    expect(item.locator("time").first).to_have_attribute("datetime", "2025-11-24T09:00:00+01:00")
    expect(item).to_contain_text("UTC+01:00")
    assert_accessible(page)
    assert_fits_viewport(page)
    screenshot("programme")

    item.get_by_role("link", name="Opening ceremony").click()

    expect(page).to_have_url(re.compile(r"/events/ga-2025/sessions/GA-OPEN/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Opening ceremony")


def test_programme_in_arabic_from_the_language_switcher_is_remembered(page, opening, screenshot, assert_accessible):
    page.goto(DAY)

    page.locator("select#language").select_option("ar")
    page.get_by_role("button", name="Change").click()

    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    expect(page).to_have_url(re.compile(r"/events/ga-2025/\?day=2025-11-24$"))
    expect(page.get_by_role("link", name="حفل الافتتاح")).to_be_visible()
    assert_accessible(page)
    screenshot("programme")

    page.goto("/events/ga-2025/sessions/GA-OPEN/")

    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", level=1)).to_have_text("حفل الافتتاح")
    language = [(c["name"], c["value"]) for c in page.context.cookies() if c["name"] == "django_language"]
    assert language == [("django_language", "ar")]
