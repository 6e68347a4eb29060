from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from backend.core.types import INT32_MAX, Text
from backend.identity.enums import Role


class AreaOut(BaseModel):
    code: str
    name: str
    level: str
    parent_code: str | None
    version: int


class AreaDetail(AreaOut):
    crs: str
    bbox: list[float] = Field(description="[min_lng, min_lat, max_lng, max_lat]")
    geometry: dict[str, Any] = Field(description="GeoJSON MultiPolygon")


class AreaPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Text = Field(min_length=1, max_length=100)
    version: int | None = Field(
        default=None,
        ge=1,
        le=INT32_MAX,
        description="the version you read; a stale one is refused with 409",
    )


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    password: Text = Field(min_length=10, max_length=1024)
    role: Role
    display_name: Text | None = Field(default=None, max_length=100)
    certificate_number: Text | None = Field(default=None, min_length=1, max_length=64)
    certificate_expires_on: date | None = None

    @model_validator(mode="after")
    def _certificate_complete(self) -> UserCreate:
        if (self.certificate_number is None) != (self.certificate_expires_on is None):
            raise ValueError(
                "a certificate needs both certificate_number and certificate_expires_on"
            )
        return self


class UserOut(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str
    role: str
    is_active: bool
    certificate_number: str | None
    certificate_expires_on: date | None


class CertificateOut(BaseModel):
    number: str
    expires_on: date
    valid_today: bool


class MeOut(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str
    role: str
    scope_area_code: str | None
    grid_codes: list[str]
    certificate: CertificateOut | None
