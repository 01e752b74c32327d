"""Participants sign in with a one-time link e-mailed to the address they are registered with.

Nothing here says whether an address is registered: asking for a link answers the same
either way, and only registered addresses are written to.
"""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode

from apps.accounts.services import SIGN_IN_LINK_LIFETIME, sign_in_link_create, sign_in_link_use

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
    token = sign_in_link_create(email=participant.email)
    if token is None:
        logger.info("sign-in link refused: too many asked for participant %s", participant.pk)
        return False
    query = f"?{urlencode({'next': next_path})}" if next_path else ""
    url = f"{settings.SITE_URL}{reverse('web:email-link-use', kwargs={'token': token})}{query}"
    with translation.override(language):
        context: dict[str, Any] = {
            "participant": participant,
            "url": url,
            "minutes": int(SIGN_IN_LINK_LIFETIME.total_seconds() // 60),
            "site_url": settings.SITE_URL,
        }
        subject = render_to_string("delegations/email/sign_in_link_subject.txt", context).strip()
        body = render_to_string("delegations/email/sign_in_link.txt", context)
    try:
        send_mail(subject, body, None, [participant.email])
    except (smtplib.SMTPException, OSError):
        # The log names the participant, never the link.
        logger.exception("sign-in link for participant %s could not be sent", participant.pk)
        return False
    return True


@transaction.atomic
def participant_sign_in(*, token: str) -> Any | None:
    """Use the sign-in link ``token``: the user account of the participants registered with
    its address, or ``None`` if the link is used, expired or unknown, or nobody active is
    registered with the address any more.

    A participant without an account gets one on first sign-in (no password: they sign in by
    e-mail until they set one), linked to each active registration with that address that
    has none.
    """
    email = sign_in_link_use(token=token)
    if email is None:
        return None
    participants = list(participants_with_email(email).select_related("user").select_for_update(of=("self",)))
    if not participants:
        return None
    users = [p.user for p in participants if p.user is not None and p.user.is_active]
    user = users[0] if users else _account_for(email)
    if user is None:
        return None
    for participant in participants:
        if participant.user_id is None:
            participant.user = user
            participant.save(update_fields=["user", "updated_at"])
    return user


def _account_for(email: str) -> Any | None:
    """The account named after ``email``, made (without a password) if there is none; ``None``
    when such an account exists but is disabled."""
    model = get_user_model()
    user = model.objects.filter(username__iexact=email).first()
    if user is None:
        user = model(username=email.lower()[:150], email=email.lower())
        user.set_unusable_password()
        user.save()
    return user if user.is_active else None
