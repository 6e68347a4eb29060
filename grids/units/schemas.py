from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.core.types import Text
from grids.units.enums import PersonRole
from grids.uscc import checked_uscc

PremisesIds = list[uuid.UUID]


class UnitIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: Text = Field(min_length=1, max_length=200)
    uscc: Text = Field(description="统一社会信用代码 (GB 32100-2015)")
    area_code: Text | None = Field(
        default=None,
        max_length=32,
        description="the area it is registered in; default: your own (an admin must give one)",
    )
    premises_ids: PremisesIds = Field(
        default_factory=list, max_length=200, description="premises it runs, in your scope"
    )

    @field_validator("uscc", mode="before")
    @classmethod
    def _uscc(cls, value: object) -> object:
        checked = checked_uscc(value)
        if checked is None:
            raise ValueError("a unified social credit code is required")
        return checked


class PremisesLinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    premises_ids: PremisesIds = Field(min_length=1, max_length=200)


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: Text = Field(min_length=1, max_length=100)
    phone: Text = Field(min_length=1, max_length=32, description="a mainland mobile number")


class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: Text = Field(pattern=r"^\d{6}$", description="the six digits texted to the person")


class UnitSummary(BaseModel):
    """A unit as a premises' read names it."""

    id: uuid.UUID
    name: str


class PersonOut(BaseModel):
    role: PersonRole
    role_name: str = Field(description="消防安全责任人 or 消防安全管理人")
    name: str
    phone: str | None = Field(description="masked, e.g. 138****1234")
    phone_verified: bool
    phone_verified_at: datetime | None
    code_expires_at: datetime | None = Field(description="while a texted code waits")
    updated_at: datetime


class UnitPremises(BaseModel):
    id: uuid.UUID
    name: str
    address: str
    area_code: str | None


class UnitListItem(BaseModel):
    id: uuid.UUID
    name: str
    uscc: str
    area_code: str = Field(description="the area it was registered in")
    premises_count: int = Field(description="its premises in your scope")
    created_at: datetime


class UnitOut(UnitListItem):
    premises: list[UnitPremises] = Field(description="its premises in your scope, by name")
    persons: list[PersonOut] = Field(description="its current 责任人 and 管理人")
