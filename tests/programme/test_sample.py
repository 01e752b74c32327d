"""The Marrakech 2025 sample, as `make run` loads it."""

import datetime as dt

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.test import RequestFactory, override_settings

from apps.accounts.demo import DEMO_ACCOUNTS
from apps.accounts.services import verified_email_owner
from apps.delegations.enums import DelegationKind, Role
from apps.delegations.models import Delegation, Participant
from apps.delegations.selectors import principal_for
from apps.events.enums import RoomKind
from apps.events.models import Event, Room
from apps.feeds.selectors import personal_feed_sessions
from apps.programme.models import Session
from apps.programme.selectors import sessions_expecting
from apps.programme.services import agenda_add, schedule_publish, session_cancel

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def sample(django_db_setup, django_db_blocker):
    """The sample loaded once for this module, and removed after it."""
    with django_db_blocker.unblock(), override_settings(DEMO_MODE=True):
        call_command("sample_load", "--demo-accounts")
        yield Event.objects.get(slug="interpol-ga-2025")
        Event.objects.filter(slug="interpol-ga-2025").delete()
        get_user_model().objects.filter(username__in=DEMO_ACCOUNTS).delete()


def test_sample_is_the_2025_assembly_in_casablanca_time(sample):
    opening = Session.objects.working().get(event=sample, kind="ceremony", start__date=dt.date(2025, 11, 24))

    assert (sample.timezone, sample.start_date.isoformat(), sample.end_date.isoformat()) == (
        "Africa/Casablanca",
        "2025-11-24",
        "2025-11-27",
    )
    assert sample.languages == ["ar", "en", "fr", "es"]
    assert opening.start.astimezone(sample.zone).utcoffset() == dt.timedelta(hours=1)


def test_sample_has_the_rooms_of_the_issue(sample):
    rooms = Room.objects.filter(venue__event=sample)
    plenary = rooms.get(kind=RoomKind.PLENARY)

    assert sorted(plenary.booths) == ["ar", "en", "es", "fr"]
    assert rooms.filter(kind=RoomKind.BILATERAL).count() >= 6
    assert rooms.filter(kind=RoomKind.MEETING).count() >= 7


def test_sample_has_every_member_country_and_observers(sample):
    members = Delegation.objects.filter(event=sample, kind=DelegationKind.MEMBER)

    assert members.count() == 196
    assert Delegation.objects.filter(event=sample, kind=DelegationKind.OBSERVER).count() >= 6


def test_sample_has_about_800_participants_with_a_head_per_member(sample):
    participants = Participant.objects.filter(event=sample)

    assert 780 <= participants.count() <= 840
    assert participants.filter(role=Role.HEAD, delegation__kind=DelegationKind.MEMBER).count() == 196
    assert all(email.endswith("@example.org") for email in participants.values_list("email", flat=True))


def test_sample_sessions_are_titled_in_the_four_languages(sample):
    sessions = Session.objects.working().filter(event=sample)

    assert sessions.count() >= 40
    assert all(set(title) == {"ar", "en", "fr", "es"} for title in sessions.values_list("title", flat=True))
    assert {"ceremony", "plenary", "election", "regional", "committee", "side_event", "social"} <= set(
        sessions.values_list("kind", flat=True)
    )


@pytest.mark.parametrize("words", ["Strategic Framework", "Executive Committee", "stolen", "yber"])
def test_sample_holds_the_agenda_items_of_the_issue(sample, words):
    titles = [title["en"] for title in Session.objects.working().filter(event=sample).values_list("title", flat=True)]

    assert any(words in title for title in titles)


def test_sample_sessions_pass_model_validation(sample):
    for session in Session.objects.working().filter(event=sample).select_related("room__venue", "event"):
        session.full_clean()


def test_loading_the_sample_twice_keeps_it(sample, settings):
    settings.DEMO_MODE = True
    Session.objects.filter(event=sample).update(expected_attendance=7)

    call_command("sample_load", "--demo-accounts")

    assert set(Session.objects.filter(event=sample).values_list("expected_attendance", flat=True)) == {7}
    assert Event.objects.count() == 1


def test_sample_arrives_as_published_version_1(sample):
    version = sample.versions.get()

    assert (version.number, len(version.changes["new"])) == (1, Session.objects.working().filter(event=sample).count())
    assert Session.objects.published().filter(event=sample).count() == len(version.changes["new"])


def test_demo_accounts_sign_in_with_their_roles(sample):
    # As the sign-in page does: the lockout needs the request.
    request = RequestFactory().post("/accounts/login/")
    organizer = authenticate(request, username="organizer", password="gaplanner-demo")
    head = authenticate(request, username="head", password="gaplanner-demo")
    delegate = authenticate(request, username="delegate", password="gaplanner-demo")

    assert (sample.is_organizer(organizer), organizer.is_staff) == (True, True)
    assert Participant.objects.get(user=head).role == Role.HEAD
    assert Participant.objects.get(user=delegate).delegation.country.code == "MA"


def test_demo_participants_hold_their_addresses_as_verified(sample):
    owners = {email: verified_email_owner(email=email) for email in ("head.ma@example.org", "delegate.ma@example.org")}

    assert {email: user.username for email, user in owners.items()} == {
        "head.ma@example.org": "head",
        "delegate.ma@example.org": "delegate",
    }


def test_demo_delegate_agenda_and_feed_hold_the_assembly_and_a_side_event_until_it_is_cancelled(sample):
    delegate = get_user_model().objects.get(username="delegate")
    principal = principal_for(user=delegate, event=sample)
    assembly = set(
        Session.objects.published()
        .filter(event=sample, kind__in=["ceremony", "plenary", "election"])
        .values_list("code", flat=True)
    )

    def agenda() -> set[str]:
        return set(sessions_expecting(principal).values_list("code", flat=True))

    def feed() -> set[str]:
        return {s.code for s in personal_feed_sessions(participant=principal.participant).sessions}

    before = agenda()
    agenda_add(principal=principal, code="SIDE-01")
    added = (agenda(), feed())
    session_cancel(session=Session.objects.working().get(event=sample, code="SIDE-01"))
    schedule_publish(event=sample, note="Side event cancelled", confirm_warnings=True)

    assert {"GA-OPEN", "GA-CLOSE", "PL-01", "PL-10", "ELECT"} <= assembly
    assert len(assembly) == 13
    assert assembly <= before
    assert "SIDE-01" not in before
    assert added == (before | {"SIDE-01"}, before | {"SIDE-01"})
    assert (agenda(), feed()) == (before, before)
