"""Reads of the programme. Every output starts from :func:`sessions_visible_to`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce

from apps.delegations.enums import DelegationKind
from apps.delegations.models import Delegation, Participant
from apps.delegations.selectors import Principal
from apps.events.models import Event
from apps.kernel.timezones import local_day_bounds

from .enums import SessionStatus, Visibility
from .models import CHANGE_KINDS, AgendaChoice, AuditEntry, ScheduleVersion, Session


def sessions_visible_to(principal: Principal) -> QuerySet[Session]:
    """The sessions of ``principal.event`` that the principal may see.

    Organizers see the whole working schedule, drafts included. Everyone else sees the last
    published version: its sessions that are public; registered participants also see those for
    participants, and restricted sessions whose audience includes them, their delegation or
    their role.
    """
    sessions = Session.objects.filter(event=principal.event)
    if principal.is_organizer:
        return sessions.working()
    sessions = sessions.published()
    rule = Q(visibility=Visibility.PUBLIC)
    if principal.participant is not None:
        rule |= Q(visibility=Visibility.PARTICIPANTS) | Q(
            visibility=Visibility.RESTRICTED, pk__in=_expecting_ids(principal.participant)
        )
    return sessions.exclude(status=SessionStatus.DRAFT).filter(rule)


def _audience_rule(participant: Participant) -> Q:
    """Sessions whose audience expects the participant: every participant of the event, every
    member delegation (theirs is one), them, their delegation or their role."""
    # ``roles`` is a JSON list of role names; matching the quoted name in its text works on
    # every database (SQLite has no JSON containment lookup).
    audience = Q(for_everyone=True) | Q(participants=participant) | Q(roles__icontains=f'"{participant.role}"')
    if participant.delegation_id:
        audience |= Q(delegations=participant.delegation_id)
        is_member = Delegation.objects.filter(pk=participant.delegation_id, kind=DelegationKind.MEMBER)
        audience |= Q(for_member_delegations=True) & Q(Exists(is_member))
    return audience


def _expecting_ids(participant: Participant) -> QuerySet[Session, Mapping[str, Any]]:
    """Ids of the sessions whose audience expects the participant (:func:`_audience_rule`)."""
    # The audience matches through joins; a subquery of ids keeps one row per session.
    return Session.objects.filter(_audience_rule(participant), event=participant.event_id).values("pk")


def _saved_rule(participants: QuerySet[Participant]) -> Q:
    """Sessions one of ``participants`` added to their agenda, while the choice counts
    (``apps.programme.audience.saved_choice_counts``: not cancelled, not restricted)."""
    codes = AgendaChoice.objects.filter(participant__in=participants).values("code")
    return Q(code__in=codes) & ~Q(status=SessionStatus.CANCELLED) & ~Q(visibility=Visibility.RESTRICTED)


def sessions_expecting(principal: Principal) -> QuerySet[Session]:
    """The visible sessions the principal's participant is expected at: their agenda.

    Those whose audience expects them (every participant, every member delegation, them,
    their delegation, their role), cancelled ones included (they stay in calendars as
    cancelled), and those they added to their agenda, while not cancelled. This is the one
    rule of the agenda: the personal page, API and feed read it here, and reminders and
    notices read the same rule for many people at once in ``apps.programme.audience``.
    """
    me = principal.participant
    if me is None:
        return Session.objects.none()
    mine = Participant.objects.filter(pk=me.pk)
    return sessions_visible_to(principal).filter(Q(pk__in=_expecting_ids(me)) | _saved_rule(mine))


# How a session stands in a participant's agenda, for its "Add to my agenda" button.
EXPECTED, SAVED, ADDABLE = "expected", "saved", "addable"


def agenda_marks(principal: Principal, sessions: Iterable[Session]) -> dict[str, str]:
    """For each of ``sessions`` (which the principal sees), by code: ``EXPECTED`` when its
    audience expects the principal's participant (it cannot be taken out), ``SAVED`` when
    they added it, ``ADDABLE`` when they may add it (not cancelled). Nothing for anyone who
    is no participant. One query, however many sessions."""
    me = principal.participant
    listed = list(sessions)
    if me is None or not listed:
        return {}
    rows = (
        Session.objects.filter(pk__in=[s.pk for s in listed])
        .annotate(
            by_audience=ExpressionWrapper(Q(pk__in=_expecting_ids(me)), output_field=BooleanField()),
            saved=Exists(AgendaChoice.objects.filter(participant=me, code=OuterRef("code"))),
        )
        .values_list("code", "by_audience", "saved")
    )
    states = {code: (by_audience, saved) for code, by_audience, saved in rows}
    marks = {}
    for session in listed:
        by_audience, saved = states.get(session.code, (False, False))
        if by_audience:
            marks[session.code] = EXPECTED
        elif saved:
            marks[session.code] = SAVED
        elif not session.is_cancelled:
            marks[session.code] = ADDABLE
    return marks


def _delegation_expected_ids(delegation: Delegation) -> QuerySet[Session, Mapping[str, Any]]:
    """Ids of the published sessions any active member of the delegation is expected at: its
    audience is everyone or every member delegation (if it is one, with an active member),
    or names the delegation, a member or a member's role; or a member added it to their
    agenda (while that counts)."""
    members = Participant.objects.filter(delegation=delegation, is_active=True)
    roles = set(members.values_list("role", flat=True))
    audience = Q(delegations=delegation) | Q(participants__in=members) | _saved_rule(members)
    if roles:
        # ``roles`` is a JSON list; see sessions_visible_to on matching quoted names.
        audience |= reduce(or_, (Q(roles__icontains=f'"{role}"') for role in roles))
        audience |= Q(for_everyone=True)
        if delegation.kind == DelegationKind.MEMBER:
            audience |= Q(for_member_delegations=True)
    return Session.objects.published().filter(audience, event=delegation.event_id).values("pk")


def sessions_of_delegation(*, delegation: Delegation, principal: Principal | None = None) -> QuerySet[Session]:
    """The published sessions any active member of the delegation is expected at: the
    delegation's agenda (see :func:`sessions_expecting` for what "expected" means).

    Its members are expected there, so the delegation itself (its feed, with no
    ``principal``) and its head see every one of them, whatever their visibility; any other
    principal sees those :func:`sessions_visible_to` shows them.
    """
    sessions = Session.objects.published().filter(
        event=delegation.event_id, pk__in=_delegation_expected_ids(delegation)
    )
    if principal is None or principal.is_head_of(delegation):
        return sessions
    return sessions.filter(pk__in=sessions_visible_to(principal).values("pk"))


def sessions_on_day(sessions: QuerySet[Session], *, event: Event, day: dt.date) -> QuerySet[Session]:
    """The sessions that overlap the event's local ``day``."""
    begins, ends = local_day_bounds(day, event.zone)
    return sessions.filter(start__lt=ends, end__gt=begins)


def sessions_in_language(sessions: QuerySet[Session], language: str) -> QuerySet[Session]:
    """The sessions held in (or interpreted into) ``language``."""
    # ``languages`` is a JSON list; see sessions_visible_to on matching quoted names.
    return sessions.filter(languages__icontains=f'"{language}"')


def sessions_for_delegation(sessions: QuerySet[Session], delegation_id: int) -> QuerySet[Session]:
    """The sessions whose audience names the delegation."""
    return sessions.filter(pk__in=Session.objects.filter(delegations=delegation_id).values("pk"))


def sessions_clashing_in_room(
    *, room_id: int | None, start: dt.datetime, end: dt.datetime, exclude_pk: int | None = None
) -> QuerySet[Session]:
    """Sessions of the working schedule holding ``room_id`` at some moment of [start, end).

    Back-to-back sessions do not clash; cancelled sessions free their room.
    """
    if room_id is None:
        return Session.objects.none()
    clashing = (
        Session.objects.working()
        .filter(room_id=room_id, start__lt=end, end__gt=start)
        .exclude(status=SessionStatus.CANCELLED)
    )
    return clashing.exclude(pk=exclude_pk) if exclude_pk else clashing


def versions_of_event(*, event: Event) -> QuerySet[ScheduleVersion]:
    return ScheduleVersion.objects.filter(event=event).select_related("published_by").order_by("-number")


class JSONArrayLength(Func):
    """The length of the JSON array at ``key`` of a JSON object column (of the column itself
    without ``key``), counted by the database: the document never reaches Python."""

    output_field = IntegerField()

    def __init__(self, column: str, key: str | None = None) -> None:
        super().__init__(F(column))
        self.key = key

    def as_sql(  # SQLite
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra: Any,
    ) -> Any:
        column, params = compiler.compile(self.source_expressions[0])
        if self.key is None:
            return f"json_array_length({column})", params
        return f"json_array_length({column}, %s)", (*params, f"$.{self.key}")

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        column, params = compiler.compile(self.source_expressions[0])
        if self.key is None:
            return f"jsonb_array_length({column})", params
        return f"jsonb_array_length({column} -> %s)", (*params, self.key)


def version_summaries_of_event(*, event: Event) -> QuerySet[ScheduleVersion]:
    """The event's versions, newest first, without their ``changes`` and ``warnings``: in
    their place ``count_<kind>`` (changes of each kind) and ``count_warnings``, counted by
    the database."""
    return (
        versions_of_event(event=event)
        .defer("changes", "warnings")
        .annotate(
            count_warnings=JSONArrayLength("warnings"),
            **{f"count_{kind}": Coalesce(JSONArrayLength("changes", kind), 0) for kind in CHANGE_KINDS},
        )
    )


def state_visible_to(principal: Principal, state: Mapping[str, Any] | None) -> bool:
    """Whether the principal may see ``state``, a session as a version recorded it
    (``session_state``).

    Decided by what the state itself records (its status, visibility and audience), never by
    the session as it is now: the code may belong to another session since, and the
    visibility may have changed. The rule is :func:`sessions_visible_to`'s: organizers see
    everything; anyone sees a public state; registered participants also see one for
    participants, and a restricted one whose recorded audience is every participant, every
    member delegation (theirs is one), or names them, their delegation or their role. A draft
    or a state without a known visibility is for organizers only. The principal's
    registration (delegation, role) is read as it is now. No query, except reading the
    participant's delegation once for a restricted state of every member delegation.
    """
    if principal.is_organizer:
        return True
    if not state or state.get("status") == SessionStatus.DRAFT:
        return False
    visibility = state.get("visibility")
    if visibility == Visibility.PUBLIC:
        return True
    me = principal.participant
    if me is None:
        return False
    if visibility == Visibility.PARTICIPANTS:
        return True
    if visibility != Visibility.RESTRICTED:
        return False
    if state.get("for_everyone"):
        return True
    delegation = me.delegation if state.get("for_member_delegations") and me.delegation_id is not None else None
    if delegation is not None and delegation.kind == DelegationKind.MEMBER:
        return True
    return (
        me.pk in state.get("participants", ())
        or (me.delegation_id is not None and me.delegation_id in state.get("delegations", ()))
        or me.role in state.get("roles", ())
    )


def change_entry_seen_by(principal: Principal, *, kind: str, entry: Mapping[str, Any]) -> dict[str, Any] | None:
    """One entry of a version's changes (``kind``, and ``code``, ``before``, ``after``,
    ``fields`` as recorded) as the principal may see it, or ``None`` if they may see neither
    state.

    Each side is shown only if :func:`state_visible_to` allows it. A change whose "before"
    the principal could not see and whose "after" they can is, for them, a session that
    appears: kind ``new``, with the "after" only. One whose "after" they cannot see is, for
    them, a session that goes: kind ``removed``, with the "before" only. Either way neither
    the hidden state nor the list of fields that differ from it is shown.
    """
    before, after = entry.get("before"), entry.get("after")
    sees_before, sees_after = state_visible_to(principal, before), state_visible_to(principal, after)
    if sees_before and sees_after:
        return {"kind": kind, **entry}
    if sees_after:
        return {"kind": "new", "code": entry["code"], "after": after}
    if sees_before:
        return {"kind": "removed", "code": entry["code"], "before": before}
    return None


def change_entries_visible_to(principal: Principal, versions: Iterable[ScheduleVersion]) -> list[dict[str, Any]]:
    """The changes of ``versions`` (in the order given), one entry per session and kind with
    its ``version`` number, each as :func:`change_entry_seen_by` shows it to the principal.

    Every output of the history (the API's versions and changes, change notices, webhook
    payloads) reads it through here. No query.
    """
    entries: list[dict[str, Any]] = []
    for version in versions:
        for kind, items in version.changes.items():
            for item in items:
                seen = change_entry_seen_by(principal, kind=kind, entry=item)
                if seen is not None:
                    entries.append({"version": version.number, **seen})
    return entries


@dataclass(frozen=True)
class ChangesPage:
    """A page of the changes after version ``since`` up to version ``until``, as a principal
    sees them (:func:`change_entries_visible_to`), and where the next page starts: ``after``
    (version, position), or ``None`` on the last page."""

    since: int
    until: int | None
    entries: list[dict[str, Any]]
    after: tuple[int, int] | None


def changes_page_visible_to(
    principal: Principal,
    *,
    event: Event,
    since: int,
    until: int | None = None,
    after: tuple[int, int] | None = None,
    limit: int = 500,
) -> ChangesPage:
    """Up to ``limit`` entries of the changes of versions ``since`` + 1 to ``until`` (the last
    version when ``None``), oldest first, each as :func:`change_entry_seen_by` shows it to the
    principal, starting after the entry ``after`` = (version, position).

    A position counts every entry the version recorded (by kind, in its order), those hidden
    from the principal too, so that a page boundary means the same for everyone and stays put
    when versions are published meanwhile: a client that follows ``after`` to the last page
    has every change up to ``until``, and then asks again with ``since=until``. The database
    counts the entries of each version; only the versions the page needs are read, a few at
    a time.
    """
    versions = ScheduleVersion.objects.filter(event=event)
    if until is None:
        until = versions.order_by("-number").values_list("number", flat=True).first()
    if until is None or until <= since:
        return ChangesPage(since, until, [], None)
    first = max(since + 1, after[0] if after else 0)
    total = sum((Coalesce(JSONArrayLength("changes", kind), 0) for kind in CHANGE_KINDS), Value(0))
    pending = list(
        versions.filter(number__gte=first, number__lte=until).order_by("number").values_list("number", total)
    )
    entries: list[dict[str, Any]] = []
    last = after  # the last entry looked at
    while pending:
        batch, wanted = [], limit - len(entries) + 1  # one more tells whether a page follows
        while pending and wanted > 0:
            number, size = pending.pop(0)
            batch.append(number)
            wanted -= size - (after[1] + 1 if after and number == after[0] else 0)
        for number, changes in versions.filter(number__in=batch).order_by("number").values_list("number", "changes"):
            skip = after[1] if after and number == after[0] else -1
            position = -1
            for kind, items in changes.items():
                for item in items:
                    position += 1
                    if position <= skip:
                        continue
                    if len(entries) == limit:
                        return ChangesPage(since, until, entries, last)
                    seen = change_entry_seen_by(principal, kind=kind, entry=item)
                    if seen is not None:
                        entries.append({"version": number, **seen})
                    last = (number, position)
    return ChangesPage(since, until, entries, None)


def audit_entries_of_event(*, event: Event) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(event=event).order_by("-at", "-id")
