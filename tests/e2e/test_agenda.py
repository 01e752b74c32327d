"""A delegate's way in a browser: the sign-in link from the e-mail, their agenda, subscribing
their calendar, and giving the calendar a new address."""

import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from apps.delegations.models import Participant
from apps.programme.enums import Visibility
from tests.factories import SessionFactory
from tests.integration.notifications_support import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def expected(personas, publish):
    delegate = Participant.objects.get(user=personas.delegate)
    session = SessionFactory(
        event=personas.event, code="MA-BRIEF", title={"en": "Morocco briefing"}, visibility=Visibility.RESTRICTED
    )
    session.delegations.add(delegate.delegation)
    publish(personas.event)
    return delegate


@pytest.mark.parametrize("viewport", ["phone"])
def test_signing_in_with_the_e_mailed_link_opens_the_agenda(
    page, expected, screenshot, assert_accessible, assert_fits_viewport, live_server, worker
):
    # A participant who never signed in: the link makes their account.
    Participant.objects.filter(pk=expected.pk).update(user=None)
    page.goto("/events/ga-2025/me/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    assert_accessible(page)
    assert_fits_viewport(page)
    screenshot("sign-in")

    page.get_by_label("Your e-mail address").fill(expected.email)
    page.get_by_role("button", name="E-mail me a sign-in link").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    [message] = wait_until(lambda: mail.outbox, timeout=30, what="the worker to send the link")
    link = re.search(r"http://127\.0\.0\.1:8000(/accounts/email-link/\S+)", message.body)[1]
    page.goto(live_server.url + link)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/events/ga-2025/me/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My agenda")
    expect(page.locator("#mine ~ section").first).to_contain_text("Morocco briefing")
    assert_accessible(page)
    assert_fits_viewport(page)


def feed_address(page) -> str:
    return page.get_by_label("Address to paste in any other calendar").first.input_value()


@pytest.mark.parametrize("viewport", ["phone", "laptop"])
def test_subscribe_links_carry_the_personal_feed_address(
    page, personas, expected, login, assert_accessible, assert_fits_viewport
):
    login(personas.delegate)

    page.goto("/events/ga-2025/me/")

    address = feed_address(page)
    assert re.fullmatch(r"http://127\.0\.0\.1:8000/feeds/\d+/[\w-]+\.ics", address)
    webcal = page.get_by_role("link", name="Apple Calendar, Outlook, Thunderbird").first.get_attribute("href")
    assert webcal == "webcal://" + address.removeprefix("http://")
    google = page.get_by_role("link", name="Google Calendar").first.get_attribute("href")
    assert urlsplit(google)[:3] == ("https", "calendar.google.com", "/calendar/r")
    assert parse_qs(urlsplit(google).query) == {"cid": [webcal]}
    outlook = page.get_by_role("link", name="Outlook.com").first.get_attribute("href")
    assert parse_qs(urlsplit(outlook).query)["url"] == [address]
    expect(page.locator("figure.qr svg").first).to_be_visible()
    page.get_by_role("button", name="Copy").first.click()
    expect(page.locator("#feed-url-personal-status")).to_have_text("Copied.")
    assert_accessible(page)
    assert_fits_viewport(page)


def test_rotating_the_feed_link_retires_the_old_address(page, personas, expected, login, live_server):
    login(personas.delegate)
    page.goto("/events/ga-2025/me/")
    old = feed_address(page)
    assert page.request.get(live_server.url + urlsplit(old).path).status == 200

    page.get_by_role("button", name="Give my calendar a new address").click()

    expect(page.get_by_role("status").first).to_contain_text("Your calendar has a new address.")
    new = feed_address(page)
    assert new != old
    assert page.request.get(live_server.url + urlsplit(old).path).status == 410
    calendar = page.request.get(live_server.url + urlsplit(new).path)
    assert calendar.status == 200
    assert "SUMMARY:Morocco briefing" in unquote(calendar.text())


@pytest.mark.parametrize("viewport", ["phone"])
def test_agenda_in_arabic_reads_right_to_left(
    page, personas, expected, login, live_server, screenshot, assert_accessible, assert_fits_viewport
):
    login(personas.head)
    page.context.add_cookies([{"name": "django_language", "value": "ar", "url": live_server.url}])
    page.goto("/events/ga-2025/me/")

    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#members")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("My agenda")
    screenshot("agenda-ar")
    assert_accessible(page)
    assert_fits_viewport(page)
