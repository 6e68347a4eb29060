"""Sign-in, token refresh and sign-out; the integration connectivity check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from backend.core import password_hashing
from backend.core.db import utcnow
from backend.core.security import PasswordVerdict, body_digest
from backend.core.settings import Settings
from backend.core.types import Text
from backend.identity import accounts, service
from backend.identity.dependencies import (
    CurrentPrincipal,
    PrincipalChoosingPassword,
    SessionDep,
    SettingsDep,
    SignedClient,
)
from backend.identity.models import User
from backend.identity.schemas import PasswordChangeIn, PingOut, RefreshIn, TokenOut

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
integration_router = APIRouter(prefix="/api/v1/integration", tags=["integration"])
me_router = APIRouter(prefix="/api/v1/me", tags=["auth"])

_REFUSALS = {401: {"description": "Wrong credentials or token"}, 429: {"description": "Throttled"}}


@router.post(
    "/token",
    response_model=TokenOut,
    responses={**_REFUSALS, 503: {"description": "Too many sign-ins at once; Retry-After"}},
)
async def sign_in(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[Text, Form(min_length=1, max_length=128)],
    password: Annotated[Text, Form(min_length=1, max_length=1024)],
) -> TokenOut:
    """OAuth2 password grant. Repeated failures slow the username down, then lock it; many
    failures from one client address refuse that address for a while. The password is
    checked on threads of its own, and while it waits this request holds none of the threads
    other requests need; too many waiting: 503 with Retry-After (decision 0043)."""
    address = request.client.host if request.client else None
    attempt = await run_in_threadpool(service.begin_sign_in, session, settings, username, address)
    if attempt.refusal:
        raise attempt.refusal
    verdict = await password_hashing.check_password(settings, attempt.password_hash, password)
    return await run_in_threadpool(_finish_sign_in, session, settings, attempt, verdict, address)


def _finish_sign_in(
    session: Session,
    settings: Settings,
    attempt: service.SignInAttempt,
    verdict: PasswordVerdict,
    address: str | None,
) -> TokenOut:
    outcome = service.finish_sign_in(session, settings, attempt, verdict, address)
    if outcome.refusal:
        session.commit()  # the failure must count even though this request fails
        raise outcome.refusal
    assert outcome.user is not None
    pair = service.issue_tokens(session, settings, outcome.user)
    return TokenOut(**vars(pair), password_change_required=outcome.user.password_change_required)


@router.post("/refresh", response_model=TokenOut, responses=_REFUSALS)
def refresh(body: RefreshIn, session: SessionDep, settings: SettingsDep) -> TokenOut:
    """Exchange a refresh token for a new pair; the old refresh token stops working. Sent
    again within the grace window (a lost answer), it gets the same pair again."""
    rotation = service.rotate_refresh_token(session, settings, body.refresh_token)
    if rotation.refusal:
        session.commit()  # a detected reuse revokes the family for good
        raise rotation.refusal
    assert rotation.tokens is not None
    return TokenOut(**vars(rotation.tokens))


@router.post("/revoke", status_code=204)
def revoke(body: RefreshIn, session: SessionDep) -> Response:
    """Sign out: the refresh token and every token rotated from it stop working."""
    service.revoke_refresh_token(session, body.refresh_token)
    return Response(status_code=204)


@router.post("/revoke-all", status_code=204, responses=_REFUSALS)
def revoke_all(principal: CurrentPrincipal, session: SessionDep) -> Response:
    """Sign out everywhere: all refresh tokens revoked, all access tokens refused."""
    service.revoke_all_sessions(session, principal.user_id, principal.actor)
    return Response(status_code=204)


@me_router.post("/password", response_model=TokenOut, responses=_REFUSALS)
def change_my_password(
    body: PasswordChangeIn,
    principal: PrincipalChoosingPassword,
    session: SessionDep,
    settings: SettingsDep,
) -> TokenOut:
    """Choose a new password, giving the current one (or the temporary one of a reset). Every
    other session is signed out; go on with the tokens in the answer."""
    user = session.get(User, principal.user_id)
    assert user is not None
    pair = accounts.change_own_password(
        session, settings, user, body.current_password, body.new_password
    )
    return TokenOut(**vars(pair))


@integration_router.post("/ping", response_model=PingOut, responses=_REFUSALS)
async def ping(request: Request, client: SignedClient) -> PingOut:
    """Lets a partner system check its signing: answers only a correctly signed request."""
    return PingOut(
        client=client.username,
        key_id=request.headers["x-firegrid-key-id"],
        received_at=utcnow(),
        body_sha256=body_digest(await request.body()),
    )
