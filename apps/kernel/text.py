"""Free text: the limits it is refused beyond at entry, and the cleaning it gets at output.

Entry (docs/decisions/018-bounded-clean-text.md): a *single-line* text (a name, a title)
holds no control character at all, no line break and no tab; a *multi-line* text (a
description, a note) holds line breaks (``\\r\\n`` and ``\\r`` are read as ``\\n``) and tabs,
and no other control character. Neither holds an unpaired UTF-16 surrogate, nor a bidi
embedding, override or isolate (U+202A–U+202E, U+2066–U+2069) left open or closed without
being opened: such text is refused with a message naming the character, never silently
changed, so that what is stored is what was sent.

Output: text that reached the database some other way (``QuerySet.update``, a raw query, rows
from before these rules) still never breaks a header, a calendar line or an XML document:
:func:`single_line` and :func:`multi_line` make any stored text safe where it is written into
an e-mail subject, a calendar property or an export.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Limits, in characters, per text (per language for multilingual text).
NAME_MAX_LENGTH = 200
TITLE_MAX_LENGTH = 300
DESCRIPTION_MAX_LENGTH = 10_000
NOTE_MAX_LENGTH = 2_000

# Bidi formatting characters: embeddings and overrides are closed by PDF, isolates by PDI.
_EMBEDDINGS = frozenset("\u202a\u202b\u202d\u202e")  # LRE, RLE, LRO, RLO
_PDF = "\u202c"
_ISOLATES = frozenset("\u2066\u2067\u2068")  # LRI, RLI, FSI
_PDI = "\u2069"
# Everything that ends a line somewhere: mail headers, iCal, Python's own splitlines.
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_NEWLINES = re.compile(r"\r\n?")


def _is_forbidden(char: str, *, multiline: bool) -> bool:
    if multiline and char in "\n\t":
        return False
    return char in _LINE_BREAKS or unicodedata.category(char) in {"Cc", "Cs"}


def _describe(char: str) -> str:
    return f"U+{ord(char):04X}"


def normalise(value: str, *, multiline: bool = False) -> str:
    """``value`` in NFC, trimmed, with a multi-line text's line breaks written ``\\n``."""
    if multiline:
        value = _NEWLINES.sub("\n", value)
    return unicodedata.normalize("NFC", value).strip()


def _unbalanced_bidi(line: str) -> str | None:
    """The first bidi character of ``line`` that closes nothing, else the last one left
    open, else None."""
    opened: list[str] = []
    for char in line:
        if char in _EMBEDDINGS or char in _ISOLATES:
            opened.append(char)
        elif char in (_PDF, _PDI):
            closes = _EMBEDDINGS if char == _PDF else _ISOLATES
            if not opened or opened[-1] not in closes:
                return char
            opened.pop()
    return opened[-1] if opened else None


def check(value: str, *, multiline: bool = False) -> None:
    """Raise ``ValidationError`` if ``value`` holds a character its kind of text refuses."""
    for position, char in enumerate(value, start=1):
        if _is_forbidden(char, multiline=multiline):
            if not multiline and (char in _LINE_BREAKS or char == "\t"):
                message = _(
                    "Write this on one line: it holds a line break or tab (%(char)s) at character %(position)s."
                )
            else:
                message = _("Remove the control character %(char)s at character %(position)s.")
            raise ValidationError(
                message, code="control_character", params={"char": _describe(char), "position": position}
            )
    for line in value.split("\n"):
        mark = _unbalanced_bidi(line)
        if mark is not None:
            raise ValidationError(
                _(
                    "The direction mark %(char)s is not closed or not opened: "
                    "each embedding, override or isolate must be closed on its line."
                ),
                code="unbalanced_bidi",
                params={"char": _describe(mark)},
            )


@deconstructible
class TextValidator:
    """A model field validator: :func:`check` for a single- or multi-line text."""

    def __init__(self, *, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, value: object) -> None:
        if isinstance(value, str):
            check(value, multiline=self.multiline)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TextValidator) and other.multiline == self.multiline

    def __hash__(self) -> int:
        return hash(self.multiline)


validate_single_line = TextValidator()
validate_multi_line = TextValidator(multiline=True)


def balanced(value: str) -> str:
    """``value`` with every bidi embedding, override and isolate closed where it was left
    open, and every closer that closes nothing dropped, line by line: text written after it
    (``, in 15 minutes`` after a title) keeps its own direction."""
    return "\n".join(_balanced_line(line) for line in value.split("\n"))


def _balanced_line(line: str) -> str:
    out: list[str] = []
    stack: list[str] = []
    for char in line:
        if char in _EMBEDDINGS:
            stack.append(_PDF)
        elif char in _ISOLATES:
            stack.append(_PDI)
        elif char == _PDF:
            if not stack or stack[-1] != _PDF:
                continue  # closes nothing, or would reach past an open isolate
            stack.pop()
        elif char == _PDI:
            if _PDI not in stack:
                continue
            while stack[-1] != _PDI:  # embeddings opened inside the isolate end with it
                out.append(stack.pop())
            stack.pop()
        out.append(char)
    out.extend(reversed(stack))
    return "".join(out)


def single_line(value: str) -> str:
    """Any stored text made safe for one line of output (an e-mail subject, a calendar
    ``SUMMARY`` or ``NAME``): each run of line breaks, tabs and control characters becomes
    one space, unpaired surrogates go, bidi marks are balanced."""
    out: list[str] = []
    replaced = False  # the last space written stands for a line break or control
    for char in value:
        if _is_forbidden(char, multiline=False):
            if unicodedata.category(char) != "Cs" and not (out and out[-1] == " "):
                out.append(" ")
                replaced = True
        elif not (char == " " and replaced and out[-1] == " "):
            out.append(char)
            replaced = False
    return balanced("".join(out).strip())


def multi_line(value: str) -> str:
    """Any stored text made safe for a multi-line output (a calendar ``DESCRIPTION``): line
    breaks written ``\\n``, tabs kept, other control characters and unpaired surrogates
    dropped, bidi marks balanced on each line."""
    value = _NEWLINES.sub("\n", value)
    value = "".join("\n" if char in _LINE_BREAKS else char for char in value)
    kept = "".join(char for char in value if not _is_forbidden(char, multiline=True))
    return balanced(kept.strip())
