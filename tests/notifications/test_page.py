import pytest

from apps.delegations.models import Participant
from apps.notifications.models import ReminderPreference

URL = "/events/ga-2025/me/reminders/"


def test_the_page_shows_the_participants_settings(client, personas):
    client.force_login(personas.delegate)

    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<input type="checkbox" name="use_defaults" id="id_use_defaults" checked>' in html
    assert "Use the event&#x27;s reminders (1 day before, 15 minutes before)" in html
    assert '<option value="" selected>No digest</option>' in html


def test_saving_the_form_keeps_the_choice_and_says_so(client, personas):
    client.force_login(personas.delegate)

    response = client.post(
        URL, {"lead_minutes": ["60", "5"], "by_email": "on", "digest_hour": "18", "language": "fr"}, follow=True
    )

    assert response.status_code == 200
    assert "<li>Your reminder settings are saved.</li>" in response.content.decode()
    preference = ReminderPreference.objects.get(participant__user=personas.delegate)
    assert (preference.lead_minutes, preference.channels, preference.digest_hour) == ([60, 5], ["email"], 18)
    assert Participant.objects.get(user=personas.delegate).language == "fr"


def test_a_bad_choice_is_a_form_error_and_saves_nothing(client, personas):
    client.force_login(personas.delegate)

    response = client.post(URL, {"lead_minutes": ["7"], "digest_hour": "25", "language": "en"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Select a valid choice. 7 is not one of the available choices." in html
    assert "Select a valid choice. 25 is not one of the available choices." in html
    assert not ReminderPreference.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [("organizer", 404), ("outsider", 200), ("anonymous", 302)])
def test_only_participants_have_the_page(client, personas, persona, status):
    if persona != "anonymous":
        client.force_login(getattr(personas, persona))

    response = client.get(URL)

    assert response.status_code == status
