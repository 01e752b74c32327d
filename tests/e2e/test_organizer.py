"""The organizers' schedule grid in a browser: the working schedule, moving a session with
the form on its own page, and nothing at all for anyone else."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

GRID = "/events/ga-2025/organize/?day=2025-11-24"


@pytest.mark.parametrize("viewport", ["phone", "laptop"])
def test_grid_shows_the_working_schedule_to_the_organizer(
    page, personas, plenary, login, assert_accessible, assert_fits_viewport
):
    login(personas.organizer)

    page.goto(GRID)

    expect(page.get_by_role("heading", level=2)).to_have_text("Working schedule · Monday 24 November 2025")
    expect(page.get_by_role("heading", level=3)).to_contain_text("Plenary Hall")
    expect(page.locator(".zone").first).to_contain_text("Times are in event time, Africa/Casablanca (UTC+01:00).")
    expect(page.locator("#session-PL-01")).to_have_text("09:00–10:00 Opening PL-01 · Confirmed")
    expect(page.locator("#session-PL-02")).to_have_text("11:00–12:00 Budget PL-02 · Confirmed ⚠ 1 warning")
    assert_accessible(page)
    assert_fits_viewport(page)


@pytest.mark.parametrize("viewport", ["phone", "laptop"])
def test_moving_a_session_with_the_form_on_its_page(
    page, personas, plenary, login, screenshot, assert_accessible, assert_fits_viewport
):
    login(personas.organizer)
    page.goto(GRID)
    slot = page.locator("#session-PL-02")

    slot.get_by_role("link", name="Budget").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("Budget PL-02")
    expect(page.locator(".warnings")).to_have_text(
        "⚠ Plenary Hall has no interpretation booth for ar, needed by PL-02."
    )
    page.get_by_label("Start").fill("14:00")
    page.get_by_label("End").fill("15:30")
    assert_accessible(page)
    assert_fits_viewport(page)
    screenshot("form")
    page.get_by_role("button", name="Move").click()

    expect(page.get_by_role("status")).to_have_text("PL-02 moved.")
    expect(page).to_have_url(GRID)
    expect(slot).to_contain_text("14:00–15:30 Budget PL-02")
    assert_accessible(page)


def test_a_refused_move_is_explained_on_the_sessions_page(page, personas, plenary, login, assert_accessible):
    login(personas.organizer)
    page.goto("/events/ga-2025/organize/sessions/PL-02/move/")

    page.get_by_label("Start").fill("09:30")
    page.get_by_label("End").fill("10:30")
    page.get_by_role("button", name="Move").click()

    expect(page.locator(".errorlist")).to_have_text("The room already holds PL-01 at that time.")
    expect(page.get_by_label("Start")).to_have_value("09:30")
    assert_accessible(page)


def test_grid_and_sessions_page_in_arabic_on_a_phone(page, personas, plenary, login, live_server, assert_accessible):
    page.set_viewport_size({"width": 375, "height": 740})
    page.context.add_cookies([{"name": "django_language", "value": "ar", "url": live_server.url}])
    login(personas.organizer)

    page.goto(GRID)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#session-PL-02 time").first).to_have_text("11:00")
    assert_accessible(page)
    page.locator("#session-PL-02 a").click()

    expect(page.get_by_role("heading", level=2)).to_contain_text("PL-02")
    assert_accessible(page)


def test_grid_is_not_found_for_a_delegate_of_another_delegation(page, personas, plenary, login):
    login(personas.outsider)

    response = page.goto(GRID)

    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.locator("body")).not_to_contain_text("Budget")


def test_grid_asks_a_visitor_to_sign_in_and_opens_for_the_organizer(
    page, personas, plenary, screenshot, assert_accessible
):
    page.goto(GRID)

    expect(page).to_have_url("/accounts/login/?next=/events/ga-2025/organize/%3Fday%3D2025-11-24")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.locator("body")).not_to_contain_text("Budget")
    assert_accessible(page)
    screenshot("sign-in")

    page.get_by_role("textbox", name=re.compile(r"^user ?name", re.IGNORECASE)).fill("organizer")
    page.get_by_role("textbox", name=re.compile(r"^password", re.IGNORECASE)).fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page).to_have_url(GRID)
    expect(page.locator("#session-PL-02")).to_contain_text("Budget")
