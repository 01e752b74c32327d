"""Change notices: after a publication, each participant it concerns is told once what
changed for them, after a quiet window that merges publications made in a row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import DateTimeField, Exists, F, OuterRef, QuerySet, Value
from django.db.models.constants import OnConflict
from django.db.models.functions import Least
from django.utils import timezone

from apps.delegations.models import Participant
from apps.delegations.selectors import Principal
from apps.events.models import Event
from apps.programme.audience import expected_participants
from apps.programme.enums import SessionStatus
from apps.programme.models import AgendaChoice, ScheduleVersion
from apps.programme.selectors import change_entries_visible_to

from ..enums import NotificationKind, NotificationStatus
from ..models import Notification, PublicationNotice
from ..selectors import Audience, reachable_by_email, savers_by_code
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
    """Set-based, whatever the number of people: the pending notices of those concerned are
    extended in one UPDATE, and the others' notices made in one ``INSERT ... SELECT``."""
    event = version.event
    savers = savers_by_code(event=event, codes={entry["code"] for entry in entries})
    audiences = [
        Audience.of_state(entry.get(side), savers=savers.get(entry["code"], ()))
        for entry in entries
        for side in ("before", "after")
    ]
    if not audiences:
        return 0
    people = reachable_by_email(expected_participants(event=event, audiences=audiences))
    quiet = now + dt.timedelta(minutes=settings.NOTICE_QUIET_MINUTES)
    latest = Value(dt.timedelta(minutes=settings.NOTICE_MAX_DELAY_MINUTES))
    pending = Notification.objects.filter(kind=NotificationKind.CHANGES, status=NotificationStatus.PENDING)
    extended = pending.filter(participant_id__in=people.values("pk")).update(
        version_to=version.number,
        due_at=Least(Value(quiet), F("created_at") + latest, output_field=DateTimeField()),
    )
    others = people.exclude(Exists(pending.filter(participant_id=OuterRef("pk"))))
    return extended + _changes_insert(event=event, participants=others, version=version.number, due_at=quiet, now=now)


def _changes_insert(
    *, event: Event, participants: QuerySet[Participant], version: int, due_at: dt.datetime, now: dt.datetime
) -> int:
    """One change notice (versions ``version`` to ``version``) for each of ``participants``,
    in one ``INSERT ... SELECT``; one the unique key already holds is left as it is."""
    try:
        source, source_params = participants.order_by().values(participant_ref=F("pk")).query.sql_with_params()
    except EmptyResultSet:
        return 0
    ops = connection.ops
    concrete = {field.name: field for field in Notification._meta.concrete_fields}
    fields = {name: concrete[name] for name in _INSERTED}
    values: dict[str, Any] = {
        "event": event.pk,
        "kind": NotificationKind.CHANGES.value,
        "session_code": "",
        "lead_minutes": 0,
        "version_from": version,
        "version_to": version,
        "due_at": ops.adapt_datetimefield_value(due_at),
        "status": NotificationStatus.PENDING.value,
        "attempts": 0,
        "detail": "",
        "created_at": ops.adapt_datetimefield_value(now),
    }
    columns = ", ".join(ops.quote_name(field.column) for field in fields.values())
    selected = ", ".join("people.participant_ref" if name == "participant" else "%s" for name in fields)
    params: list[Any] = [values[name] for name in fields if name != "participant"]
    insert = ops.insert_statement(on_conflict=OnConflict.IGNORE)
    suffix = ops.on_conflict_suffix_sql(list(fields.values()), OnConflict.IGNORE, None, None)
    table = ops.quote_name(Notification._meta.db_table)
    # Names come from the model's metadata and values are parameters: nothing here is input.
    sql = f"{insert} {table} ({columns}) SELECT {selected} FROM ({source}) people WHERE 1 = 1 {suffix}"  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *source_params])
        return max(cursor.rowcount, 0)


# The columns a change notice is inserted with (the others keep their defaults: NULL).
_INSERTED = (
    "event",
    "participant",
    "kind",
    "session_code",
    "lead_minutes",
    "version_from",
    "version_to",
    "due_at",
    "status",
    "attempts",
    "detail",
    "created_at",
)


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
