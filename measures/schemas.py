from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from backend.core.types import Text
from measures.enums import MeasureKind, MeasureState


class AttendeeIn(BaseModel):
    """Who attended on the unit's side: a name and a role, nothing more (no phone, no ID)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: Text = Field(min_length=1, max_length=50)
    role: Text = Field(min_length=1, max_length=50, description="e.g. 法定代表人, 消防安全管理人")


class MeasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: MeasureKind = Field(
        description="reminder 提醒, interview 约谈, warning 告诫, exposure 曝光"
    )
    held_on: date = Field(description="the day it was taken (Beijing), not in the future")
    place: Text = Field(min_length=1, max_length=200)
    premises_id: uuid.UUID | None = Field(
        default=None,
        description="the unit's premises it concerns (its address is published with an "
        "exposure, which needs one); without it, each of the unit's premises in your scope",
    )
    attendees: list[AttendeeIn] = Field(default_factory=list, max_length=10)
    findings: Text = Field(min_length=1, max_length=2000, description="what was said or found")
    outcome: Text = Field(default="", max_length=2000)
    hazard_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=50, description="hazards at the unit's premises"
    )
    second_officer_id: uuid.UUID | None = Field(
        default=None,
        description="双人执法: the other certified officer (needed for all but a reminder)",
    )
    follows_id: uuid.UUID | None = Field(
        default=None, description="an earlier measure against the same unit that this one follows"
    )


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: Text = Field(min_length=1, max_length=500)


class Attendee(BaseModel):
    name: str
    role: str


class Officer(BaseModel):
    id: uuid.UUID
    name: str


class MeasurePremises(BaseModel):
    id: uuid.UUID
    name: str
    address: str


class DocumentOut(BaseModel):
    sha256: str
    mime: str
    size: int
    uploaded_at: datetime


class MeasureOut(BaseModel):
    id: uuid.UUID
    unit_id: uuid.UUID
    unit_name: str
    kind: MeasureKind
    kind_name: str = Field(description="提醒, 约谈, 告诫 or 曝光")
    rank: int = Field(description="its place on the scale: 1 (提醒) to 4 (曝光)")
    state: MeasureState
    held_on: date
    place: str
    premises: MeasurePremises | None
    attendees: list[Attendee]
    findings: str
    outcome: str
    hazard_ids: list[uuid.UUID]
    follows_id: uuid.UUID | None
    officers: list[Officer] = Field(description="who took it: one, or two (双人执法)")
    public_findings: str | None = Field(description="an exposure's published text, masked")
    document: DocumentOut | None = Field(description="the signed record, once uploaded")
    recorded_at: datetime
    withdrawn_at: datetime | None
    withdrawal_reason: str | None


class PublicExposure(BaseModel):
    """曝光 as the public pages show it: the unit (an organisation), the premises' address,
    what was found (masked), the day. Never a person's name or phone."""

    id: uuid.UUID
    unit_name: str
    address: str
    findings: str
    held_on: date
