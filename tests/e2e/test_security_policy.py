"""Pages that run the most script work under the Content-Security-Policy: the API reference
(Swagger UI) and the admin's forms; the lockout page after password guessing. The ``page``
fixture fails a test on any violation of the policy the browser reports."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_api_reference_works_under_the_policy(page):
    page.goto("/api/docs/")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("gaplanner API")
    expect(page.locator(".opblock-tag-section").first).to_be_visible()
    page.locator(".opblock-summary").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()


def test_the_admin_forms_work_under_the_policy(page, personas, plenary, login):
    personas.organizer.is_superuser = personas.organizer.is_staff = True
    personas.organizer.save()
    login(personas.organizer)

    page.goto("/admin/programme/session/")
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_contain_text("2 of 2 selected")
    page.goto("/admin/events/event/add/")
    page.locator("#id_start_date").fill("2026-11-23")
    expect(page.locator(".datetimeshortcuts").first).to_be_visible()


def test_password_guessing_ends_on_the_lockout_page(page, personas, assert_accessible):
    page.goto("/accounts/login/")
    for n in range(10):
        page.get_by_role("textbox", name="User name or e-mail address").fill("organizer")
        page.get_by_role("textbox", name="Password").fill(f"guess-{n}")
        page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in blocked")
    expect(page.get_by_role("alert")).to_contain_text("Signing in with a password is blocked for 30 minutes.")
    assert_accessible(page)
