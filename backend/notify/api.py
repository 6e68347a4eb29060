"""Phones register their FCM token after signing in."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from backend.core.types import Text
from backend.identity.dependencies import CurrentPrincipal, SessionDep
from backend.notify import service

router = APIRouter(prefix="/api/v1/devices", tags=["notifications"])


class DeviceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: Text = Field(min_length=1, max_length=512)
    platform: Literal["android", "ios", "web"]


@router.post("", status_code=204)
def register_device(body: DeviceIn, principal: CurrentPrincipal, session: SessionDep) -> Response:
    """Register this phone for push; the same token from another user moves to them."""
    service.register_device(session, principal.user_id, body.token, body.platform)
    return Response(status_code=204)


@router.delete("/{token}", status_code=204)
def retire_device(
    token: Annotated[Text, Path(max_length=512)], principal: CurrentPrincipal, session: SessionDep
) -> Response:
    """Stop pushing to this phone (sign-out)."""
    service.retire_device(session, principal.user_id, token)
    return Response(status_code=204)
