"""Accounts' credentials: API tokens, idempotency keys, e-mailed sign-in links and the
addresses each account proved to read. Made, checked and revoked here only."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import ApiToken, IdempotencyKey, SignInLink, VerifiedEmail

# Bytes of randomness in a token: 256 bits, far beyond guessing.
TOKEN_BYTES = 32
# Writing last_used_at on every request would make every read a write; once a minute is enough.
LAST_USED_RESOLUTION_SECONDS = 60
# How long an Idempotency-Key is remembered.
IDEMPOTENCY_TTL = timedelta(hours=24)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: Any, name: str = "") -> tuple[ApiToken, str]:
    """Make a token for ``user``; returns the stored row and the token, which is not kept."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = ApiToken(user=user, name=name.strip()[:100], digest=token_digest(token), prefix=token[:8])
    row.full_clean()
    row.save()
    return row, token


def api_token_authenticate(*, token: str) -> ApiToken | None:
    """The active token row for ``token``, or ``None``; marks when it was last used."""
    row = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if row is None:
        return None
    now = timezone.now()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    return row


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke ``token`` (idempotent: a revoked token keeps its first revocation time)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token


def idempotency_fingerprint(*, method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


def idempotency_key_claim(*, user: Any, key: str, fingerprint: str) -> IdempotencyKey:
    """The record for ``key``: a stored answer to replay, or a new row to fill (in the
    caller's transaction). Raises :class:`IdempotencyConflict` when the key was used for
    another request, :class:`IdempotencyInProgress` when a request with it is still running.
    """
    IdempotencyKey.objects.filter(user=user, key=key, created_at__lt=timezone.now() - IDEMPOTENCY_TTL).delete()
    record = IdempotencyKey.objects.filter(user=user, key=key).first()
    if record is None:
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(user=user, key=key, fingerprint=fingerprint)
        except IntegrityError as exc:
            raise IdempotencyInProgress from exc
    if record.fingerprint != fingerprint:
        raise IdempotencyConflict
    if record.status_code is None:
        raise IdempotencyInProgress
    return record


def idempotency_key_store(*, record: IdempotencyKey, status_code: int, body: Any) -> None:
    record.status_code = status_code
    record.response_body = body
    record.save(update_fields=["status_code", "response_body"])


class IdempotencyConflict(Exception):
    """The key was first used with another method, path or body."""


class IdempotencyInProgress(Exception):
    """A request with the key has not finished."""


# How long an e-mailed sign-in link works, and how many may be asked for an address per hour.
SIGN_IN_LINK_LIFETIME = timedelta(minutes=15)
SIGN_IN_LINKS_PER_HOUR = 5


def sign_in_link_create(*, email: str) -> str | None:
    """A new one-time sign-in link's token for ``email``, or ``None`` when the address has
    asked for too many in the last hour. Only the token's digest is kept."""
    email = email.strip().lower()
    now = timezone.now()
    if SignInLink.objects.filter(email=email, created_at__gte=now - timedelta(hours=1)).count() >= (
        SIGN_IN_LINKS_PER_HOUR
    ):
        return None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    SignInLink.objects.create(email=email, digest=token_digest(token), expires_at=now + SIGN_IN_LINK_LIFETIME)
    return token


def sign_in_link_email(*, token: str) -> str | None:
    """The address of the link ``token`` if it can still be used, else ``None``."""
    return (
        SignInLink.objects.filter(digest=token_digest(token), used_at__isnull=True, expires_at__gt=timezone.now())
        .values_list("email", flat=True)
        .first()
    )


def sign_in_link_use(*, token: str) -> str | None:
    """Use the link ``token``: its address, once; ``None`` if it was used, has expired or
    never existed. Two requests with the same link cannot both succeed."""
    now = timezone.now()
    link = sign_in_link_email(token=token)
    if link is None:
        return None
    used = SignInLink.objects.filter(digest=token_digest(token), used_at__isnull=True, expires_at__gt=now).update(
        used_at=now
    )
    return link if used == 1 else None


def verified_email_owner(*, email: str) -> Any | None:
    """The account that proved it reads ``email`` (case does not matter), or ``None``."""
    row = VerifiedEmail.objects.select_related("user").filter(email__iexact=email.strip()).first()
    return row.user if row else None


def verified_email_add(*, user: Any, email: str) -> VerifiedEmail:
    """Record that ``user`` proved to read ``email``: call it only when a link sent to the
    address was used. Raises :class:`AddressTaken` when another account holds it."""
    email = email.strip().lower()
    row = VerifiedEmail.objects.filter(email__iexact=email).first()
    if row is not None:
        if row.user_id != user.pk:
            raise AddressTaken(email)
        return row
    row = VerifiedEmail.objects.create(user=user, email=email)
    if not user.email:
        user.email = email
        user.save(update_fields=["email"])
    return row


def account_create_for_email(*, email: str) -> Any:
    """A new account, without a usable password, for the owner of ``email``; its username is
    the address (with a number after it when that name is taken)."""
    model = get_user_model()
    email = email.strip().lower()
    base = email[:140]
    username, number = base, 1
    while model.objects.filter(username__iexact=username).exists():
        number += 1
        username = f"{base}~{number}"
    user = model(username=username, email=email)
    user.set_unusable_password()
    user.save()
    return user


class AddressTaken(Exception):
    """Another account has verified this address."""
