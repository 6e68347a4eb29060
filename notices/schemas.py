from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from notices.enums import NoticeKind, NoticeState, ServiceMethod


class ServiceOut(BaseModel):
    method: ServiceMethod
    served_at: datetime
    served_by: uuid.UUID | None
    evidence_sha256: str = Field(description="the receipt's photo or the signature, as stored")
    evidence_mime: str | None


class NoticeOut(BaseModel):
    id: uuid.UUID
    kind: NoticeKind
    title: str = Field(description="the kind as printed: 责令限期改正通知书, 复查意见书, ...")
    number: str = Field(description="e.g. 穗消限字〔2026〕第0007号")
    state: NoticeState
    hazard_id: uuid.UUID | None
    assignment_id: uuid.UUID | None = Field(
        default=None, description="the random inspection it tells the result of"
    )
    premises_id: uuid.UUID | None
    issuer: str
    unit_name: str
    unit_address: str
    period_days: int | None = Field(description="N of 自送达之日起N日内改正; null: none")
    period_working: bool = Field(description="the period counts working days")
    issued_at: datetime
    pdf_sha256: str = Field(description="the PDF's sha256, as the audit log holds it")
    pdf_size: int
    pdf_url: str
    file_name: str
    service: ServiceOut | None = Field(description="how and when it was served; null: not yet")
    rectification_deadline: datetime | None = Field(
        default=None, description="the hazard's deadline as it stands (from service once served)"
    )
