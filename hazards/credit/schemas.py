from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from backend.core.types import Text
from grids.premises.enums import CreditStatus
from hazards.credit.enums import (
    AppealDecision,
    AppealKind,
    AppealState,
    CreditRecordKind,
    CreditRecordStanding,
)
from hazards.enums import Severity


class RecordIn(BaseModel):
    """An entry an officer makes: a refusal, an ignored stop order, a stop order, a false
    commitment or a commendation. Hazards make their own entries."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: CreditRecordKind
    note: Text = Field(min_length=1, max_length=2000, description="what happened, and the basis")
    hazard_id: uuid.UUID | None = Field(default=None, description="the hazard it concerns")


class RecordOut(BaseModel):
    id: uuid.UUID
    kind: CreditRecordKind
    severity: Severity | None
    hazard_id: uuid.UUID | None
    note: str
    standing: CreditRecordStanding
    recorded_at: datetime
    repairable_from: datetime | None = Field(description="earliest repair, for a bad record")


class LedgerRecordOut(RecordOut):
    """An entry in the list of an area's credit records: with its unit beside it."""

    premises_id: uuid.UUID
    premises_name: str
    uscc: str | None = Field(description="统一社会信用代码")
    credit_status: CreditStatus = Field(description="the unit's status now")
    area_code: str | None
    area_name: str | None


class AppealIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    record_id: uuid.UUID
    kind: AppealKind
    statement: Text = Field(min_length=1, max_length=4000, description="the unit's case")
    obligations_met: bool = Field(
        default=False,
        description="repair: the unit has rectified, paid fines and complied with every order",
    )


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    decision: AppealDecision
    note: Text = Field(min_length=1, max_length=2000)


class AppealOut(BaseModel):
    id: uuid.UUID
    record_id: uuid.UUID
    premises_id: uuid.UUID
    kind: AppealKind
    state: AppealState
    statement: str
    obligations_met: bool
    filed_at: datetime
    decided_at: datetime | None
    decision_note: str | None
    may_decide: bool = Field(
        description="you may approve or reject it: pending, you are a certified officer and "
        "not the one who filed it"
    )


class CreditOut(BaseModel):
    premises_id: uuid.UUID
    status: CreditStatus
    reasons: list[str]
    rules_version: str
    assessed_at: datetime | None
    records: list[RecordOut]
    appeals: list[AppealOut]
    may_record: bool = Field(description="you may add an officer's entry (certified officers)")
    may_appeal: bool = Field(description="you may file a repair request or an objection")
