"""Partner systems (the 96119 and 12345 hotlines): their signing keys, and checking a signed
request (HMAC, docs/integration-auth.md) with its nonce and clock skew. No web imports."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.core import audit, dialect, security
from backend.core.audit import Actor
from backend.core.db import utcnow
from backend.core.errors import InvalidInput, NotFound, Unauthenticated
from backend.core.settings import Settings
from backend.identity.enums import Role
from backend.identity.models import IntegrationKey, IntegrationNonce, User
from backend.identity.service import PRINCIPAL_COLUMNS, Principal

NONCE_PATTERN = re.compile(r"^[A-Za-z0-9_\-]{16,128}$")


@dataclass(frozen=True)
class IssuedKey:
    key_id: str
    secret: str


def issue_integration_key(
    session: Session, settings: Settings, user: User, actor: Actor
) -> IssuedKey:
    if Role(user.role) is not Role.INTEGRATION:
        raise InvalidInput("signing keys are for integration clients only", field="role")
    issued = IssuedKey(key_id="fgk_" + secrets.token_hex(8), secret=security.random_key_secret())
    session.add(
        IntegrationKey(
            key_id=issued.key_id,
            user_id=user.id,
            sealed_secret=security.seal(settings.resolved_secret_key, issued.secret),
        )
    )
    audit.record(
        session,
        actor=actor,
        action="integration.key_issued",
        subject_type="user",
        subject_id=user.id,
        after={"key_id": issued.key_id},
    )
    session.flush()
    return issued


def revoke_integration_key(session: Session, key_id: str, actor: Actor) -> None:
    """Stop a signing key at once (a leaked secret): requests signed with it are refused from
    now on, in every process (`signed_partners` asks the database, not a cache)."""
    key = session.get(IntegrationKey, key_id)
    if key is None:
        raise NotFound(f"no signing key {key_id!r}")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record(
            session,
            actor=actor,
            action="integration.key_revoked",
            subject_type="user",
            subject_id=key.user_id,
            after={"key_id": key_id},
        )


@dataclass(frozen=True)
class SignedRequest:
    method: str
    path: str
    key_id: str | None
    timestamp: str | None
    nonce: str | None
    signature: str | None
    body: bytes


def authenticate_signed_request(
    session: Session, settings: Settings, request: SignedRequest, *, record_nonce: bool = True
) -> Principal:
    """Check an integration client's signature, freshness and nonce, in that order, and return
    the client. Any failure is a 401 naming what was wrong.

    With `record_nonce=False` the nonce is only checked as unused: the caller records it with
    `record_nonces` in the transaction that acts on the request, and a replay that slips in
    between is refused there."""
    check_signed_headers(settings, request)
    assert request.key_id and request.nonce
    key = session.get(IntegrationKey, request.key_id)
    user = session.get(User, key.user_id) if key else None
    if key is None or key.revoked_at is not None or user is None or not user.is_active:
        raise Unauthenticated(UNKNOWN_KEY)
    check_signature(security.unseal(settings.resolved_secret_key, key.sealed_secret), request)
    if not record_nonce:
        if session.get(IntegrationNonce, (key.key_id, request.nonce)) is not None:
            raise Unauthenticated(REPLAYED)
        return Principal.of(user)
    try:
        with session.begin_nested():
            session.add(IntegrationNonce(key_id=key.key_id, nonce=request.nonce, seen_at=utcnow()))
    except IntegrityError:
        raise Unauthenticated(REPLAYED) from None
    return Principal.of(user)


def check_signed_headers(settings: Settings, request: SignedRequest) -> None:
    """What can be refused without the key: missing headers, a stale clock, a malformed nonce."""
    missing = [
        header
        for header, value in (
            ("X-Firegrid-Key-Id", request.key_id),
            ("X-Firegrid-Timestamp", request.timestamp),
            ("X-Firegrid-Nonce", request.nonce),
            ("X-Firegrid-Signature", request.signature),
        )
        if not value
    ]
    if missing:
        raise Unauthenticated("signed request is missing headers: " + ", ".join(missing))
    assert request.timestamp and request.nonce
    try:
        sent_at = int(request.timestamp)
    except ValueError:
        raise Unauthenticated("X-Firegrid-Timestamp must be Unix seconds") from None
    skew = abs(utcnow().timestamp() - sent_at)
    if skew > settings.hmac_clock_skew_seconds:
        raise Unauthenticated(
            f"X-Firegrid-Timestamp is {int(skew)} s away from server time "
            f"(allowed: {settings.hmac_clock_skew_seconds} s)"
        )
    if not NONCE_PATTERN.match(request.nonce):
        raise Unauthenticated("X-Firegrid-Nonce must be 16-128 URL-safe characters")


def check_signature(secret: str, request: SignedRequest) -> None:
    assert request.timestamp and request.nonce and request.signature
    expected = security.sign(
        secret, request.method, request.path, request.timestamp, request.nonce, request.body
    )
    if not security.signatures_match(expected, request.signature):
        raise Unauthenticated("signature does not match; see docs/integration-auth.md")


class KeySecrets:
    """Signing secrets by key id, kept by each API process once read.

    A key's secret never changes (a new secret is a new key id), so a signature can be checked
    without the database. Whether the key is still valid, its client still active and the
    nonce unused is decided by `signed_partners` and `record_nonces` in the transaction that
    writes the request's work: a revoked key is refused from the next request on."""

    def __init__(self) -> None:
        self._secrets: dict[str, str] = {}

    def known(self, key_id: str) -> str | None:
        return self._secrets.get(key_id)

    def load(self, session: Session, settings: Settings, key_id: str) -> str:
        key = session.get(IntegrationKey, key_id)
        if key is None or key.revoked_at is not None:
            raise Unauthenticated(UNKNOWN_KEY)
        secret = security.unseal(settings.resolved_secret_key, key.sealed_secret)
        self._secrets[key_id] = secret
        return secret


def signed_partners(session: Session, key_ids: set[str]) -> dict[str, Principal]:
    """The clients behind these keys, for the keys still valid whose client is active."""
    if not key_ids:
        return {}
    rows = session.execute(
        select(IntegrationKey.key_id, *PRINCIPAL_COLUMNS)
        .join(User, User.id == IntegrationKey.user_id)
        .where(
            IntegrationKey.key_id.in_(key_ids),
            IntegrationKey.revoked_at.is_(None),
            User.is_active.is_(True),
        )
    ).all()
    return {
        key_id: Principal(user_id, name, Role(role), *rest)
        for key_id, user_id, name, role, *rest in rows
    }


UNKNOWN_KEY = "unknown or revoked key id"
REPLAYED = "nonce already used (replayed request)"


def record_nonces(session: Session, nonces: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Record (key id, nonce) pairs checked earlier with `record_nonce=False`; the ones that
    were used already (a replay racing its original), which the caller must refuse."""
    if not nonces:
        return set()
    now = utcnow()
    unique = list(dict.fromkeys(nonces))
    recorded = dialect.inserted_unless_present(
        session,
        IntegrationNonce.__table__,
        [{"key_id": k, "nonce": n, "seen_at": now} for k, n in unique],
        ["key_id", "nonce"],
    )
    return set(unique) - set(recorded)


def forget_old_nonces(session: Session, settings: Settings) -> int:
    """Nonces older than the skew window cannot be replayed (the timestamp check refuses them)."""
    cutoff = utcnow() - timedelta(seconds=2 * settings.hmac_clock_skew_seconds)
    return session.execute(
        delete(IntegrationNonce).where(IntegrationNonce.seen_at < cutoff)
    ).rowcount
