import pytest
from django.core.exceptions import ValidationError

from apps.kernel.i18n import clean_translations, pick, validate_languages


def test_pick_falls_back_to_the_event_language_then_english_then_any():
    title = {"fr": "Ouverture", "ar": "الافتتاح"}

    assert pick(title, "ar", ["fr"]) == "الافتتاح"
    assert pick(title, "es", ["fr"]) == "Ouverture"
    assert pick({"en": "Opening", "ar": "الافتتاح"}, "es", []) == "Opening"
    assert pick({"ar": "الافتتاح"}, "es", []) == "الافتتاح"
    assert pick({}, "en", []) == ""


def test_clean_translations_trims_and_drops_empty_languages():
    assert clean_translations({"en": " Opening ceremony\n", "fr": "  "}, required=True) == {"en": "Opening ceremony"}


def test_clean_translations_refuses_control_characters_naming_the_language():
    with pytest.raises(ValidationError) as error:
        clean_translations({"en": "Opening\x07 ceremony"}, required=True)

    assert error.value.messages == ["en: Remove the control character U+0007 at character 8."]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Opening", "Enter an object from language code to text"),
        ({"xx": "Opening"}, "xx is not a language code."),
        ({"en": 3}, "The en text must be a string."),
        ({"en": ""}, "Enter the text in at least one language."),
        ({"fr": "x" * 301}, "fr: at most 300 characters (this text has 301)."),
    ],
)
def test_clean_translations_names_what_is_wrong(value, message):
    with pytest.raises(ValidationError) as error:
        clean_translations(value, required=True, max_length=300)

    assert message in error.value.messages[0]


def test_validate_languages_refuses_unknown_and_repeated_codes():
    validate_languages(["ar", "en"])
    with pytest.raises(ValidationError):
        validate_languages(["en", "klingon"])
    with pytest.raises(ValidationError):
        validate_languages(["en", "en"])
