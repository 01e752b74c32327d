"""Sending: each claimed notification is checked against the published programme as it is
now, then sent and marked in one transaction, row by row."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from smtplib import SMTPRecipientsRefused
from typing import cast

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone

from apps.delegations.models import Participant
from apps.delegations.selectors import Principal
from apps.events.models import Event, Room
from apps.feeds.ical import render_feed
from apps.kernel.text import single_line
from apps.programme.enums import SessionStatus
from apps.programme.models import ScheduleVersion, Session
from apps.programme.selectors import sessions_expecting, sessions_on_day

from ..enums import NotificationKind, NotificationStatus
from ..models import Notification
from ..selectors import Audience, Wishes, expected_participant_ids, savers_by_code, wishes_by_participant
from ..tasks import TRANSIENT
from .messages import changes_message, digest_message, reminder_message
from .notices import REMOVED, changes_for
from .planning import lateness_allowed

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    status: str
    detail: str = ""
    message: EmailMultiAlternatives | None = None


@dataclass
class _EventContext:
    """What the rows of one event need, read once for the batch."""

    event: Event
    sessions: dict[str, Session] = field(default_factory=dict)
    expected: dict[str, AbstractSet[int]] = field(default_factory=dict)
    wishes: dict[int, Wishes] = field(default_factory=dict)

    @classmethod
    def load(cls, event: Event, rows: list[Notification]) -> _EventContext:
        codes = {row.session_code for row in rows if row.kind == NotificationKind.REMINDER}
        sessions = {
            s.code: s
            for s in Session.objects.published()
            .filter(event=event, code__in=codes)
            .select_related("event", "room__venue")
            .prefetch_related("participants", "delegations")
        }
        savers = savers_by_code(event=event, codes=sessions.keys())
        expected = expected_participant_ids(
            event=event,
            audiences={code: Audience.of_session(s, savers=savers.get(code, ())) for code, s in sessions.items()},
        )
        wishes = wishes_by_participant(event=event, participant_ids={row.participant_id for row in rows})
        return cls(event=event, sessions=sessions, expected=expected, wishes=wishes)


def notifications_send(*, notification_ids: Iterable[int]) -> int:
    """Send the claimed (``queued``) notifications among ``notification_ids``.

    Each row is locked, checked, sent and marked in its own transaction, so a worker that
    dies mid-batch leaves every row either sent and marked, or still queued for the next
    sweep; only the message in flight at that moment can go out twice, and it keeps its
    Message-ID. A row another worker holds, or that is no longer queued, is left alone.
    An address the server refuses marks the row failed; any other SMTP, network or database
    error is raised for the task to retry, the rows not yet sent staying queued. Any other
    error while writing or sending one message (``BadHeaderError`` from an address stored
    with a line break, a template that fails) marks that row failed with its reason, and
    the batch goes on. Returns the number sent.
    """
    rows = list(
        Notification.objects.filter(pk__in=list(notification_ids), status=NotificationStatus.QUEUED)
        .select_related("event", "participant__delegation")
        .order_by("due_at", "pk")
    )
    if not rows:
        return 0
    by_event: dict[int, list[Notification]] = defaultdict(list)
    for row in rows:
        by_event[row.event_id].append(row)
    sent = 0
    connection = get_connection()
    connection.open()
    try:
        for event_rows in by_event.values():
            context = _EventContext.load(event_rows[0].event, event_rows)
            for row in event_rows:
                sent += _send_one(row, context, connection)
    finally:
        connection.close()
    return sent


def _send_one(row: Notification, context: _EventContext, connection: BaseEmailBackend) -> int:
    with transaction.atomic():
        locked = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=row.pk, status=NotificationStatus.QUEUED)
            .values_list("pk", flat=True)
            .first()
        )
        if locked is None:
            return 0
        now = timezone.now()
        try:
            outcome = _decide(row, context, now, connection)
            if outcome.message is not None:
                try:
                    outcome.message.send()
                except SMTPRecipientsRefused as error:
                    outcome = Outcome(NotificationStatus.FAILED, f"address refused: {_codes(error)}")
                else:
                    outcome.status = NotificationStatus.SENT
        except TRANSIENT:
            raise
        except Exception as error:  # one row's fault must not hold back the batch
            logger.exception("notification %s could not be written or sent", row.pk)
            outcome = Outcome(NotificationStatus.FAILED, single_line(f"{type(error).__name__}: {error}"))
        Notification.objects.filter(pk=row.pk).update(
            status=outcome.status,
            detail=outcome.detail[:300],
            sent_at=now if outcome.status == NotificationStatus.SENT else None,
        )
    logger.info("notification %s %s: %s %s", row.pk, row.kind, outcome.status, outcome.detail)
    return 1 if outcome.status == NotificationStatus.SENT else 0


def _codes(error: SMTPRecipientsRefused) -> str:
    return ", ".join(str(code) for code, _text in error.recipients.values())


def _decide(row: Notification, context: _EventContext, now: dt.datetime, connection: BaseEmailBackend) -> Outcome:
    wishes = context.wishes.get(row.participant_id)
    if wishes is None:
        return Outcome(NotificationStatus.SKIPPED, "participant withdrawn")
    if not wishes.by_email:
        return Outcome(NotificationStatus.SKIPPED, "e-mail turned off or no address")
    if row.kind == NotificationKind.REMINDER:
        return _reminder(row, context, wishes, now, connection)
    if row.kind == NotificationKind.DIGEST:
        return _digest(row, context.event, connection)
    return _changes(row, context.event, connection)


def _reminder(
    row: Notification, context: _EventContext, wishes: Wishes, now: dt.datetime, connection: BaseEmailBackend
) -> Outcome:
    session = context.sessions.get(row.session_code)
    if session is None:
        return Outcome(NotificationStatus.SKIPPED, "no longer in the published programme")
    if session.status == SessionStatus.CANCELLED:
        return Outcome(NotificationStatus.SKIPPED, "cancelled")
    if session.start != row.session_start:
        return Outcome(NotificationStatus.SKIPPED, "moved")
    if row.participant_id not in context.expected.get(session.code, set()):
        return Outcome(NotificationStatus.SKIPPED, "no longer expected")
    if row.lead_minutes not in wishes.lead_minutes:
        return Outcome(NotificationStatus.SKIPPED, "lead time no longer wanted")
    if now >= session.start:
        return Outcome(NotificationStatus.MISSED, "the session had begun")
    if now > row.due_at + lateness_allowed(row.lead_minutes):
        return Outcome(NotificationStatus.MISSED, "too late to be useful")
    message = reminder_message(notification=row, participant=row.participant, session=session, connection=connection)
    return Outcome(NotificationStatus.SENT, message=message)


def _digest(row: Notification, event: Event, connection: BaseEmailBackend) -> Outcome:
    day = cast(dt.date, row.day)  # set on every digest (the notification_key_matches_kind constraint)
    principal = Principal(event=event, participant=row.participant)
    sessions = list(
        sessions_on_day(sessions_expecting(principal), event=event, day=day)
        .exclude(status=SessionStatus.CANCELLED)
        .select_related("event", "room__venue")
        .order_by("start", "code")
    )
    if not sessions:
        return Outcome(NotificationStatus.SKIPPED, "nothing on the agenda that day")
    message = digest_message(
        notification=row, participant=row.participant, event=event, day=day, sessions=sessions, connection=connection
    )
    return Outcome(NotificationStatus.SENT, message=message)


def _changes(row: Notification, event: Event, connection: BaseEmailBackend) -> Outcome:
    versions = list(
        ScheduleVersion.objects.filter(event=event, number__gte=row.version_from, number__lte=row.version_to).order_by(
            "number"
        )
    )
    participant: Participant = row.participant
    changes = changes_for(participant=participant, versions=versions, event=event)
    if not changes:
        return Outcome(NotificationStatus.SKIPPED, "nothing changed for them in the end")
    room_ids = {c.state.get("room") for c in changes} | {(c.before or {}).get("room") for c in changes}
    rooms = {r.pk: r for r in Room.objects.filter(pk__in=[pk for pk in room_ids if pk]).select_related("venue")}
    current = list(
        Session.objects.published()
        .filter(event=event, code__in=[c.code for c in changes if c.after and c.kind != REMOVED])
        .select_related("event", "room__venue")
        .order_by("start", "code")
    )
    calendar = None
    if current:
        calendar = render_feed(
            name=event.display_name(participant.language),
            event=event,
            sessions=current,
            language=participant.language,
            site_url=settings.SITE_URL,
        ).body
    message = changes_message(
        notification=row,
        participant=participant,
        event=event,
        changes=changes,
        rooms=rooms,
        calendar=calendar,
        connection=connection,
    )
    return Outcome(NotificationStatus.SENT, message=message)
