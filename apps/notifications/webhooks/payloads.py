"""What a publication says to receivers (docs/webhooks.md): one ``schedule.published``, and
one ``session.changed`` or ``session.cancelled`` per session it changed; and the bytes POSTed."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from django.urls import reverse

from apps.delegations.selectors import Principal
from apps.events.models import Event
from apps.kernel.links import absolute_url
from apps.programme.models import ScheduleVersion
from apps.programme.selectors import change_entries_visible_to

from ..enums import WebhookTopic
from ..models import WebhookDelivery

# Change kinds of a version reported as ``session.changed``; ``cancelled`` has its own topic.
CHANGED_KINDS = ("new", "moved", "changed", "removed")
CHANGE_KINDS = ("new", "moved", "changed", "cancelled", "removed")
_STATE_TIMES = ("start", "end")


def _local(value: dt.datetime, event: Event) -> str:
    return value.astimezone(event.zone).isoformat()


def _state(state: Mapping[str, Any] | None, event: Event) -> dict[str, Any] | None:
    """A session state as versions record it (``session_state``), in the event's offset."""
    if state is None:
        return None
    local = dict(state)
    for name in _STATE_TIMES:
        if local.get(name):
            local[name] = _local(dt.datetime.fromisoformat(local[name]), event)
    return local


def publication_payloads(version: ScheduleVersion, created: dt.datetime) -> list[tuple[str, str, dict[str, Any]]]:
    """(topic, key, payload) of every delivery the version sets off, for any endpoint: key
    ``v<n>`` for ``schedule.published``, ``v<n>:<code>`` for a session's."""
    event = version.event
    envelope = {"event": event.slug, "created": _local(created, event)}
    # Endpoints are registered by the event's organizers and receive the history as they see
    # it (docs/decisions/014 and 017), through the one rule every history output uses.
    entries = change_entries_visible_to(Principal(event=event, is_organizer=True), [version])
    changes = {kind: [entry for entry in entries if entry["kind"] == kind] for kind in CHANGE_KINDS}
    changes_path = reverse("api:changes", kwargs={"event_slug": event.slug})
    published = {
        "version": version.number,
        "note": version.note,
        "published_at": _local(version.published_at, event),
        "changes": {
            kind: {"count": len(items), "codes": [item["code"] for item in items]} for kind, items in changes.items()
        },
        "changes_url": absolute_url(f"{changes_path}?since={version.number - 1}"),
    }
    items = [
        (
            WebhookTopic.SCHEDULE_PUBLISHED.value,
            f"v{version.number}",
            {"topic": WebhookTopic.SCHEDULE_PUBLISHED.value, **envelope, "data": published},
        )
    ]
    for kind, entries in changes.items():
        topic = WebhookTopic.SESSION_CANCELLED if kind == "cancelled" else WebhookTopic.SESSION_CHANGED
        for entry in entries:
            code = entry["code"]
            session_path = reverse("api:session-detail", kwargs={"event_slug": event.slug, "code": code})
            data = {
                "version": version.number,
                "code": code,
                "kind": kind,
                "fields": entry.get("fields", []),
                "before": _state(entry.get("before"), event),
                "after": _state(entry.get("after"), event),
                "session_url": absolute_url(session_path),
            }
            items.append((topic.value, f"v{version.number}:{code}", {"topic": topic.value, **envelope, "data": data}))
    return items


def webhook_body(delivery: WebhookDelivery) -> bytes:
    """The bytes POSTed: the payload with the delivery's id, compact, keys sorted, UTF-8."""
    body = {"id": delivery.pk, **delivery.payload}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
