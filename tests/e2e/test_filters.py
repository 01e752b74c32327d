"""Narrowing the programme in a browser, then its print view and a room's page."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from apps.programme.enums import SessionKind
from tests.factories import CASABLANCA, RoomFactory, SessionFactory

pytestmark = pytest.mark.django_db(transaction=True)


def at(hour: int) -> dt.datetime:
    return dt.datetime(2025, 11, 24, hour, 0, tzinfo=CASABLANCA)


@pytest.fixture
def day(event, publish):
    hall = RoomFactory(venue__event=event, name="Plenary Hall")
    annex = RoomFactory(venue=hall.venue, name="Annex B")
    SessionFactory(event=event, room=hall, title={"en": "Opening ceremony"}, kind=SessionKind.CEREMONY)
    SessionFactory(
        event=event,
        room=annex,
        title={"en": "African Regional Conference"},
        kind=SessionKind.REGIONAL,
        start=at(11),
        end=at(12),
    )
    publish(event)


@pytest.mark.parametrize("viewport", ["phone", "laptop"])
def test_filtering_by_kind_then_printing_the_day(page, day, screenshot, assert_accessible, assert_fits_viewport):
    page.goto("/events/ga-2025/?day=2025-11-24")
    expect(page.get_by_role("link", name="Opening ceremony")).to_be_visible()

    page.get_by_label("Kind").select_option(label="Regional conference")
    page.get_by_role("button", name="Show").click()

    expect(page).to_have_url(re.compile(r"kind=regional"))
    expect(page.get_by_role("link", name="African Regional Conference")).to_be_visible()
    expect(page.get_by_role("link", name="Opening ceremony")).to_have_count(0)
    assert_accessible(page)
    assert_fits_viewport(page)
    screenshot("filtered")

    page.get_by_role("link", name="Print this day").click()

    expect(page.locator("table.print-table tbody tr")).to_have_count(1)
    expect(page.locator("table.print-table")).to_contain_text("African Regional Conference")
    page.emulate_media(media="print")
    expect(page.locator("header.site")).to_be_hidden()
    assert_accessible(page)
    screenshot("print")


def test_room_page_from_the_programme(page, day, assert_accessible):
    page.goto("/events/ga-2025/?day=2025-11-24")

    page.get_by_role("link", name="Annex B").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Annex B")
    expect(page.get_by_role("link", name="African Regional Conference")).to_be_visible()
    expect(page.get_by_role("link", name="Opening ceremony")).to_have_count(0)
    assert_accessible(page)
