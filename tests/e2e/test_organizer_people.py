"""Organizers' participants and imports pages in a browser, and the keyboard's way in."""

import pytest
from playwright.sync_api import expect

from apps.delegations.models import Participant

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("viewport", ["phone", "laptop"])
def test_organizer_finds_a_participant_and_opens_their_agenda(
    page, personas, login, screenshot, assert_accessible, assert_fits_viewport
):
    head = Participant.objects.get(user=personas.head)
    login(personas.organizer)
    page.goto("/events/ga-2025/organize/")

    page.get_by_role("navigation", name="Organizer pages").get_by_role("link", name="Participants").click()
    page.get_by_label("Role").select_option("head")
    page.get_by_role("button", name="Search").click()

    rows = page.locator("table.participants tbody tr")
    expect(rows).to_have_count(1)
    assert_accessible(page)
    assert_fits_viewport(page)
    screenshot("participants")
    rows.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Agenda of Sam {head.last_name}")


def test_import_reports_problems_by_row(page, personas, login, tmp_path, worker, screenshot, assert_accessible):
    login(personas.organizer)
    upload = tmp_path / "people.csv"
    upload.write_text("delegation,first_name,last_name,email\nMA,Nadia,Tazi,nadia@police.ma\nZZ,Ana,Lima,ana@x.org\n")
    page.goto("/events/ga-2025/organize/imports/")

    page.get_by_label("CSV file of participants").set_input_files(upload)
    page.get_by_role("button", name="Check the file").click()

    # The worker checks the file while the page shows its progress and reads itself again.
    expect(page.get_by_role("heading", name="Nothing was imported")).to_be_visible(timeout=30_000)
    expect(page.locator("table.problems tbody tr").first).to_contain_text("3")
    assert not Participant.objects.filter(email="nadia@police.ma").exists()
    assert_accessible(page)
    screenshot("report")


def test_import_is_checked_then_confirmed_then_written(page, personas, login, tmp_path, worker, assert_accessible):
    login(personas.organizer)
    upload = tmp_path / "people.csv"
    upload.write_text("delegation,first_name,last_name,email\nMA,Nadia,Tazi,nadia@police.ma\n")
    page.goto("/events/ga-2025/organize/imports/")

    page.get_by_label("CSV file of participants").set_input_files(upload)
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="The file is right")).to_be_visible(timeout=30_000)
    assert_accessible(page)
    page.get_by_role("button", name="Import").click()

    expect(page.get_by_role("heading", name="Imported", exact=True)).to_be_visible(timeout=30_000)
    expect(page.get_by_role("status")).to_have_text("Imported: 1 new, 0 updated, 0 unchanged.")
    assert Participant.objects.filter(email="nadia@police.ma").exists()


def test_keyboard_reaches_the_content_first(page, event):
    page.goto("/events/ga-2025/?day=2025-11-24")

    page.keyboard.press("Tab")

    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
