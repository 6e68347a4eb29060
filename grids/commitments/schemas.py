from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from backend.core.types import Text
from grids.commitments.enums import CommitmentResult, CommitmentState


class CommitmentIn(BaseModel):
    """A signed commitment as recorded from the paper: who signed it (a name and a role; no
    phone, no ID number), the day, and what it covers."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    committed_on: date = Field(description="the day it was signed (Beijing), not in the future")
    signatory_name: Text = Field(min_length=1, max_length=50)
    signatory_role: Text = Field(
        min_length=1, max_length=50, description="e.g. 法定代表人, 消防安全责任人"
    )
    scope: Text = Field(
        min_length=1,
        max_length=2000,
        description="what it covers: the area, floors and use the venue opens for",
    )


class ResultIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    result: CommitmentResult = Field(description="verified 属实, or false 虚假承诺")
    note: Text = Field(
        default="", max_length=2000, description="what the check found (needed for false)"
    )


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: Text = Field(min_length=1, max_length=500)


class DocumentOut(BaseModel):
    sha256: str
    mime: str
    size: int
    uploaded_at: datetime
    url: str = Field(description="where to read it (signed in, in scope)")


class CommitmentOut(BaseModel):
    id: uuid.UUID
    premises_id: uuid.UUID
    premises_name: str
    state: CommitmentState
    committed_on: date
    signatory_name: str
    signatory_role: str
    scope: str
    documents: list[DocumentOut]
    recorded_at: datetime
    recorded_by: uuid.UUID | None
    result_note: str | None = Field(description="what the check found, or why it was withdrawn")
    decided_at: datetime | None
    decided_by: uuid.UUID | None
