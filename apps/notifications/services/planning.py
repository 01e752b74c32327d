"""Planning: reminders and digests become rows with a due time, some way ahead of it.

The sweep plans the next stretch of time every minute; a publication re-plans the sessions it
changed, and a participant's new wishes re-plan theirs. Planning is idempotent: the unique key
of a notification makes planning the same thing twice harmless.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection

from django.conf import settings
from django.db import transaction

from apps.events.models import Event
from apps.programme.enums import SessionStatus
from apps.programme.models import Session

from ..enums import NotificationKind, NotificationStatus
from ..models import Notification, PlanningState, ReminderPreference
from ..selectors import (
    Audience,
    expected_participant_ids,
    lead_minutes_in_use,
    savers_by_code,
    wishes_by_participant,
)

# Planning never reaches further back than this (a planner switched off for a week does not
# fill the log with a week of missed reminders).
LOOKBACK = dt.timedelta(days=1)
# Reminders that have gone out, or are on their way, for a session at a given start.
_TAKEN = (NotificationStatus.QUEUED, NotificationStatus.SENT)


def plan_ahead() -> dt.timedelta:
    return dt.timedelta(minutes=settings.REMINDER_PLAN_AHEAD_MINUTES)


def lateness_allowed(lead_minutes: int) -> dt.timedelta:
    """How late a reminder may still go out: a quarter of its lead time, at least 5 minutes.
    Later than that, "in 1 day" would be untrue and the change notice has said it better."""
    return dt.timedelta(minutes=max(5, lead_minutes // 4))


def reminders_plan(
    *,
    event: Event,
    due_until: dt.datetime,
    due_after: dt.datetime | None = None,
    not_begun_at: dt.datetime | None = None,
    not_late_at: dt.datetime | None = None,
    codes: Collection[str] | None = None,
    participant_ids: Collection[int] | None = None,
) -> int:
    """Make the rows of the event's reminders due in (``due_after``, ``due_until``].

    Only published sessions that are not cancelled, and only participants who are expected
    (``apps.programme.audience``: the audience, or their own choice), active, reachable by
    e-mail and want that lead time. With ``not_begun_at``, sessions that have begun by then
    are left out; with ``not_late_at``, reminders already too late then.
    A participant already reminded (or about to be) for the same session, lead time and start
    gets no second row; a pending row of an older version of the session is skipped as
    superseded. Returns the number of rows planned.
    """
    planned = 0
    for lead in sorted(lead_minutes_in_use(event=event)):
        before = dt.timedelta(minutes=lead)
        sessions = (
            Session.objects.published()
            .filter(event=event, start__lte=due_until + before)
            .exclude(status__in=[SessionStatus.CANCELLED, SessionStatus.DRAFT])
        )
        if due_after is not None:
            sessions = sessions.filter(start__gt=due_after + before)
        if not_begun_at is not None:
            sessions = sessions.filter(start__gt=not_begun_at)
        if not_late_at is not None:
            sessions = sessions.filter(start__gte=not_late_at + before - lateness_allowed(lead))
        if codes is not None:
            sessions = sessions.filter(code__in=list(codes))
        sessions_list = list(sessions.prefetch_related("participants", "delegations"))
        if sessions_list:
            planned += _plan_lead(event, lead, sessions_list, participant_ids)
    return planned


def _plan_lead(event: Event, lead: int, sessions: list[Session], participant_ids: Collection[int] | None) -> int:
    savers = savers_by_code(event=event, codes=[s.code for s in sessions])
    expected = expected_participant_ids(
        event=event, audiences={s.code: Audience.of_session(s, savers=savers.get(s.code, ())) for s in sessions}
    )
    people = set().union(*expected.values())
    if participant_ids is not None:
        people &= set(participant_ids)
    # A session for every participant concerns them all: read everyone's wishes in one query
    # rather than naming 100,000 ids in it.
    everyone = participant_ids is None and any(s.for_everyone for s in sessions)
    wishes = wishes_by_participant(event=event, participant_ids=None if everyone else people)
    wanted = {
        s.code: {pid for pid in expected[s.code] & people if wishes[pid].by_email and lead in wishes[pid].lead_minutes}
        for s in sessions
    }
    sessions = [s for s in sessions if wanted[s.code]]
    if not sessions:
        return 0
    mine = Notification.objects.filter(
        event=event, kind=NotificationKind.REMINDER, lead_minutes=lead, session_code__in=[s.code for s in sessions]
    )
    if participant_ids is not None:
        mine = mine.filter(participant_id__in=set().union(*wanted.values()))
    # Pending rows of an older version are superseded: one update per sequence, not per session.
    by_sequence: dict[int, list[str]] = defaultdict(list)
    for session in sessions:
        by_sequence[session.sequence].append(session.code)
    for sequence, codes in by_sequence.items():
        mine.filter(status=NotificationStatus.PENDING, session_code__in=codes).exclude(
            session_sequence=sequence
        ).update(status=NotificationStatus.SKIPPED, detail="superseded by a newer version of the session")
    done = set(mine.filter(status__in=_TAKEN).values_list("participant_id", "session_code", "session_start"))
    rows = [
        Notification(
            event=event,
            participant_id=pid,
            kind=NotificationKind.REMINDER,
            session_code=session.code,
            lead_minutes=lead,
            session_sequence=session.sequence,
            session_start=session.start,
            due_at=session.start - dt.timedelta(minutes=lead),
        )
        for session in sessions
        for pid in sorted(wanted[session.code])
        if (pid, session.code, session.start) not in done
    ]
    Notification.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)


def digests_plan(*, event: Event, due_after: dt.datetime, due_until: dt.datetime) -> int:
    """Rows for the "your day tomorrow" e-mails due in (``due_after``, ``due_until``]: one per
    participant who asked for it, for each day of the event, at their local hour the day
    before. Whether there is anything to say is decided when it is sent."""
    chosen = (
        ReminderPreference.objects.filter(
            participant__event=event, participant__is_active=True, digest_hour__isnull=False
        )
        .values_list("digest_hour", flat=True)
        .distinct()
    )
    hours = [hour for hour in chosen if hour is not None]
    rows: list[Notification] = []
    for hour in hours:
        for day in event.days:
            due = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(hour), tzinfo=event.zone)
            if not due_after < due <= due_until:
                continue
            wishes = wishes_by_participant(
                event=event,
                participant_ids=ReminderPreference.objects.filter(
                    participant__event=event, digest_hour=hour
                ).values_list("participant_id", flat=True),
            )
            rows.extend(
                Notification(
                    event=event,
                    participant_id=pid,
                    kind=NotificationKind.DIGEST,
                    day=day,
                    due_at=due,
                )
                for pid, wish in sorted(wishes.items())
                if wish.by_email
            )
    Notification.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)


def planning_advance(*, event: Event, now: dt.datetime) -> int:
    """Plan the event's reminders and digests up to ``now`` plus the planning horizon.

    Serialised per event on its planning row, so two sweeps at once plan each stretch once.
    """
    with transaction.atomic():
        state = PlanningState.objects.select_for_update().filter(event=event).first()
        if state is None:
            # The first sweep of an event starts from the minute before it.
            start = now - dt.timedelta(minutes=1)
            state, _created = PlanningState.objects.get_or_create(
                event=event, defaults={"reminders_planned_until": start}
            )
            state = PlanningState.objects.select_for_update().get(pk=state.pk)
        since = max(state.reminders_planned_until, now - LOOKBACK)
        until = now + plan_ahead()
        if until <= since:
            return 0
        planned = reminders_plan(event=event, due_after=since, due_until=until)
        planned += digests_plan(event=event, due_after=since, due_until=until)
        state.reminders_planned_until = until
        state.save(update_fields=["reminders_planned_until"])
    return planned


def planned_until(event: Event) -> dt.datetime | None:
    return PlanningState.objects.filter(event=event).values_list("reminders_planned_until", flat=True).first()


def reminders_replan(
    *,
    event: Event,
    now: dt.datetime,
    codes: Collection[str] | None = None,
    participant_ids: Collection[int] | None = None,
) -> int:
    """After a publication or a change of wishes: plan again, for the sessions or people
    concerned, the reminders due up to the planning horizon (or as far as the sweep has
    planned, if further) whose session has not begun and that are not yet too late."""
    until = max(planned_until(event) or now, now + plan_ahead())
    return reminders_plan(
        event=event, due_until=until, not_begun_at=now, not_late_at=now, codes=codes, participant_ids=participant_ids
    )
