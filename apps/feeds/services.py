"""Writes to feeds (made on first use, rotated, revoked) and what keeps their caches true."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.delegations.models import Delegation, Participant
from apps.events.models import Event, Room
from apps.events.selectors import rooms_of_event
from apps.kernel.links import subscription_urls
from apps.programme.enums import SessionKind
from apps.programme.models import Session

from . import cache as feed_cache
from .ical import fragments
from .models import Feed, FeedKind
from .tokens import feed_token

# Participants whose feeds are looked up per query when registrations change in bulk.
_IDS_PER_QUERY = 1000


def participant_feed(*, participant: Participant) -> Feed:
    """The participant's personal feed, made on first use."""
    feed, _created = Feed.objects.get_or_create(
        participant=participant, defaults={"event_id": participant.event_id, "kind": FeedKind.PERSONAL}
    )
    return feed


def delegation_feed(*, delegation: Delegation) -> Feed:
    """The delegation's feed for its staff, made on first use."""
    feed, _created = Feed.objects.get_or_create(
        delegation=delegation, defaults={"event_id": delegation.event_id, "kind": FeedKind.DELEGATION}
    )
    return feed


@transaction.atomic
def feed_rotate(*, feed: Feed) -> Feed:
    """A new link for the feed; the old one answers 410 Gone from now on. A revoked feed is
    revived by rotation, with a link that was never shown before."""
    # The stored version, read under the row lock: two rotations at once both count.
    locked = Feed.objects.select_for_update().get(pk=feed.pk)
    feed.version = locked.version + 1
    feed.revoked_at = None
    feed.save(update_fields=["version", "revoked_at", "updated_at"])
    transaction.on_commit(lambda: feed_cache.token_state_forget(feed.pk))
    return feed


@transaction.atomic
def feed_revoke(*, feed: Feed) -> Feed:
    """The feed's link answers 410 Gone until the feed is rotated."""
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at", "updated_at"])
    transaction.on_commit(lambda: feed_cache.token_state_forget(feed.pk))
    return feed


def feed_is_live(feed: Feed) -> bool:
    """Neither revoked nor of a participant who left (badge withdrawn)."""
    if feed.revoked_at is not None:
        return False
    return feed.kind != FeedKind.PERSONAL or bool(feed.participant and feed.participant.is_active)


def feed_urls(feed: Feed) -> dict[str, str]:
    token = feed_token(feed_id=feed.pk, version=feed.version)
    return subscription_urls(reverse("feeds:token", kwargs={"feed_id": feed.pk, "token": token}))


def public_feed_urls(event: Event) -> dict[str, str]:
    return subscription_urls(reverse("feeds:public", kwargs={"event_slug": event.slug}))


@dataclass(frozen=True)
class PublicFeeds:
    """The parts of the public programme a visitor may subscribe to on their own, each with
    its links (:func:`apps.kernel.links.subscription_urls`): for a programme larger than a
    calendar client accepts from one address (``settings.FEED_MAX_EVENTS``)."""

    days: list[tuple[dt.date, dict[str, str]]]
    rooms: list[tuple[Room, dict[str, str]]]
    kinds: list[tuple[SessionKind, dict[str, str]]]


def public_feeds(*, event: Event, rooms: Iterable[Room] | None = None) -> PublicFeeds:
    """The event's public feeds per local day, per room (``rooms`` if given, else a query
    for them) and per kind of session."""
    slug = event.slug
    return PublicFeeds(
        days=[
            (day, subscription_urls(reverse("feeds:day", kwargs={"event_slug": slug, "day": day})))
            for day in event.days
        ],
        rooms=[
            (room, subscription_urls(reverse("feeds:room", kwargs={"event_slug": slug, "room_id": room.pk})))
            for room in (rooms_of_event(event=event) if rooms is None else rooms)
        ],
        kinds=[
            (kind, subscription_urls(reverse("feeds:kind", kwargs={"event_slug": slug, "kind": kind.value})))
            for kind in SessionKind
        ],
    )


def public_feed_links(event: Event) -> dict[str, list[dict[str, Any]]]:
    """:func:`public_feeds` as the API writes them (the event's ``links.feeds``): one query."""
    feeds = public_feeds(event=event)
    return {
        "days": [{"day": day.isoformat(), **urls} for day, urls in feeds.days],
        "rooms": [{"room": room.pk, "name": room.name, **urls} for room, urls in feeds.rooms],
        "kinds": [{"kind": kind.value, **urls} for kind, urls in feeds.kinds],
    }


def event_feeds_changed(*, event_slug: str) -> None:
    """Every feed of the event may show something else now: cached bodies are left behind."""
    feed_cache.generation_renew(event_slug)


def feed_fragments_render(*, event: Event) -> int:
    """Render (or find cached) the VEVENT of every published session in every language of
    the event, so that feeds are joined from fragments. Returns how many sessions."""
    sessions = list(Session.objects.published().filter(event=event).select_related("room__venue"))
    languages = set(event.languages or []) | {event.default_language}
    for language in sorted(code for code, _name in settings.LANGUAGES if code in languages):
        fragments(sessions, event=event, language=language, site_url=settings.SITE_URL)
    return len(sessions)


def participants_changed(*, event_id: int, participant_ids: Collection[int]) -> None:
    """Registrations of one event changed (delegation, role, withdrawn; one, or a whole
    import at once): the event's feeds and these participants' own links may show something
    else. Costs a query for the event and one per 1,000 participants, whatever changed."""
    ids = sorted(participant_ids)
    for start in range(0, len(ids), _IDS_PER_QUERY):
        chunk = ids[start : start + _IDS_PER_QUERY]
        feed_ids = Feed.objects.filter(participant_id__in=chunk).values_list("pk", flat=True)
        feed_cache.token_states_forget(list(feed_ids))
    event_slug = Event.objects.filter(pk=event_id).values_list("slug", flat=True).first()
    if event_slug:
        event_feeds_changed(event_slug=event_slug)


def participant_feed_links(participant: Participant) -> dict[str, dict[str, str]]:
    """The feeds a participant subscribes to: their own, and their delegation's if they
    head it."""
    found = {"personal": feed_urls(participant_feed(participant=participant))}
    delegation = participant.delegation if participant.role == "head" and participant.delegation_id else None
    if delegation is not None:
        found["delegation"] = feed_urls(delegation_feed(delegation=delegation))
    return found


def add_to_calendar_links(*, title: str, start: Any, end: Any, location: str, details: str) -> dict[str, str]:
    """One-off "add to calendar" links for a single session (not a subscription)."""

    def stamp(value: Any) -> str:
        return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")

    google = "https://calendar.google.com/calendar/render?" + urlencode(
        {
            "action": "TEMPLATE",
            "text": title,
            "dates": f"{stamp(start)}/{stamp(end)}",
            "location": location,
            "details": details,
        }
    )
    outlook = "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(
        {
            "path": "/calendar/action/compose",
            "rru": "addevent",
            "subject": title,
            "startdt": start.astimezone(dt.UTC).isoformat(),
            "enddt": end.astimezone(dt.UTC).isoformat(),
            "location": location,
            "body": details,
        }
    )
    return {"google": google, "outlook": outlook}
