"""Participants sign in with a one-time link e-mailed to the address they are registered with.

Nothing here says whether an address is registered: asking for a link answers the same
either way, and only registered addresses are written to.
"""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode

from apps.accounts.services import (
    SIGN_IN_LINK_LIFETIME,
    account_create_for_email,
    sign_in_link_create,
    sign_in_link_use,
    verified_email_add,
    verified_email_owner,
)
from apps.kernel.links import absolute_url
from apps.kernel.text import single_line

from .models import Participant

logger = logging.getLogger(__name__)


def participants_with_email(email: str) -> QuerySet[Participant]:
    """Active registrations, in any event, under ``email`` (case does not matter)."""
    return Participant.objects.filter(email__iexact=email.strip(), is_active=True).exclude(email="")


def participant_sign_in_link_send(*, email: str, next_path: str = "", language: str) -> bool:
    """E-mail a one-time sign-in link to ``email`` if a participant is registered with it
    and the address has not asked for too many links lately. Returns whether a message was
    sent; callers show the same answer either way."""
    participant = participants_with_email(email).select_related("event").order_by("-event__start_date").first()
    if participant is None:
        return False
    owner = verified_email_owner(email=participant.email)
    if owner is not None and not may_sign_in_by_link(owner):
        logger.info("sign-in link not sent: account %s signs in with a password", owner.pk)
        return False
    token = sign_in_link_create(email=participant.email)
    if token is None:
        logger.info("sign-in link refused: too many asked for participant %s", participant.pk)
        return False
    query = f"?{urlencode({'next': next_path})}" if next_path else ""
    url = absolute_url(f"{reverse('web:email-link-use', kwargs={'token': token})}{query}")
    with translation.override(language):
        context: dict[str, Any] = {
            "participant": participant,
            "url": url,
            "minutes": int(SIGN_IN_LINK_LIFETIME.total_seconds() // 60),
            "site_url": settings.SITE_URL,
        }
        # A name stored by some other path than the validated ones must not break the header.
        subject = single_line(render_to_string("delegations/email/sign_in_link_subject.txt", context))
        body = render_to_string("delegations/email/sign_in_link.txt", context)
    try:
        send_mail(subject, body, None, [participant.email])
    except (smtplib.SMTPException, OSError):
        # The log names the participant, never the link.
        logger.exception("sign-in link for participant %s could not be sent", participant.pk)
        return False
    return True


def may_sign_in_by_link(user: Any) -> bool:
    """Whether ``user`` may sign in with an e-mailed link alone. Staff, superusers and
    organizers hold more than one registration's worth of rights: they sign in with their
    password."""
    return bool(user.is_active and not user.is_staff and not user.is_superuser and not user.organized_events.exists())


@transaction.atomic
def participant_sign_in(*, token: str, signed_in: Any | None = None) -> Any | None:
    """Use the sign-in link ``token``: the account that owns the link's address, or ``None``
    if the link is used, expired or unknown, nobody active is registered with the address any
    more, or that account may not sign in by link (:func:`may_sign_in_by_link`).

    Using the link proves that its user reads the address. The address's owner is the
    account that verified it earlier; failing that, ``signed_in`` (the account already
    signed in in this browser, which so confirms a new address of its own), or else a new
    account without a password. Who a participant's ``user`` is plays no part: an address
    changed by an organizer or a head never hands over the account it was linked to.

    The owner takes up each active registration with the address that has no account yet,
    in events where it has none.
    """
    email = sign_in_link_use(token=token)
    if email is None:
        return None
    participants = list(participants_with_email(email).select_for_update())
    if not participants:
        return None
    owner = verified_email_owner(email=email)
    if owner is None:
        if signed_in is not None and signed_in.is_authenticated and may_sign_in_by_link(signed_in):
            owner = signed_in
        else:
            owner = account_create_for_email(email=email)
        verified_email_add(user=owner, email=email)
    if not may_sign_in_by_link(owner):
        logger.info("sign-in link refused: account %s signs in with a password", owner.pk)
        return None
    taken = set(Participant.objects.filter(user=owner).values_list("event_id", flat=True))
    for participant in participants:
        if participant.user_id is None and participant.event_id not in taken:
            participant.user = owner
            participant.save(update_fields=["user", "updated_at"])
            taken.add(participant.event_id)
    return owner
