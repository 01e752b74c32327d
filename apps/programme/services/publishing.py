"""Publishing: the working schedule becomes a numbered version that everyone else sees."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, Field, Max, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.events.models import Event
from apps.kernel import text as texts
from apps.kernel.db import Among

from ..conflicts import ScheduleWarning, warnings_for_sessions
from ..enums import SessionStatus
from ..errors import NothingToPublish, WarningsNotConfirmed
from ..models import CHANGE_KINDS, ScheduleVersion, Session
from ..signals import schedule_published
from .audit import audit_record

# Copied from a working session into its published copy.
COPIED_FIELDS = (
    "kind",
    "title",
    "description",
    "room_id",
    "start",
    "end",
    "status",
    "visibility",
    "languages",
    "roles",
    "for_everyone",
    "for_member_delegations",
    "expected_attendance",
)
# A published change of one of these raises the session's SEQUENCE (calendar clients follow it).
MATERIAL_FIELDS = ("start", "end", "room", "title", "status")
MOVE_FIELDS = ("start", "end", "room")
# Rows inserted per query: bounds the parameters of a query on every database.
BATCH_SIZE = 2000
PARTICIPANTS = Session.participants.through
DELEGATIONS = Session.delegations.through


# The columns of a session that its recorded state (``session_state``) holds, its audience
# aside: read with ``.values()`` for the whole schedule at once.
STATE_COLUMNS = ("code", *COPIED_FIELDS)
# Compared with their NULLs as a value no row holds.
NULLABLE_COLUMNS = ("room_id", "expected_attendance")
NOT_NULL = Value(-1)


@dataclass(frozen=True)
class _Stored:
    """A session as stored: its row (``pk``, ``sequence`` and :data:`STATE_COLUMNS`) and its
    recorded state."""

    row: dict[str, Any]
    state: dict[str, Any]


def _state_of_row(row: dict[str, Any], *, participants: list[int], delegations: list[int]) -> dict[str, Any]:
    """``session_state`` of a session read as a row of :data:`STATE_COLUMNS` and its audience."""
    return {
        "code": row["code"],
        "kind": row["kind"],
        "title": row["title"],
        "description": row["description"],
        "room": row["room_id"],
        "start": row["start"].astimezone(dt.UTC).isoformat(),
        "end": row["end"].astimezone(dt.UTC).isoformat(),
        "status": row["status"],
        "visibility": row["visibility"],
        "languages": row["languages"],
        "roles": sorted(row["roles"]),
        "for_everyone": row["for_everyone"],
        "for_member_delegations": row["for_member_delegations"],
        "expected_attendance": row["expected_attendance"],
        "participants": sorted(participants),
        "delegations": sorted(delegations),
    }


def _audience_rows(sessions: QuerySet[Session]) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """The participants' and delegations' ids of each of ``sessions``, by session id: two
    queries."""
    ids = sessions.order_by().values("pk")
    participants: dict[int, list[int]] = defaultdict(list)
    for sid, pid in PARTICIPANTS.objects.filter(session_id__in=ids).values_list("session_id", "participant_id"):
        participants[sid].append(pid)
    delegations: dict[int, list[int]] = defaultdict(list)
    for sid, did in DELEGATIONS.objects.filter(session_id__in=ids).values_list("session_id", "delegation_id"):
        delegations[sid].append(did)
    return participants, delegations


def _stored(sessions: QuerySet[Session]) -> dict[str, _Stored]:
    """``sessions`` by code, read as rows and through-table pairs: three queries, no model
    instance."""
    participants, delegations = _audience_rows(sessions)
    return {
        row["code"]: _Stored(
            row, _state_of_row(row, participants=participants[row["pk"]], delegations=delegations[row["pk"]])
        )
        for row in sessions.order_by().values("pk", "sequence", *STATE_COLUMNS)
    }


def schedule_changes(*, event: Event) -> dict[str, list[dict[str, Any]]]:
    """What publishing now would change: the working schedule (drafts left out) against the
    last published version, by kind of change, with the states before and after.

    The database finds the sessions that differ (:func:`_differing`); only those are read
    and compared as the states a version records (``session_state``): 14 queries, and no
    model instance, whatever the schedule's size."""
    return _compared(event)[0]


def _compared(event: Event) -> tuple[dict[str, list[dict[str, Any]]], dict[str, _Stored], dict[str, _Stored]]:
    """:func:`schedule_changes`, with the working and published sessions it read (those
    that differ)."""
    working_all = Session.objects.working().filter(event=event).exclude(status=SessionStatus.DRAFT)
    published_all = Session.objects.published().filter(event=event)
    differing = sorted(_differing(working_all, published_all))
    working = _stored(working_all.filter(Among("code", differing)))
    published = _stored(published_all.filter(Among("code", differing)))
    changes: dict[str, list[dict[str, Any]]] = {kind: [] for kind in CHANGE_KINDS}
    for code in differing:
        if code not in published:
            changes["new"].append({"code": code, "after": working[code].state})
            continue
        before = published[code].state
        if code not in working:
            changes["removed"].append({"code": code, "before": before})
            continue
        after = working[code].state
        if before == after:
            continue
        fields = sorted(name for name in after if before[name] != after[name])
        entry = {"code": code, "fields": fields, "before": before, "after": after}
        if after["status"] == SessionStatus.CANCELLED and before["status"] != SessionStatus.CANCELLED:
            changes["cancelled"].append(entry)
        elif any(name in fields for name in MOVE_FIELDS):
            changes["moved"].append(entry)
        else:
            changes["changed"].append(entry)
    return changes, working, published


def _differing(working: QuerySet[Session], published: QuerySet[Session]) -> set[str]:
    """The codes of the sessions of ``working`` without an identical copy in ``published``,
    and the other way round, in eight queries: the database compares the columns, so that
    the sessions that did not change never reach Python as rows; their audiences come as
    pairs of ids. Identical columns and audiences make identical states; the converse need
    not hold (roles in another order), which the comparison of states settles."""
    codes = set(working.exclude(_identical_in(published)).order_by().values_list("code", flat=True))
    codes.update(published.exclude(_identical_in(working)).order_by().values_list("code", flat=True))
    mine, theirs = _audiences(working), _audiences(published)
    codes.update(code for code, audience in mine.items() if theirs.get(code, audience) != audience)
    return codes


def _audiences(sessions: QuerySet[Session]) -> dict[str, tuple[list[int], list[int]]]:
    """The ids of the participants and delegations of each of ``sessions``, by code."""
    participants, delegations = _audience_rows(sessions)
    return {
        code: (sorted(participants.get(pk, ())), sorted(delegations.get(pk, ())))
        for pk, code in sessions.order_by().values_list("pk", "code")
    }


def _identical_in(sessions: QuerySet[Session]) -> Exists:
    """Whether ``sessions`` holds a session with the outer session's code and the same
    columns of its state (its audience aside)."""
    same = {name: OuterRef(name) for name in STATE_COLUMNS if name not in NULLABLE_COLUMNS}
    nullable = {f"{name}_or": Coalesce(name, NOT_NULL) for name in NULLABLE_COLUMNS}
    return Exists(
        sessions.filter(**same)
        .annotate(**nullable)
        .filter(**{f"{name}_or": Coalesce(OuterRef(name), NOT_NULL) for name in NULLABLE_COLUMNS})
    )


def publication_warnings(*, event: Event, changes: dict[str, list[dict[str, Any]]]) -> list[ScheduleWarning]:
    """The warnings a publication of ``changes`` asks the organizer to confirm: those naming a
    session it adds, moves or changes (a warning already published with an earlier version,
    and not touched since, was confirmed then)."""
    codes = [entry["code"] for kind in ("new", "moved", "changed") for entry in changes[kind]]
    ids = Session.objects.working().filter(Among("code", codes), event=event).values_list("pk", flat=True)
    return warnings_for_sessions(event=event, ids=set(ids))


def schedule_publish(
    *, event: Event, note: str = "", actor: Any = None, confirm_warnings: bool = False
) -> ScheduleVersion:
    """Publish the working schedule as the event's next version.

    Raises :class:`NothingToPublish` when nothing changed, and :class:`WarningsNotConfirmed`
    when the sessions it changes have warnings (:func:`publication_warnings`) that
    ``confirm_warnings`` does not accept, and
    ``ValidationError`` naming ``note`` when the note is too long or holds control
    characters (line breaks are kept). Concurrent publications are serialised on the
    event's row: the second sees the first's result. Sends ``schedule_published`` after
    commit.
    """
    note = _validated_note(note)
    with transaction.atomic():
        Event.objects.select_for_update().filter(pk=event.pk).first()
        changes, working, published = _compared(event)
        if not any(changes.values()):
            raise NothingToPublish()
        warnings = publication_warnings(event=event, changes=changes)
        if warnings and not confirm_warnings:
            raise WarningsNotConfirmed([w.as_dict() for w in warnings])
        last = event.versions.aggregate(last=Max("number"))["last"] or 0
        _apply(event, changes, working, published)
        version = ScheduleVersion.objects.create(
            event=event,
            number=last + 1,
            note=note,
            published_by=actor if getattr(actor, "is_authenticated", False) else None,
            changes=changes,
            warnings=[w.as_dict() for w in warnings],
        )
        audit_record(
            event=event,
            action="publish",
            after={"version": version.number, "note": version.note, **{k: len(v) for k, v in changes.items()}},
        )
        transaction.on_commit(lambda: schedule_published.send(sender=ScheduleVersion, event=event, version=version))
    return version


def _validated_note(note: str) -> str:
    note = texts.normalise(note, multiline=True)
    try:
        ScheduleVersion._meta.get_field("note").run_validators(note)
    except ValidationError as error:
        raise ValidationError({"note": error.messages}) from error
    return note


def _apply(
    event: Event, changes: dict[str, list[dict[str, Any]]], working: dict[str, _Stored], published: dict[str, _Stored]
) -> None:
    """Write ``changes`` into the published copies, set-based: the removed copies deleted,
    the new ones inserted, the changed ones updated from their working sessions in one
    query, their audiences rewritten only where they changed, and the raised SEQUENCEs set
    on both sides in one query each."""
    removed = [published[entry["code"]].row["pk"] for entry in changes["removed"]]
    if removed:
        Session.objects.filter(Among("pk", removed)).delete()
    new = [working[entry["code"]].row for entry in changes["new"]]
    copies = Session.objects.bulk_create(
        [
            Session(
                event=event,
                is_published=True,
                code=row["code"],
                published_from_id=row["pk"],
                sequence=row["sequence"],
                **{name: row[name] for name in COPIED_FIELDS},
            )
            for row in new
        ],
        batch_size=BATCH_SIZE,
    )
    copy_of = {copy.code: copy.pk for copy in copies}
    if any(pk is None for pk in copy_of.values()):  # a database that returns no ids from an insert
        copy_of = dict(
            Session.objects.published().filter(event=event, code__in=list(copy_of)).values_list("code", "pk")
        )
    entries = [entry for kind in ("moved", "changed", "cancelled") for entry in changes[kind]]
    codes = [entry["code"] for entry in entries]
    raised = [entry["code"] for entry in entries if any(name in entry["fields"] for name in MATERIAL_FIELDS)]
    if codes:
        _copies_update(event, codes=codes, raised=raised)
    if raised:
        copy = Session.objects.published().filter(event=event, code=OuterRef("code")).order_by()
        Session.objects.working().filter(Among("code", raised), event=event).update(
            sequence=Subquery(copy.values("sequence")[:1])
        )
    copy_of.update({entry["code"]: published[entry["code"]].row["pk"] for entry in entries})
    rewired = [entry["code"] for entry in entries if {"participants", "delegations"} & set(entry["fields"])]
    _audiences_copy([*rewired, *(row["code"] for row in new)], working, copy_of)


def _copies_update(event: Event, *, codes: list[str], raised: list[str]) -> None:
    """Copy the working sessions ``codes`` into their published copies, raising the
    sequence of those in ``raised``: one ``UPDATE … FROM`` joining each copy to its working
    session (PostgreSQL, and SQLite since 3.33), where the ORM would run a subquery per
    column and row."""
    quote, ops = connection.ops.quote_name, connection.ops
    columns = [
        cast("Field[Any, Any]", Session._meta.get_field(name.removesuffix("_id"))).column for name in COPIED_FIELDS
    ]
    among = "= ANY(%s)" if connection.vendor == "postgresql" else "IN (SELECT value FROM json_each(%s))"

    def listed(values: list[str]) -> Any:
        return values if connection.vendor == "postgresql" else json.dumps(values)

    assignments = ", ".join(f"{quote(column)} = w.{quote(column)}" for column in columns)
    # nosec B608: built from the model's own table and column names; every value is a parameter.
    sql = (
        f"UPDATE {quote(Session._meta.db_table)} AS p SET {assignments}, "  # noqa: S608  # nosec B608
        f"{quote('published_from_id')} = w.{quote('id')}, "
        f"{quote('sequence')} = p.{quote('sequence')} + CASE WHEN p.{quote('code')} {among} THEN 1 ELSE 0 END, "
        f"{quote('updated_at')} = %s "
        f"FROM {quote(Session._meta.db_table)} AS w "
        f"WHERE p.{quote('event_id')} = %s AND p.{quote('is_published')} AND p.{quote('code')} {among} "
        f"AND w.{quote('event_id')} = p.{quote('event_id')} AND w.{quote('code')} = p.{quote('code')} "
        f"AND NOT w.{quote('is_published')}"
    )
    params = [listed(raised), ops.adapt_datetimefield_value(timezone.now()), event.pk, listed(codes)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _audiences_copy(codes: list[str], working: dict[str, _Stored], copy_of: dict[str, int]) -> None:
    """Give the published copies of ``codes`` the audiences of their working sessions."""
    if not codes:
        return
    copies = [copy_of[code] for code in codes]
    PARTICIPANTS.objects.filter(Among("session_id", copies)).delete()
    DELEGATIONS.objects.filter(Among("session_id", copies)).delete()
    PARTICIPANTS.objects.bulk_create(
        [
            PARTICIPANTS(session_id=copy_of[code], participant_id=pid)
            for code in codes
            for pid in working[code].state["participants"]
        ],
        batch_size=BATCH_SIZE,
    )
    DELEGATIONS.objects.bulk_create(
        [
            DELEGATIONS(session_id=copy_of[code], delegation_id=did)
            for code in codes
            for did in working[code].state["delegations"]
        ],
        batch_size=BATCH_SIZE,
    )
