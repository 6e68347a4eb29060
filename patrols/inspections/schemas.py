"""Random inspections over HTTP."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.core.types import Text
from grids.premises.enums import RiskLevel, SupervisionTier
from grids.uscc import checked_uscc
from patrols.inspections.enums import Outcome, Relation


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_.]+$")
    title: Text = Field(min_length=1, max_length=200)
    basis: Text = Field(min_length=1, max_length=2000, description="检查依据: the legal basis")


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    title: str
    basis: str


class ConflictIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: uuid.UUID
    premises_id: uuid.UUID | None = None
    uscc: str | None = Field(default=None, description="a unit elsewhere, by its 统一社会信用代码")
    relation: Relation
    note: Text = Field(default="", max_length=2000)

    @field_validator("uscc", mode="before")
    @classmethod
    def _uscc(cls, value: object) -> object:
        return checked_uscc(value)


class ConflictOut(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    premises_id: uuid.UUID | None
    premises_name: str | None = Field(description="the registry's name of the premises named")
    uscc: str | None
    relation: Relation
    note: str
    recorded_at: datetime


class RateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tier: SupervisionTier | None = None
    risk: RiskLevel | None = None
    rate: float = Field(ge=0, le=1, description="share of the matching units to draw")


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Text = Field(min_length=1, max_length=200)
    area_code: str = Field(min_length=1, max_length=32)
    starts_on: date
    ends_on: date
    rates: list[RateIn] = Field(min_length=1, max_length=50, description="first match wins")
    item_codes: list[str] = Field(min_length=1, max_length=100)


class PlanOut(BaseModel):
    id: uuid.UUID
    title: str
    area_path: str
    starts_on: date
    ends_on: date
    rates: list[dict]
    item_codes: list[str]


class PlanSummaryOut(PlanOut):
    """A plan as its organisers follow it."""

    area_code: str
    area_name: str
    draw: DrawOut | None = Field(description="null until drawn")
    drawn: int = Field(description="units drawn")
    recorded: int = Field(description="of those, with a result recorded")


class DrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    public_value: Text = Field(
        min_length=1,
        max_length=200,
        description="a value published by someone else at draw time, e.g. the day's lottery draw",
    )
    commitment_rate: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="share of the venues open on a 告知承诺 commitment to draw, in a group of "
        "their own; null: FIREGRID_INSPECTION_COMMITMENT_RATE. Kept in the draw's inputs",
    )


class DrawOut(BaseModel):
    id: uuid.UUID
    plan_id: uuid.UUID
    algorithm: str
    public_value: str
    seed: str
    drawn_at: datetime
    inputs_fingerprint: str
    result_fingerprint: str
    drawn: int


class AssignmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    position: int
    premises_id: uuid.UUID
    inspector_ids: list[uuid.UUID]
    draw_group: str = Field(
        description="rates: drawn by the plan's rate rules; commitment: from the group of "
        "venues open on a 告知承诺 commitment"
    )
    commitment_id: uuid.UUID | None = Field(description="the commitment drawn, in that group")
    outcome: Outcome
    hazards_found: int
    note: str
    recorded_at: datetime | None
    premises_name: str | None = Field(None, description="the drawn unit")
    area_code: str | None = Field(None, description="where it is (its grid or township)")
    inspector_names: list[str] = Field(default_factory=list, description="in inspector_ids' order")
    may_record: bool = Field(
        False, description="you may record its result now (one of its inspectors, certified)"
    )


class ResultIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Outcome
    hazards_found: int = Field(default=0, ge=0, le=1000)
    note: Text = Field(default="", max_length=2000)


class VerificationOut(BaseModel):
    draw_id: uuid.UUID
    sound: bool
    problems: list[str]


class InspectorOut(BaseModel):
    user_id: uuid.UUID
    display_name: str | None
    certificate_number: str
    certificate_expires_on: date
    unit: str = Field(description="the area code of their brigade or station")
    conflicts: int = Field(description="units they must not inspect")
