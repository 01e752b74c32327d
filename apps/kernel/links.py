"""Links that one app's answers carry to another app's resources, without importing it.

An app that owns a kind of link registers a provider (:mod:`apps.kernel.providers`) in its
``AppConfig.ready``; an answer asks for the link by name and gets ``{}`` if no app provides it.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote, urlencode

import segno
from django.conf import settings

from .providers import provided_or


def links(name: str, obj: Any) -> dict[str, Any]:
    return provided_or(name, _no_links)(obj)


def _no_links(obj: Any) -> dict[str, Any]:
    return {}


def absolute_url(path: str) -> str:
    """``path`` (from ``reverse()``, with its query if any) as an address outside a request,
    in an e-mail, a webhook or a calendar: on ``settings.SITE_URL``."""
    return f"{settings.SITE_URL}{path}"


def subscription_urls(path: str) -> dict[str, str]:
    """A calendar's address as clients subscribe to it: https, webcal, and Google's link
    (which takes the webcal form: an https one fails there)."""
    https = absolute_url(path)
    webcal = "webcal://" + https.split("://", 1)[1]
    return {
        "https": https,
        "webcal": webcal,
        "google": "https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe=""),
    }


def subscribe_links(urls: dict[str, str], *, name: str) -> dict[str, str]:
    """``urls`` (from :func:`subscription_urls`) with the links that open Outlook's "subscribe
    from the web" on outlook.com and on Microsoft 365, which take the https form."""
    query = urlencode({"url": urls["https"], "name": name})
    return {
        **urls,
        "outlook": f"https://outlook.live.com/calendar/0/addfromweb?{query}",
        "office365": f"https://outlook.office.com/calendar/0/addfromweb?{query}",
    }


def qr_svg(text: str, *, title: str) -> str:
    """``text`` as a QR code, an SVG element to put in a page (no file, no request)."""
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=4, border=4, xmldecl=False, title=title, dark="#000")
    return out.getvalue().decode()
