from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from backend.core.types import Text
from referrals.enums import ReferralKind, ReferralState


class ReferralIn(BaseModel):
    """Refer a hazard (and/or a complaint, and/or a unit) to another department."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: ReferralKind = Field(description="copy 抄告 (for their information) or transfer 移送")
    department: Text = Field(
        max_length=32, description="a key of GET /api/v1/referrals/departments"
    )
    hazard_id: uuid.UUID | None = None
    complaint_id: uuid.UUID | None = None
    unit_id: uuid.UUID | None = None
    finding: Text = Field(min_length=1, max_length=4000, description="what was found")
    legal_basis: Text = Field(min_length=1, max_length=4000, description="法律依据")
    photo_ids: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="sha256 of the hazard's photos to send along (GET /hazards/{id}/photos)",
    )
    reply_working_days: int | None = Field(
        default=None,
        ge=1,
        le=60,
        description="the reply is due this many working days after sending "
        "(default FIREGRID_REFERRAL_REPLY_WORKING_DAYS)",
    )


class ReplyIn(BaseModel):
    """The department's reply: posted by its partner (signed) or entered by staff from paper."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    text: Text = Field(min_length=1, max_length=4000)
    replied_on: date | None = Field(default=None, description="the reply's date (default today)")
    replied_by: Text | None = Field(
        default=None, max_length=100, description="who answered for the department"
    )
    version: int | None = Field(default=None, ge=1, le=2**31 - 1, description="the version read")


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    note: Text | None = Field(default=None, max_length=2000)
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)


class DepartmentOut(BaseModel):
    key: str
    name: str
    answers_online: bool = Field(description="a partner account posts its replies (signed)")


class ReplyOut(BaseModel):
    text: str
    replied_on: date | None
    replied_by: str | None
    replied_at: datetime
    entered: bool = Field(
        description="entered by staff from a paper reply (else posted by the department)"
    )


class ReferralOut(BaseModel):
    id: uuid.UUID
    kind: ReferralKind
    kind_name: str
    state: ReferralState
    department: str
    department_name: str
    hazard_id: uuid.UUID | None
    complaint_id: uuid.UUID | None
    unit_id: uuid.UUID | None
    finding: str
    legal_basis: str
    photo_ids: list[str]
    sent_at: datetime
    due_at: datetime
    overdue_at: datetime | None
    reply: ReplyOut | None
    closed_at: datetime | None
    version: int
