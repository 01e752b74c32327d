"""Sending, a batch at a time: the claimed rows are taken at once, checked against the
published programme as it is now, rendered once per group and sent over one SMTP connection;
each message accepted is marked sent before the next goes out."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from smtplib import SMTPDataError, SMTPException, SMTPRecipientsRefused
from typing import cast

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection as db
from django.db import transaction
from django.db.models import CharField, QuerySet, Value
from django.db.models.functions import Concat
from django.utils import timezone

from apps.delegations.models import Participant
from apps.delegations.selectors import Principal
from apps.events.models import Event, Room
from apps.feeds.ical import render_feed
from apps.kernel.text import single_line
from apps.programme.enums import SessionStatus
from apps.programme.models import AgendaChoice, ScheduleVersion, Session
from apps.programme.selectors import sessions_expecting, sessions_on_day

from ..enums import NotificationKind, NotificationStatus
from ..models import Notification
from ..selectors import Audience, Wishes, wishes_by_participant
from ..tasks import TRANSIENT
from .messages import changes_message, digest_message, reminder_group
from .notices import REMOVED, changes_for
from .planning import lateness_allowed
from .prepared import MessageGroup

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    status: str
    detail: str = ""
    message: EmailMultiAlternatives | None = None


@dataclass
class _EventContext:
    """What the rows of one event need, read once for the batch: the published sessions its
    reminders announce with their audiences, and the wishes of the batch's participants."""

    event: Event
    sessions: dict[str, Session] = field(default_factory=dict)
    audiences: dict[str, Audience] = field(default_factory=dict)
    wishes: dict[int, Wishes] = field(default_factory=dict)
    versions: dict[tuple[int, int], list[ScheduleVersion]] = field(default_factory=dict)

    @classmethod
    def load(cls, event: Event, rows: list[Notification]) -> _EventContext:
        codes = {row.session_code for row in rows if row.kind == NotificationKind.REMINDER}
        people = {row.participant_id for row in rows}
        sessions = {
            s.code: s
            for s in Session.objects.published()
            .filter(event=event, code__in=codes)
            .select_related("event", "room__venue")
            .prefetch_related("participants", "delegations")
        }
        # Who added the sessions to their agenda, among this batch's people only: a plenary
        # expects 100,000, a batch holds a few hundred of them.
        savers: dict[str, set[int]] = defaultdict(set)
        if sessions:
            choices = AgendaChoice.objects.filter(participant_id__in=people, code__in=list(sessions))
            for code, pid in choices.values_list("code", "participant_id"):
                savers[code].add(pid)
        audiences = {code: Audience.of_session(s, savers=savers.get(code, ())) for code, s in sessions.items()}
        wishes = wishes_by_participant(event=event, participant_ids=people)
        return cls(event=event, sessions=sessions, audiences=audiences, wishes=wishes)


@dataclass
class _Batch:
    """The rows a sender took, what it decided for each, and what it sends."""

    taken_at: dt.datetime
    marks: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(list))
    outgoing: list[tuple[Notification, EmailMultiAlternatives]] = field(default_factory=list)

    def mark(self, row: Notification, outcome: Outcome) -> None:
        self.marks[(outcome.status, outcome.detail[:300])].append(row.pk)

    def marks_write(self) -> None:
        """One UPDATE per outcome (status and detail) for the rows decided without sending."""
        for (status, detail), ids in self.marks.items():
            _mine(ids, self.taken_at).update(status=status, detail=detail, sent_at=None)
        self.marks.clear()


def _queued(ids: Iterable[int]) -> QuerySet[Notification]:
    """The rows among ``ids`` still queued. The status is compared as an expression, so that
    the primary key finds the rows: right after a claim the statistics may still say that no
    row is queued, and the planner would then scan the status index, all 100,000 queued rows,
    for each batch (100 ms a query)."""
    return (
        Notification.objects.filter(pk__in=list(ids))
        .alias(current=Concat("status", Value(""), output_field=CharField()))
        .filter(current=NotificationStatus.QUEUED)
    )


def _mine(ids: Iterable[int], taken_at: dt.datetime) -> QuerySet[Notification]:
    """The rows among ``ids`` still queued and still this sender's (taken at ``taken_at``)."""
    return _queued(ids).filter(claimed_at=taken_at)


def notifications_take(*, notification_ids: Iterable[int], now: dt.datetime) -> list[int]:
    """Take the claimed (``queued``) rows among ``notification_ids`` for one sender: their
    claim is renewed to ``now``, the sender's mark on them. Rows another sender is taking at
    that moment are skipped (``SKIP LOCKED`` on PostgreSQL). Two queries in one transaction."""
    with transaction.atomic():
        ids = list(_queued(notification_ids).select_for_update(skip_locked=True).values_list("pk", flat=True))
        if ids:
            Notification.objects.filter(pk__in=ids).update(claimed_at=now)
    return ids


def notifications_send(*, notification_ids: Iterable[int]) -> int:
    """Send the claimed (``queued``) notifications among ``notification_ids``, as one batch.

    The batch's rows are taken at once (:func:`notifications_take`), read with what they
    need in a fixed number of queries, and checked against the published programme as it
    is now; the rows that go out no more are marked set-based, one UPDATE per outcome.
    Messages are rendered once per session, lead time and language, and sent over one SMTP
    connection. Each accepted message is marked ``sent`` at once, in its own statement,
    before the next goes out: a worker that dies mid-batch leaves every row either sent and
    marked or still queued for the next sweep; only the message in flight at that moment
    can go out twice, and it keeps its Message-ID. A row that is no longer this sender's (a
    sweep claimed it again after its lease) stops the batch.

    An address the server refuses for good (5xx) marks its row failed; one refused for now
    (4xx), or a message the server turns down for now, stays queued, and once the rest of
    the batch is sent ``TemporaryRefusal`` is raised for the task to retry those rows only.
    Any other SMTP, network or database error is raised for the task to retry, the rows not
    yet sent staying queued. Any other error while writing one message (a template that
    fails) marks that row failed with its reason. Returns the number sent.
    """
    taken_at = timezone.now()
    ids = notifications_take(notification_ids=notification_ids, now=taken_at)
    if not ids:
        return 0
    rows = list(
        Notification.objects.filter(pk__in=ids)
        .select_related("event", "participant__delegation")
        .order_by("due_at", "pk")
    )
    batch = _Batch(taken_at=taken_at)
    connection = get_connection()
    by_event: dict[int, list[Notification]] = defaultdict(list)
    for row in rows:
        by_event[row.event_id].append(row)
    for event_rows in by_event.values():
        context = _EventContext.load(event_rows[0].event, event_rows)
        _prepare(event_rows, context, batch, connection)
    batch.marks_write()
    return _send(batch, connection)


def _prepare(rows: list[Notification], context: _EventContext, batch: _Batch, connection: BaseEmailBackend) -> None:
    """Decide every row; reminders that go out are rendered once per session, lead time and
    language."""
    groups: dict[tuple[str, str, int], MessageGroup] = {}
    for row in rows:
        try:
            outcome = _decide(row, context, batch.taken_at, connection)
            if outcome.status != NotificationStatus.SENT:
                batch.mark(row, outcome)
                continue
            if outcome.message is None:  # a reminder: made from its group
                session = context.sessions[row.session_code]
                language = row.participant.language
                key = (session.code, language, row.lead_minutes)
                if key not in groups:
                    groups[key] = reminder_group(
                        session=session, language=language, lead_minutes=row.lead_minutes, connection=connection
                    )
                participant = row.participant
                outcome.message = groups[key].email(
                    name=f"{participant.first_name} {participant.last_name}".strip(),
                    address=participant.email,
                    message_id=row.message_id,
                )
        except TRANSIENT:
            raise
        except Exception as error:  # one row's fault must not hold back the batch
            logger.exception("notification %s could not be written", row.pk)
            batch.mark(row, Outcome(NotificationStatus.FAILED, single_line(f"{type(error).__name__}: {error}")))
            continue
        batch.outgoing.append((row, outcome.message))


class TemporaryRefusal(SMTPException):
    """The server put off some of a batch's messages (4xx); they stay queued for a retry."""


def _send(batch: _Batch, connection: BaseEmailBackend) -> int:
    if not batch.outgoing:
        return 0
    sent, later = 0, 0
    connection.open()
    try:
        for row, message in batch.outgoing:
            try:
                connection.send_messages([message])
            except SMTPRecipientsRefused as error:
                if _permanent(error):
                    batch.mark(row, Outcome(NotificationStatus.FAILED, f"address refused: {_codes(error)}"))
                else:
                    later += 1
                continue
            except SMTPDataError as error:
                if error.smtp_code >= 500:
                    batch.mark(row, Outcome(NotificationStatus.FAILED, f"message refused: {error.smtp_code}"))
                else:
                    later += 1
                continue
            except TRANSIENT:
                raise
            except Exception as error:  # such as BadHeaderError: this message only
                logger.exception("notification %s could not be sent", row.pk)
                failure = single_line(f"{type(error).__name__}: {error}")
                batch.mark(row, Outcome(NotificationStatus.FAILED, failure))
                continue
            if not _mark_sent(row.pk, batch.taken_at):
                logger.warning("notification %s was claimed again while it was sent; the batch stops", row.pk)
                break
            sent += 1
    finally:
        connection.close()
        batch.marks_write()
    logger.info("batch: %s sent, %s put off by the server", sent, later)
    if later:
        raise TemporaryRefusal(f"{later} messages put off by the server")
    return sent


def _mark_sent(pk: int, taken_at: dt.datetime) -> bool:
    """``_mine([pk], taken_at).update(status=SENT, sent_at=now)`` without building the query
    each time: it runs once per message. Whether the row was still this sender's."""
    ops = db.ops
    with db.cursor() as cursor:
        cursor.execute(
            _MARK_SENT,
            [
                NotificationStatus.SENT.value,
                ops.adapt_datetimefield_value(timezone.now()),
                pk,
                NotificationStatus.QUEUED.value,
                ops.adapt_datetimefield_value(taken_at),
            ],
        )
        return cursor.rowcount == 1


# The status as an expression, as in _queued: the primary key finds the row.
_MARK_SENT = (
    "UPDATE notifications_notification SET status = %s, sent_at = %s "
    "WHERE id = %s AND (status || '') = %s AND claimed_at = %s"
)


def _permanent(error: SMTPRecipientsRefused) -> bool:
    return all(code >= 500 for code, _text in error.recipients.values())


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
    return _changes(row, context, connection)


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
    if not context.audiences[session.code].expects(row.participant):
        return Outcome(NotificationStatus.SKIPPED, "no longer expected")
    if row.lead_minutes not in wishes.lead_minutes:
        return Outcome(NotificationStatus.SKIPPED, "lead time no longer wanted")
    if now >= session.start:
        return Outcome(NotificationStatus.MISSED, "the session had begun")
    if now > row.due_at + lateness_allowed(row.lead_minutes):
        return Outcome(NotificationStatus.MISSED, "too late to be useful")
    return Outcome(NotificationStatus.SENT)  # its message is made with its group


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


def _changes(row: Notification, context: _EventContext, connection: BaseEmailBackend) -> Outcome:
    event = context.event
    span = (cast(int, row.version_from), cast(int, row.version_to))  # set on every change notice
    if span not in context.versions:  # most of a batch's notices cover the same versions
        context.versions[span] = list(
            ScheduleVersion.objects.filter(event=event, number__gte=span[0], number__lte=span[1]).order_by("number")
        )
    versions = context.versions[span]
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
