"""FastAPI dependencies that say who is calling."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from backend.core.db import get_engine, session_scope, short_reads
from backend.core.errors import Forbidden, Unauthenticated
from backend.core.settings import Settings, get_settings
from backend.core.web import current_reads, db_session, replica_session
from backend.identity import partners, permissions, service
from backend.identity.enums import Role
from backend.identity.partners import SignedRequest
from backend.identity.permissions import Permission
from backend.identity.service import Principal

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)

SessionDep = Annotated[Session, Depends(db_session, scope="function")]
# For a read whose answer may be a few seconds old (maps, lists, exports, bulletins, public
# pages): the read replica's when one is set (decision 0042). Read-only on every database.
ReplicaSessionDep = Annotated[Session, Depends(replica_session, scope="function")]
# For a read that must see the latest writes, when it takes the busiest routes' share of the
# time (who am I, where is this point): the primary's, and it cannot write (decision 0046).
CurrentReadsDep = Annotated[Session, Depends(current_reads, scope="function")]


async def _settings() -> Settings:
    """Async so that FastAPI does not send this trivial lookup through its thread pool."""
    return get_settings()


SettingsDep = Annotated[Settings, Depends(_settings)]


async def current_principal(
    settings: SettingsDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Principal:
    """Async so that a caller this process checked a moment ago costs no trip through the
    thread pool (service.known_principal); otherwise read there in a brief session of its own,
    so that a route that takes no `SessionDep` opens none for its caller."""
    if not token:
        raise Unauthenticated("send an access token: Authorization: Bearer <token>")
    known = service.known_principal(settings, token)
    if known is not None:
        return service.allowed(known)
    return await run_in_threadpool(_principal_from_database, settings, token, False)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def principal_choosing_password(
    settings: SettingsDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Principal:
    """The caller, even one whose password was reset and must be changed first: for the few
    endpoints such a caller still needs (who am I, change my password)."""
    if not token:
        raise Unauthenticated("send an access token: Authorization: Bearer <token>")
    known = service.known_principal(settings, token)
    if known is not None:
        return service.allowed(known, pending_change_allowed=True)
    return await run_in_threadpool(_principal_from_database, settings, token, True)


PrincipalChoosingPassword = Annotated[Principal, Depends(principal_choosing_password)]


def _principal_from_database(
    settings: Settings, token: str, pending_change_allowed: bool
) -> Principal:
    with closing(short_reads(get_engine())()) as session:
        return service.principal_for_token(
            session, settings, token, pending_change_allowed=pending_change_allowed
        )


def require(permission: Permission) -> Callable[[Principal], Principal]:
    """A router's gate: the caller's role has `permission` (backend.identity.permissions)."""

    def check(principal: CurrentPrincipal) -> Principal:
        permissions.demand(principal.role, permission, "do this")
        return principal

    return check


async def _signed_request(request: Request) -> SignedRequest:
    """What docs/integration-auth.md has a partner sign, as this request carries it."""
    headers = request.headers
    return SignedRequest(
        method=request.method,
        path=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        key_id=headers.get("x-firegrid-key-id"),
        timestamp=headers.get("x-firegrid-timestamp"),
        nonce=headers.get("x-firegrid-nonce"),
        signature=headers.get("x-firegrid-signature"),
        body=await request.body(),
    )


async def signed_client(request: Request, session: SessionDep, settings: SettingsDep) -> Principal:
    """An integration client authenticated by its HMAC signature. Every check runs before the
    endpoint sees (or stores) anything of the body."""
    signed = await _signed_request(request)
    # The checks read and write the database: in the thread pool, never on the event loop
    # (on SQLite a writer waiting for the lock there would stall every other request).
    principal = await run_in_threadpool(
        partners.authenticate_signed_request, session, settings, signed
    )
    if principal.role is not Role.INTEGRATION:
        raise Forbidden("only integration clients sign requests")
    return principal


SignedClient = Annotated[Principal, Depends(signed_client)]


@dataclass(frozen=True)
class SignedCall:
    """A request whose signature matched its key's secret; the key's validity and the nonce
    are still to be settled in the transaction that writes the request's work."""

    key_id: str
    nonce: str


_key_secrets = partners.KeySecrets()


def _secret_of(settings: Settings, key_id: str) -> str:
    with session_scope(read_only=True) as session:
        return _key_secrets.load(session, settings, key_id)


async def signed_call(request: Request, settings: SettingsDep) -> SignedCall:
    """`signed_client` without the database: headers, clock and signature are checked here,
    against the key's secret this process keeps once read. Whether the key is still valid,
    its client active and the nonce unused is decided where the request's work is written, in
    the same transaction (complaint intake's writer: identity.partners.signed_partners and
    record_nonces), so nothing is stored for a refused request and a revocation holds at once."""
    signed = await _signed_request(request)
    partners.check_signed_headers(settings, signed)
    assert signed.key_id and signed.nonce
    secret = _key_secrets.known(signed.key_id) or await run_in_threadpool(
        _secret_of, settings, signed.key_id
    )
    partners.check_signature(secret, signed)
    return SignedCall(signed.key_id, signed.nonce)


SignedCallDep = Annotated[SignedCall, Depends(signed_call)]
