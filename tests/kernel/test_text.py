import pytest
from django.core.exceptions import ValidationError

from apps.kernel.i18n import clean_translations
from apps.kernel.text import balanced, check, multi_line, normalise, single_line, validate_single_line

LRE, RLE, PDF, LRO, RLO = "\u202a", "\u202b", "\u202c", "\u202d", "\u202e"
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Opening\nceremony", "Write this on one line: it holds a line break or tab (U+000A) at character 8."),
        ("Opening\rceremony", "Write this on one line: it holds a line break or tab (U+000D) at character 8."),
        ("Opening\tceremony", "Write this on one line: it holds a line break or tab (U+0009) at character 8."),
        ("Opening\u2028ceremony", "Write this on one line: it holds a line break or tab (U+2028) at character 8."),
        ("Opening\x85ceremony", "Write this on one line: it holds a line break or tab (U+0085) at character 8."),
        ("Opening\x00", "Remove the control character U+0000 at character 8."),
        ("Opening\x1b[31m", "Remove the control character U+001B at character 8."),
        ("Opening\x9b", "Remove the control character U+009B at character 8."),
        ("Opening\ud800", "Remove the control character U+D800 at character 8."),
    ],
)
def test_a_single_line_text_refuses_line_breaks_tabs_and_controls_by_name(value, message):
    with pytest.raises(ValidationError) as error:
        check(value)

    assert error.value.messages == [message]
    assert error.value.code == "control_character"


def test_a_multi_line_text_keeps_line_breaks_and_tabs_and_refuses_other_controls():
    check("Agenda:\n\t1. Opening\n\t2. Budget", multiline=True)

    with pytest.raises(ValidationError) as error:
        check("Agenda:\n\x07", multiline=True)

    assert error.value.messages == ["Remove the control character U+0007 at character 9."]


def test_normalise_writes_every_line_break_of_a_multi_line_text_as_lf_and_trims():
    assert normalise("  A\r\nB\rC\n  ", multiline=True) == "A\nB\nC"
    assert normalise("  Cafe\u0301 \n") == "Café"


@pytest.mark.parametrize(
    "value",
    [
        f"{RLO}Mabrouk",  # an override left open
        f"Mabrouk{PDF}",  # a closer that closes nothing
        f"{RLI}Mabrouk",  # an isolate left open
        f"{LRE}{RLI}Mabrouk{PDF}{PDI}",  # crossed
        f"{RLE}Mabrouk\n{PDF}",  # closed on another line (paragraph)
    ],
)
def test_unbalanced_bidi_marks_are_refused(value):
    with pytest.raises(ValidationError) as error:
        check(value, multiline=True)

    assert error.value.code == "unbalanced_bidi"


def test_balanced_bidi_marks_are_accepted():
    check(f"{RLI}مراكش{PDI} 2025 {LRE}GA{PDF} {FSI}{RLO}x{PDF}{PDI}")


def test_balanced_closes_what_is_open_and_drops_what_closes_nothing():
    assert balanced(f"{RLO}Mabrouk") == f"{RLO}Mabrouk{PDF}"
    assert balanced(f"{RLI}{LRE}Mabrouk") == f"{RLI}{LRE}Mabrouk{PDF}{PDI}"
    assert balanced(f"Mabrouk{PDF}{PDI}") == "Mabrouk"
    assert balanced(f"{RLI}{LRO}Mabrouk{PDI}") == f"{RLI}{LRO}Mabrouk{PDF}{PDI}"
    assert balanced(f"{RLI}a{PDF}b{PDI}") == f"{RLI}ab{PDI}"
    assert balanced(f"{RLO}a\nb") == f"{RLO}a{PDF}\nb"


def test_single_line_makes_any_stored_text_one_balanced_line():
    assert single_line(f" Opening\r\n\tceremony\x00\x07 {RLO}2025\ud800\u2028") == f"Opening ceremony {RLO}2025{PDF}"


def test_multi_line_keeps_lines_and_drops_controls():
    assert (
        multi_line(f"Agenda\r\n\t1.\x07 Opening\r2. {RLE}Budget\ud800") == f"Agenda\n\t1. Opening\n2. {RLE}Budget{PDF}"
    )


def test_the_output_of_single_line_passes_the_entry_check():
    check(single_line(f"a\nb\x00{RLO}{PDI}c"))


def test_the_validator_ignores_what_is_not_text_and_refuses_a_newline():
    validate_single_line(None)
    with pytest.raises(ValidationError):
        validate_single_line("Plenary\nHall")


def test_multilingual_text_is_limited_per_language_and_refused_before_it_is_cleaned():
    with pytest.raises(ValidationError) as error:
        clean_translations({"en": "x" * 1_000_000}, required=True, multiline=False, max_length=300)

    assert error.value.messages == ["en: at most 300 characters (this text has 1000000)."]


def test_multilingual_single_line_text_refuses_a_newline_inside_and_trims_one_outside():
    assert clean_translations({"en": "Opening\r\n"}, required=True, multiline=False) == {"en": "Opening"}
    with pytest.raises(ValidationError) as error:
        clean_translations({"ar": "الافتتاح\nالرسمي"}, required=True, multiline=False)

    assert error.value.messages == ["ar: Write this on one line: it holds a line break or tab (U+000A) at character 9."]
