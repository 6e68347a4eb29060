from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from backend.core.types import Text


class TokenOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type
    expires_in: int = Field(description="seconds until the access token expires")
    password_change_required: bool = Field(
        False,
        description="an administrator reset the password: until a new one is chosen "
        "(POST /api/v1/me/password) every other request is refused (password-change-required)",
    )


class RefreshIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: Text = Field(min_length=1, max_length=512)


class PingOut(BaseModel):
    client: str
    key_id: str
    received_at: datetime
    body_sha256: str


class PasswordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: Text = Field(min_length=1, max_length=1024)
    new_password: Text = Field(min_length=1, max_length=1024)
