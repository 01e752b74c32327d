"""Change notices: after a publication, each participant it concerns is told once what
changed for them, after a quiet window that merges publications made in a row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Least
from django.utils import timezone

from apps.delegations.models import Participant
from apps.delegations.selectors import Principal
from apps.events.models import Event
from apps.programme.enums import SessionStatus
from apps.programme.models import AgendaChoice, ScheduleVersion
from apps.programme.selectors import change_entries_visible_to

from ..enums import NotificationKind, NotificationStatus
from ..models import Notification, PublicationNotice
from ..selectors import Audience, expected_participant_ids, savers_by_code, wishes_by_participant
from ..webhooks.services import webhook_deliveries_plan
from .planning import reminders_replan

# Kinds of change a participant is told about, in the order a notice lists them.
ADDED, MOVED, CANCELLED, REMOVED = "added", "moved", "cancelled", "removed"
ORDER = (CANCELLED, MOVED, ADDED, REMOVED)
# Version entries whose audience may have changed, or whose session changed for its audience.
_AUDIENCE_FIELDS = {"participants", "delegations", "roles"}


@dataclass(frozen=True)
class Change:
    """What happened to one session, for one participant, over the versions a notice covers."""

    kind: str
    code: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None

    @property
    def state(self) -> Mapping[str, Any]:
        return self.after or self.before or {}

    @property
    def time_changed(self) -> bool:
        if not (self.before and self.after):
            return False
        return self.before["start"] != self.after["start"] or self.before["end"] != self.after["end"]

    @property
    def room_changed(self) -> bool:
        if not (self.before and self.after):
            return False
        return bool(self.before["room"] != self.after["room"])


def _entries(version: ScheduleVersion) -> list[dict[str, Any]]:
    return [entry for items in version.changes.values() for entry in items]


def _concerns_audience(entry: Mapping[str, Any]) -> bool:
    """Whether the entry can change someone's agenda (a new description changes nobody's)."""
    if "fields" not in entry:  # new or removed
        return True
    fields = set(entry["fields"])
    return bool(fields & ({"start", "end", "room", "status"} | _AUDIENCE_FIELDS))


def publication_plan(*, version: ScheduleVersion, now: dt.datetime | None = None) -> int:
    """Plan what a publication sets off, once per version (a second call does nothing):
    change notices for the participants it concerns, the reminders of the sessions it
    changed, and the webhook deliveries. The first version is the programme's announcement,
    not a change: it gets webhooks and reminders, but no change notices.

    Returns the number of change notices planned or extended.
    """
    now = now or timezone.now()
    with transaction.atomic():
        _marker, created = PublicationNotice.objects.get_or_create(version=version)
        if not created:
            return 0
        entries = [entry for entry in _entries(version) if _concerns_audience(entry)]
        notices = _notices_plan(version, entries, now) if version.number > 1 else 0
        codes = {entry["code"] for entry in entries if entry.get("after")}
        if codes:
            reminders_replan(event=version.event, now=now, codes=codes)
        webhook_deliveries_plan(version=version)
    return notices


def _notices_plan(version: ScheduleVersion, entries: list[dict[str, Any]], now: dt.datetime) -> int:
    event = version.event
    savers = savers_by_code(event=event, codes={entry["code"] for entry in entries})
    audiences = {
        f"{i}:{side}": Audience.of_state(entry.get(side), savers=savers.get(entry["code"], ()))
        for i, entry in enumerate(entries)
        for side in ("before", "after")
    }
    concerned = (
        set().union(*expected_participant_ids(event=event, audiences=audiences).values()) if audiences else set()
    )
    # A change to a session for every participant concerns them all: one query for everyone's
    # wishes rather than one naming 100,000 ids.
    everyone = any(audience.everyone for audience in audiences.values())
    wishes = wishes_by_participant(event=event, participant_ids=None if everyone else concerned)
    people = sorted(pid for pid, wish in wishes.items() if wish.by_email and pid in concerned)
    if not people:
        return 0
    quiet = now + dt.timedelta(minutes=settings.NOTICE_QUIET_MINUTES)
    latest = Value(dt.timedelta(minutes=settings.NOTICE_MAX_DELAY_MINUTES))
    pending = Notification.objects.select_for_update().filter(
        kind=NotificationKind.CHANGES, status=NotificationStatus.PENDING, participant_id__in=people
    )
    extended = set(pending.values_list("participant_id", flat=True))
    pending.filter(participant_id__in=extended).update(
        version_to=version.number,
        due_at=Least(Value(quiet), F("created_at") + latest, output_field=DateTimeField()),
    )
    Notification.objects.bulk_create(
        [
            Notification(
                event=event,
                participant_id=pid,
                kind=NotificationKind.CHANGES,
                version_from=version.number,
                version_to=version.number,
                due_at=quiet,
            )
            for pid in people
            if pid not in extended
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )
    return len(people)


def changes_for(
    *, participant: Participant, versions: Sequence[ScheduleVersion], event: Event | None = None
) -> list[Change]:
    """What the published versions ``versions`` (in order) changed for ``participant``: the
    sessions they are now expected at that are new to them, moved or re-roomed, cancelled,
    and those they are no longer expected at. "Expected" is the agenda's rule
    (``apps.programme.audience``): the recorded audience, or the participant's own choice of
    the session. A change undone by a later version is no change.

    Each version's entries are read as the participant may see them
    (``change_entries_visible_to``): a state they could not see when it was published is
    never shown, not even as the "before" of a move or the "after" of a removal. ``event``
    (the participant's) saves reading it.
    """
    principal = Principal(event=event or participant.event, participant=participant)
    saved = set(AgendaChoice.objects.filter(participant=participant).values_list("code", flat=True))
    first: dict[str, Mapping[str, Any] | None] = {}
    last: dict[str, Mapping[str, Any] | None] = {}
    for entry in change_entries_visible_to(principal, versions):
        code = entry["code"]
        first.setdefault(code, entry.get("before"))
        last[code] = entry.get("after")
    changes = []
    for code, before in first.items():
        after = last[code]
        change = _change(participant, code, before, after, saved=code in saved)
        if change is not None:
            changes.append(change)
    return sorted(changes, key=lambda c: (ORDER.index(c.kind), c.state.get("start", ""), c.code))


def _change(
    participant: Participant,
    code: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    *,
    saved: bool,
) -> Change | None:
    savers = (participant.pk,) if saved else ()

    def live(state: Mapping[str, Any] | None) -> bool:
        if not state or state["status"] == SessionStatus.CANCELLED:
            return False
        return Audience.of_state(state, savers=savers).expects(participant)

    was, now = live(before), live(after)
    if now and not was:
        return Change(ADDED, code, before, after)
    if was and not now:
        cancelled = bool(after and after["status"] == SessionStatus.CANCELLED)
        return Change(CANCELLED if cancelled else REMOVED, code, before, after)
    if was and now and before and after:
        moved = any(before[name] != after[name] for name in ("start", "end", "room"))
        return Change(MOVED, code, before, after) if moved else None
    return None
