from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from backend.core.types import Text
from hazards.enums import ExtensionState, HazardState
from notices.enums import NoticeKind, NoticeState, ServiceMethod


class UnitHazardOut(BaseModel):
    """An open hazard of the unit, as the unit reads it: never who reported it or who works
    on it."""

    id: uuid.UUID
    premises_name: str
    category: str
    category_name: str = Field(description="in plain words, e.g. 疏散通道、安全出口堵塞或锁闭")
    description: str
    state: HazardState
    state_name: str = Field(description="in plain words, e.g. 待整改")
    rectification_deadline: datetime | None
    after_photos: int = Field(description="after-photos sent so far (one is needed to submit)")
    may_submit: bool = Field(description="a report (整改报告) may be sent now")
    extension: ExtensionState | None = Field(description="the latest request for more time")


class UnitNoticeOut(BaseModel):
    id: uuid.UUID
    kind: NoticeKind
    title: str
    number: str
    state: NoticeState
    hazard_id: uuid.UUID | None
    issued_at: datetime
    served_at: datetime | None
    service_method: ServiceMethod | None
    pdf_sha256: str
    pdf_url: str


class UnitView(BaseModel):
    """What the unit's page shows through its link."""

    unit_name: str
    notice: UnitNoticeOut = Field(description="the notice the link was texted to serve")
    receipt_confirmed: bool = Field(description="the person confirmed receipt (送达)")
    link_expires_at: datetime
    hazards: list[UnitHazardOut]
    notices: list[UnitNoticeOut] = Field(description="texted or served, newest first")
    report_max_chars: int = 2000
    photo_max_bytes: int


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    text: Text = Field(min_length=1, max_length=2000, description="整改报告: what was done")


class ExtensionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: Text = Field(min_length=1, max_length=500)
    days: int = Field(ge=1, le=90, description="calendar days more")


class ExtensionOut(BaseModel):
    id: uuid.UUID
    hazard_id: uuid.UUID
    state: ExtensionState
    days: int
    requested_at: datetime


class PhotoTaken(BaseModel):
    hazard_id: uuid.UUID
    sha256: str
    after_photos: int
