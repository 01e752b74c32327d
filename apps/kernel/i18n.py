"""Multilingual text: language codes, validation and picking a language with a fallback.

Multilingual content (an event's name, a session's title) is stored as an object from
language code to text, ``{"en": "Opening ceremony", "fr": "Cérémonie d'ouverture"}``. Pages,
feeds and flattened API answers pick one language with :func:`pick`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.conf.locale import LANG_INFO
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.kernel import text as texts


def is_language_code(code: object) -> bool:
    return isinstance(code, str) and code in LANG_INFO and "fallback" not in LANG_INFO[code]


def language_name(code: str) -> str:
    info = LANG_INFO.get(code, {})
    return str(info.get("name_local", code))


def is_rtl(code: str) -> bool:
    return bool(LANG_INFO.get(code, {}).get("bidi", False))


def clean_text(value: str, *, multiline: bool = False) -> str:
    """Text as entered, NFC-normalised, trimmed (a multi-line text's line breaks as ``\\n``).
    Control characters are kept, for the field's validation to refuse them by name."""
    return texts.normalise(value, multiline=multiline)


def validate_languages(value: object) -> None:
    if not isinstance(value, list) or not all(is_language_code(code) for code in value):
        raise ValidationError(_('Enter a list of language codes such as ["en", "fr"].'))
    if len(set(value)) != len(value):
        raise ValidationError(_("A language is listed twice."))


def clean_translations(
    value: object, *, required: bool, multiline: bool = True, max_length: int | None = None
) -> dict[str, str]:
    """The validated, cleaned form of a multilingual text object.

    Raises ``ValidationError`` for anything but an object from language code to text, for
    an empty object when ``required``, for a text longer than ``max_length`` characters, and
    for a text with a character :func:`apps.kernel.text.check` refuses (line breaks too, unless
    ``multiline``); the message starts with the language code. Empty translations are dropped.
    """
    if value in (None, ""):
        value = {}
    if not isinstance(value, Mapping):
        raise ValidationError(_('Enter an object from language code to text, such as {"en": "…"}.'))
    cleaned: dict[str, str] = {}
    for code, text in value.items():
        if not is_language_code(code):
            raise ValidationError(_("%(code)s is not a language code."), params={"code": code})
        if not isinstance(text, str):
            raise ValidationError(_("The %(code)s text must be a string."), params={"code": code})
        if max_length is not None and len(text) > max_length:
            raise ValidationError(
                _("%(code)s: at most %(limit)s characters (this text has %(count)s)."),
                code="max_length",
                params={"code": code, "limit": max_length, "count": len(text)},
            )
        text = clean_text(text, multiline=multiline)
        try:
            texts.check(text, multiline=multiline)
        except ValidationError as error:
            raise ValidationError(
                "%(code)s: %(message)s", code=error.code, params={"code": code, "message": error.messages[0]}
            ) from error
        if text:
            cleaned[code] = text
    if required and not cleaned:
        raise ValidationError(_("Enter the text in at least one language."))
    return cleaned


def pick(value: Mapping[str, str] | None, language: str | None, fallbacks: Iterable[str] = ()) -> str:
    """The text in ``language``, else in the first fallback that has one, else any text."""
    if not value:
        return ""
    for code in (language, *fallbacks, "en"):
        if code and value.get(code):
            return value[code]
        if code and "-" in code and value.get(code.split("-")[0]):
            return value[code.split("-")[0]]
    return next(iter(value.values()), "")
