"""The item list, the conflict register, plans, draws and their assignments."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, UTCDateTime, utcnow
from backend.core.ids import new_id
from grids.commitments import models as _commitments  # noqa: F401 - the table commitment_id names


class InspectionItem(Base):
    """一单: what random inspections may check, with its legal basis; published."""

    __tablename__ = "inspection_items"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    basis: Mapped[str] = mapped_column(Text)  # 检查依据
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InspectorConflict(Base):
    """A unit an inspector must not inspect (回避): their own or a close relative's fire-related
    business, named by premises or by its unified social credit code."""

    __tablename__ = "inspector_conflicts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    premises_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("premises.id", ondelete="CASCADE")
    )
    uscc: Mapped[str | None] = mapped_column(String(18))
    relation: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InspectionPlan(Base):
    """A plan: an area, a period, rates per tier and risk, and the items to check."""

    __tablename__ = "inspection_plans"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(200))
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("areas.id"))
    area_path: Mapped[str] = mapped_column(String(255), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # [{"tier": str|None, "risk": str|None, "rate": float}], first match wins
    rates: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    item_codes: Mapped[list[str]] = mapped_column(JSON)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InspectionDraw(Base):
    """One draw for a plan, with everything needed to recompute it: the public value, the
    seed, and the inputs as they were (candidates and inspectors), fingerprinted in the audit
    log at draw time."""

    __tablename__ = "inspection_draws"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    plan_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inspection_plans.id", ondelete="CASCADE"), index=True
    )
    algorithm: Mapped[str] = mapped_column(String(32))
    public_value: Mapped[str] = mapped_column(String(200))
    seed: Mapped[str] = mapped_column(String(64))
    max_per_year: Mapped[int] = mapped_column(Integer)
    # candidates, inspectors, rules: canonical JSON, the very text that is fingerprinted
    inputs: Mapped[str] = mapped_column(Text)
    inputs_fingerprint: Mapped[str] = mapped_column(String(64))
    result_fingerprint: Mapped[str] = mapped_column(String(64))
    drawn_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InspectionAssignment(Base):
    """A drawn object, its two inspectors, and what they found."""

    __tablename__ = "inspection_assignments"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    draw_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inspection_draws.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)  # order in the draw
    premises_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("premises.id"), index=True)
    inspector_ids: Mapped[list[str]] = mapped_column(JSON)
    # Which stratum drew it: "rates" (the plan's rate rules) or "commitment" (告知承诺, with
    # the commitment drawn), as the draw's kept inputs say.
    draw_group: Mapped[str] = mapped_column(String(16), default="rates")
    commitment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("commitments.id", ondelete="SET NULL"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)  # of the plan's start: the yearly maximum
    outcome: Mapped[str] = mapped_column(String(16), default="pending")
    hazards_found: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_inspection_assignments_premises_year", "premises_id", "year"),)
