"""Publishing: the working schedule becomes a numbered version that everyone else sees."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from apps.events.models import Event
from apps.kernel import text as texts

from ..conflicts import warnings_for_schedule
from ..enums import SessionStatus
from ..errors import NothingToPublish, WarningsNotConfirmed
from ..models import ScheduleVersion, Session
from ..signals import schedule_published
from .audit import audit_record, session_state

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
CHANGE_KINDS = ("new", "moved", "changed", "cancelled", "removed")


def _sessions(queryset: Any) -> dict[str, Session]:
    return {s.code: s for s in queryset.prefetch_related("participants", "delegations")}


def schedule_changes(*, event: Event) -> dict[str, list[dict[str, Any]]]:
    """What publishing now would change: the working schedule (drafts left out) against the
    last published version, by kind of change, with the states before and after."""
    working = _sessions(Session.objects.working().filter(event=event).exclude(status=SessionStatus.DRAFT))
    published = _sessions(Session.objects.published().filter(event=event))
    changes: dict[str, list[dict[str, Any]]] = {kind: [] for kind in CHANGE_KINDS}
    for code in sorted(working.keys() | published.keys()):
        if code not in published:
            changes["new"].append({"code": code, "after": session_state(working[code])})
            continue
        before = session_state(published[code])
        if code not in working:
            changes["removed"].append({"code": code, "before": before})
            continue
        after = session_state(working[code])
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
    return changes


def schedule_publish(
    *, event: Event, note: str = "", actor: Any = None, confirm_warnings: bool = False
) -> ScheduleVersion:
    """Publish the working schedule as the event's next version.

    Raises :class:`NothingToPublish` when nothing changed, and :class:`WarningsNotConfirmed`
    when the schedule has warnings that ``confirm_warnings`` does not accept, and
    ``ValidationError`` naming ``note`` when the note is too long or holds control
    characters (line breaks are kept). Concurrent publications are serialised on the
    event's row: the second sees the first's result. Sends ``schedule_published`` after
    commit.
    """
    note = _validated_note(note)
    with transaction.atomic():
        Event.objects.select_for_update().filter(pk=event.pk).first()
        changes = schedule_changes(event=event)
        if not any(changes.values()):
            raise NothingToPublish()
        warnings = warnings_for_schedule(event=event)
        if warnings and not confirm_warnings:
            raise WarningsNotConfirmed([w.as_dict() for w in warnings])
        last = event.versions.aggregate(last=Max("number"))["last"] or 0
        _apply(event, changes)
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


def _apply(event: Event, changes: dict[str, list[dict[str, Any]]]) -> None:
    working = {
        s.code: s for s in Session.objects.working().filter(event=event).prefetch_related("participants", "delegations")
    }
    copies = {s.code: s for s in Session.objects.published().filter(event=event)}
    for entry in changes["removed"]:
        copies[entry["code"]].delete()
    for entry in changes["new"]:
        source = working[entry["code"]]
        copy = Session(
            event=event, code=source.code, is_published=True, published_from=source, sequence=source.sequence
        )
        _copy_into(copy, source)
    for kind in ("moved", "changed", "cancelled"):
        for entry in changes[kind]:
            source, copy = working[entry["code"]], copies[entry["code"]]
            if any(name in entry["fields"] for name in MATERIAL_FIELDS):
                copy.sequence += 1
                Session.objects.filter(pk=source.pk).update(sequence=copy.sequence)
            copy.published_from = source
            _copy_into(copy, source)


def _copy_into(copy: Session, source: Session) -> None:
    for name in COPIED_FIELDS:
        setattr(copy, name, getattr(source, name))
    copy.save()
    copy.participants.set(source.participants.all())
    copy.delegations.set(source.delegations.all())
