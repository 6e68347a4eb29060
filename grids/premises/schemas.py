from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.core.sheets import ImportOutcome, ImportProblem
from backend.core.types import INT32_MAX, Text
from grids.enums import Crs, RouteStatus
from grids.premises.enums import (
    CreditStatus,
    PremisesType,
    RiskLevel,
    SupervisionTier,
)
from grids.schemas import Latitude, Longitude
from grids.uscc import checked_uscc

Phone = Text


class PremisesFields(BaseModel):
    """What a registry entry says; the same for the API and for each CSV row."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: Text = Field(min_length=1, max_length=200)
    uscc: Text | None = Field(default=None, description="统一社会信用代码 (GB 32100-2015)")
    individual_business: bool = Field(default=False, description="个体工商户: the code is optional")
    premises_type: PremisesType
    risk_level: RiskLevel = RiskLevel.LOW
    supervision_tier: SupervisionTier | None = Field(
        default=None, description="default: brigade for key units, else township"
    )
    key_unit: bool = False
    address: Text = Field(min_length=1, max_length=300)
    lng: Longitude
    lat: Latitude
    crs: Crs = Crs.WGS84
    contact_name: Text | None = Field(default=None, max_length=100)
    contact_phone: Phone | None = Field(default=None, max_length=32, pattern=r"^[0-9+\-() ]{5,32}$")
    external_ref: Text | None = Field(
        default=None,
        max_length=64,
        description="外部编号: your own key for it; an import matches rows by it or by the code",
    )

    @field_validator("uscc", mode="before")
    @classmethod
    def _uscc(cls, value: object) -> object:
        return checked_uscc(value)

    @field_validator("contact_name", "contact_phone", "external_ref", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value


class PremisesIn(PremisesFields):
    pass


class PremisesPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    version: int = Field(ge=1, le=INT32_MAX, description="the version you read; stale is 409")
    name: Text | None = Field(default=None, min_length=1, max_length=200)
    premises_type: PremisesType | None = None
    risk_level: RiskLevel | None = None
    supervision_tier: SupervisionTier | None = None
    key_unit: bool | None = None
    address: Text | None = Field(default=None, min_length=1, max_length=300)
    contact_name: Text | None = Field(default=None, max_length=100)
    contact_phone: Phone | None = Field(default=None, max_length=32, pattern=r"^[0-9+\-() ]{5,32}$")
    external_ref: Text | None = Field(
        default=None, max_length=64, description="外部编号; null or empty clears it"
    )

    @field_validator("contact_name", "contact_phone", "external_ref", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value


class UnitRef(BaseModel):
    """The unit 单位 that runs a premises (grids.units)."""

    id: uuid.UUID
    name: str


class PremisesOut(BaseModel):
    id: uuid.UUID
    name: str
    uscc: str | None
    external_ref: str | None
    individual_business: bool
    premises_type: PremisesType
    risk_level: RiskLevel
    supervision_tier: SupervisionTier
    key_unit: bool
    address: str
    lng: float
    lat: float
    crs: Crs
    area_code: str | None = Field(description="its grid, or its township when no grid covers it")
    route_status: RouteStatus
    contact_name: str | None
    contact_phone: str | None = Field(description="masked, e.g. 138****1234")
    credit_status: CreditStatus
    unit: UnitRef | None = Field(default=None, description="the unit 单位 that runs it")
    version: int
    updated_at: datetime


class ImportChange(BaseModel):
    field: str
    before: Any = Field(description="as stored (a phone masked)")
    after: Any


class ImportLine(BaseModel):
    """What the import does, or would do, with one line of the sheet."""

    line: int = Field(description="as the spreadsheet numbers it: the header is line 1")
    outcome: ImportOutcome
    premises_id: uuid.UUID | None = Field(description="the premises updated or left unchanged")
    name: str | None
    changes: list[ImportChange] = Field(description="for an update: each field that changes")
    problems: list[ImportProblem] = Field(description="for a refused line: why")


class ImportReport(BaseModel):
    preview: bool = Field(description="true: nothing was written")
    imported: int = Field(description="premises created or updated (0 in a preview)")
    created: int
    updated: int
    unchanged: int
    refused: int
    lines: list[ImportLine]
    problems: list[ImportProblem] = Field(description="every refused line's reasons, in one list")


class PremisesHistoryEntry(BaseModel):
    """One change of a premises, from the audit log."""

    at: datetime
    action: str = Field(
        description="e.g. premises.changed, premises.imported, credit.status_changed"
    )
    actor_role: str | None = Field(description="null for the system (rerouting, the worker)")
    actor_name: str | None = Field(
        description="by name: only for callers who may see people (station, brigade, admin)"
    )
    before: dict | None = Field(description="as the audit log keeps it, phones masked")
    after: dict | None
