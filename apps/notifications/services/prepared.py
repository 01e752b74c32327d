"""Messages that differ only in their recipient, serialised once for all of them.

Django builds and serialises each message with the standard library's ``email`` package,
about half a millisecond a message: at 100,000 reminders that is most of the time a sweep
has. The reminders of one session, lead time and language differ only in the recipient's
address, their name and the Message-ID, so :class:`MessageGroup` serialises the group's
message once, with markers where those go, and each :class:`PreparedEmail` swaps its own
values in. The bytes are Django's own for that message (the tests compare them), except
for the MIME boundary, which is the group's.

A recipient the markers cannot stand for exactly (an address Django would rewrite, a name
with a line break or long enough to change the body's encoding) gets a message built the
ordinary way: the group never guesses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.utils.html import escape

# Markers made of letters and digits: escaping, translation and header folding leave them
# whole. A second set with a non-ASCII letter serialises a body as Django does for a name
# that is not ASCII (8bit); the first, as for one that is (7bit if the rest is ASCII).
_ADDRESS = "gpaddressmarker@example.invalid"
_MESSAGE_ID = "<gpmessageidmarker@example.invalid>"
_NAMES = {
    True: ("GPNAMEINTEXTMARKER", "GPNAMEINHTMLMARKER"),
    False: ("GPNAMEINTEXTMARKER\u00e9", "GPNAMEINHTMLMARKER\u00e9"),
}
# RFC 5322 allows 998 bytes a line; Django switches a body to quoted-printable beyond it.
_LONGEST_LINE = 700
_LONGEST_NAME = 200


class _Serialised:
    """What :meth:`PreparedEmail.message` returns: the prepared bytes for ``as_bytes``, and
    Django's own MIME object, built only if something asks for more."""

    def __init__(self, data: Callable[[str], bytes], build: Callable[[], Any]) -> None:
        self._data = data
        self._build = build
        # Django's SafeMIMEMultipart, whose as_bytes takes a line separator.
        self._message: Any = None

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n", **kwargs: Any) -> bytes:
        if unixfrom or kwargs:
            return self._real().as_bytes(unixfrom=unixfrom, linesep=linesep, **kwargs)
        return self._data(linesep)

    def _real(self) -> Any:
        if self._message is None:
            self._message = self._build()
        return self._message

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real(), name)


class PreparedEmail(EmailMultiAlternatives):
    """An e-mail whose bytes come from its group (see the module's docstring)."""

    def __init__(self, *args: Any, serialised: Callable[[str], bytes], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._serialised = serialised

    def message(self) -> Any:
        return _Serialised(self._serialised, super().message)


class MessageGroup:
    """One message's subject, bodies and headers, rendered once with markers for the name,
    and serialised once per line separator for those whose name the marker can stand for.

    ``render(name_in_text, name_in_html)`` returns the text and HTML bodies with the given
    stand-ins for the recipient's name (in the HTML one, as the template escapes it).
    """

    def __init__(
        self,
        *,
        subject: str,
        headers: dict[str, str],
        render: Callable[[str, str], tuple[str, str]],
        connection: Any,
    ) -> None:
        self.subject = subject
        self.headers = headers
        self.connection = connection
        self._render = render
        self._bodies: dict[bool, tuple[str, str]] = {}
        self._bytes: dict[tuple[bool, str], bytes | None] = {}

    def _bodies_for(self, ascii_name: bool) -> tuple[str, str]:
        if ascii_name not in self._bodies:
            self._bodies[ascii_name] = self._render(*_NAMES[ascii_name])
        return self._bodies[ascii_name]

    def _template(self, ascii_name: bool, linesep: str) -> bytes | None:
        """The serialised group message, or ``None`` if a marker did not survive whole."""
        key = (ascii_name, linesep)
        if key not in self._bytes:
            text, html = self._bodies_for(ascii_name)
            data = self._plain(text, html, _ADDRESS, _MESSAGE_ID).message().as_bytes(linesep=linesep)
            in_text, in_html = _NAMES[ascii_name]
            whole = (
                data.count(in_text.encode()) == text.count(in_text)
                and data.count(in_html.encode()) == html.count(in_html)
                and data.count(_ADDRESS.encode()) == 1
                and data.count(_MESSAGE_ID.encode()) == 1
                and max(len(line) for line in data.split(linesep.encode())) <= _LONGEST_LINE
            )
            self._bytes[key] = data if whole else None
        return self._bytes[key]

    def _plain(self, text: str, html: str, address: str, message_id: str) -> EmailMultiAlternatives:
        message = EmailMultiAlternatives(
            subject=self.subject,
            body=text,
            to=[address],
            headers={**self.headers, "Message-ID": message_id},
            connection=self.connection,
        )
        message.attach_alternative(html, "text/html")
        return message

    def email(self, *, name: str, address: str, message_id: str) -> EmailMultiAlternatives:
        """The message for one recipient: prepared if the markers stand for them exactly."""
        ascii_name = name.isascii()
        text, html = self._bodies_for(ascii_name)
        in_text, in_html = _NAMES[ascii_name]
        body, alternative = text.replace(in_text, name), html.replace(in_html, escape(name))
        if not _fits(name, address):
            return self._plain(body, alternative, address, message_id)
        fills = (
            (_ADDRESS.encode(), address.encode()),
            (_MESSAGE_ID.encode(), message_id.encode()),
            (in_text.encode(), name.encode()),
            (in_html.encode(), escape(name).encode()),
        )

        def serialised(linesep: str) -> bytes:
            data = self._template(ascii_name, linesep)
            if data is None:
                return self._plain(body, alternative, address, message_id).message().as_bytes(linesep=linesep)
            for marker, value in fills:
                data = data.replace(marker, value)
            return data

        message = PreparedEmail(
            subject=self.subject,
            body=body,
            to=[address],
            headers={**self.headers, "Message-ID": message_id},
            connection=self.connection,
            serialised=serialised,
        )
        message.attach_alternative(alternative, "text/html")
        return message


# An address Django writes as it is (``sanitize_address`` leaves it alone): no display name,
# no quoting, no international domain to encode.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


def _fits(name: str, address: str) -> bool:
    """Whether a marker can stand for this name and address in the serialised bytes."""
    return (
        _PLAIN_ADDRESS.fullmatch(address) is not None
        and "\n" not in name
        and "\r" not in name
        and len(name.encode()) <= _LONGEST_NAME
    )
