"""Phones and browsers register with the push service that reaches them after signing in."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from backend.core.types import Text
from backend.identity.dependencies import CurrentPrincipal, SessionDep, SettingsDep
from backend.notify import service
from backend.notify.enums import Provider

router = APIRouter(prefix="/api/v1/devices", tags=["notifications"])


class WebPushKeys(BaseModel):
    model_config = ConfigDict(extra="ignore")  # as a browser's PushSubscription.toJSON() gives
    p256dh: Text = Field(min_length=1, max_length=200)
    auth: Text = Field(min_length=1, max_length=100)


class WebPushSubscription(BaseModel):
    model_config = ConfigDict(extra="ignore")  # expirationTime, from browsers
    endpoint: Text = Field(min_length=1, max_length=512)
    keys: WebPushKeys


class DeviceIn(BaseModel):
    """`{token, platform}` (an FCM token, as before providers), or `{provider, token,
    platform}` (fcm, jpush: the registration id), or `{provider: "webpush", subscription,
    platform}`."""

    model_config = ConfigDict(extra="forbid")
    provider: Provider = Provider.FCM
    token: Text | None = Field(default=None, min_length=1, max_length=512)
    subscription: WebPushSubscription | None = None
    platform: Literal["android", "ios", "web"]


class WebPushKey(BaseModel):
    public_key: str  # the VAPID application server key, base64url: `applicationServerKey`


@router.post("", status_code=204)
def register_device(body: DeviceIn, principal: CurrentPrincipal, session: SessionDep) -> Response:
    """Register this phone or browser for push; the same registration from another user moves
    to them."""
    service.register_device(
        session,
        principal.user_id,
        body.token,
        body.platform,
        provider=body.provider,
        subscription=body.subscription.model_dump() if body.subscription else None,
    )
    return Response(status_code=204)


@router.get("/webpush-key")
def webpush_key(principal: CurrentPrincipal, settings: SettingsDep) -> WebPushKey:
    """The key a browser or UnifiedPush distributor subscribes with; 404 when Web Push is off."""
    return WebPushKey(public_key=service.webpush_public_key(settings))


@router.delete("/{token:path}", status_code=204)
def retire_device(
    token: Annotated[Text, Path(max_length=512)], principal: CurrentPrincipal, session: SessionDep
) -> Response:
    """Stop pushing to this phone (sign-out). A Web Push registration's token is its endpoint."""
    service.retire_device(session, principal.user_id, token)
    return Response(status_code=204)
