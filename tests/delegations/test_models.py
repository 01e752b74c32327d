import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from apps.delegations.enums import DelegationKind, Role
from tests.factories import DelegationFactory, EventFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "name"), [("en", "Morocco"), ("fr", "Maroc"), ("es", "Marruecos"), ("ar", "المغرب")]
)
def test_country_names_come_translated_from_django_countries(language, name):
    delegation = DelegationFactory(country="MA")

    assert delegation.display_name(language) == name


def test_observer_organisation_name_in_the_reader_language():
    delegation = DelegationFactory(
        kind=DelegationKind.OBSERVER, country="", organisation={"en": "Europol", "fr": "Europol (FR)"}
    )

    with translation.override("fr"):
        assert str(delegation) == "Europol (FR)"


def test_member_delegation_needs_its_country():
    delegation = DelegationFactory.build(event=EventFactory(), country="", organisation={})

    with pytest.raises(ValidationError) as error:
        delegation.full_clean()

    assert error.value.message_dict == {"country": ["A member country's delegation needs its country."]}


def test_country_is_registered_once_per_event():
    first = DelegationFactory(country="MA")

    with pytest.raises(ValidationError) as error:
        DelegationFactory.build(event=first.event, country="MA").full_clean()

    assert "__all__" in error.value.message_dict


def test_participant_of_another_events_delegation_is_refused():
    participant = ParticipantFactory.build(event=EventFactory(), delegation=DelegationFactory())

    with pytest.raises(ValidationError) as error:
        participant.full_clean()

    assert error.value.message_dict == {"delegation": ["The delegation belongs to another event."]}


def test_a_delegation_has_one_active_head():
    head = ParticipantFactory(role=Role.HEAD)
    second = ParticipantFactory.build(event=head.event, delegation=head.delegation, role=Role.HEAD)

    with pytest.raises(ValidationError) as error:
        second.full_clean()

    assert error.value.message_dict == {"__all__": ["This delegation already has a head."]}


def test_email_is_unique_per_event_whatever_its_case():
    first = ParticipantFactory(email="amina@example.org")
    second = ParticipantFactory.build(event=first.event, delegation=first.delegation, email="Amina@Example.org")

    with pytest.raises(ValidationError) as error:
        second.full_clean()

    assert error.value.message_dict == {"__all__": ["A participant of this event already has this e-mail address."]}
