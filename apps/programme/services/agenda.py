"""A participant's own choices of sessions: "Add to my agenda" and "Remove from my agenda"."""

from __future__ import annotations

from django.db import transaction

from apps.delegations.selectors import Principal

from ..errors import AgendaSessionCancelled, AgendaSessionNotFound, ExpectedByAudience
from ..models import AgendaChoice, Session
from ..selectors import sessions_expecting, sessions_visible_to
from ..signals import agenda_changed


def agenda_add(*, principal: Principal, code: str) -> Session:
    """Add the session ``code`` to the principal's agenda; adding it twice changes nothing.

    Raises :class:`AgendaSessionNotFound` when the principal is no participant of the event
    or may not see the session, and :class:`AgendaSessionCancelled` when it is cancelled.
    Sends ``agenda_changed`` after commit. Returns the session as the principal sees it.
    """
    me = principal.participant
    session = sessions_visible_to(principal).filter(code=code).first() if me is not None else None
    if me is None or session is None:
        raise AgendaSessionNotFound()
    if session.is_cancelled:
        raise AgendaSessionCancelled()
    with transaction.atomic():
        _choice, created = AgendaChoice.objects.get_or_create(participant=me, code=session.code)
        if created:
            transaction.on_commit(lambda: agenda_changed.send(sender=AgendaChoice, participant=me, code=code))
    return session


def agenda_remove(*, principal: Principal, code: str) -> None:
    """Take the session ``code``, which the principal added, out of their agenda.

    Raises :class:`ExpectedByAudience` when they did not add it but its audience expects
    them (only organizers change an audience), and :class:`AgendaSessionNotFound` when it is
    not in their agenda at all. Sends ``agenda_changed`` after commit.
    """
    me = principal.participant
    if me is None:
        raise AgendaSessionNotFound()
    with transaction.atomic():
        deleted, _by_model = AgendaChoice.objects.filter(participant=me, code=code).delete()
        if deleted:
            transaction.on_commit(lambda: agenda_changed.send(sender=AgendaChoice, participant=me, code=code))
            return
    if sessions_expecting(principal).filter(code=code).exists():
        raise ExpectedByAudience()
    raise AgendaSessionNotFound()


def agenda_codes_saved(*, principal: Principal) -> set[str]:
    """The codes the principal added to their agenda (whether or not they count now)."""
    if principal.participant is None:
        return set()
    return set(AgendaChoice.objects.filter(participant=principal.participant).values_list("code", flat=True))
