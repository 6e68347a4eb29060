from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, UTCDateTime, utcnow
from backend.core.ids import new_id


class CreditRecord(Base):
    """One entry in a premises' credit record. Entries are never deleted: a repair or an
    upheld objection changes their standing, and the history stays."""

    __tablename__ = "credit_records"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    premises_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("premises.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str | None] = mapped_column(String(16))  # of the hazard behind it, if any
    hazard_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("hazards.id", ondelete="SET NULL"), index=True
    )
    note: Mapped[str] = mapped_column(Text, default="")
    standing: Mapped[str] = mapped_column(String(16), default="active")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    # What caused an automatic entry ("hazard:<id>:overdue:<deadline>"): unique, so a step
    # noted twice (a retried sweep, two workers) is recorded once.
    source_key: Mapped[str | None] = mapped_column(String(128), unique=True)


class CreditStanding(Base):
    """A premises' assessed credit status, why, and when time alone may change it (the
    reassessment sweep reads only rows that are due). `premises.credit_status` mirrors it."""

    __tablename__ = "credit_standings"

    premises_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("premises.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    rules_version: Mapped[str] = mapped_column(String(64))
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    review_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class CreditAppeal(Base):
    """A request to repair a record (信用修复) or an objection to it (异议申诉), filed by staff
    on the unit's behalf and decided by another officer."""

    __tablename__ = "credit_appeals"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    record_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("credit_records.id", ondelete="CASCADE"), index=True
    )
    premises_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("premises.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    statement: Mapped[str] = mapped_column(Text)
    obligations_met: Mapped[bool] = mapped_column(Boolean, default=False)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # eligibility as checked
    filed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_credit_appeals_state", "state", "filed_at"),)
