"""Scores: one row per premises and one per grid, replaced by each recomputation, and the runs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, UTCDateTime
from backend.core.ids import new_id


class RiskScore(Base):
    """A premises' score as last computed: the sum of its contributions (a JSON list of
    {factor, facts, points, explanation}), its level and the rule set's version."""

    __tablename__ = "risk_scores"

    premises_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("premises.id", ondelete="CASCADE"), primary_key=True
    )
    area_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("areas.id", ondelete="SET NULL"), index=True
    )
    area_path: Mapped[str] = mapped_column(String(255))
    score: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(16))  # grids.premises.enums.RiskLevel
    ruleset: Mapped[str] = mapped_column(String(16))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    contributions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # What the row holds, hashed (risk.service._digest): a recomputation that finds the same
    # leaves the row, and its `computed_at`, as they are.
    digest: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index(
            "ix_risk_scores_area_path",
            "area_path",
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        ),
        Index("ix_risk_scores_score", "score"),
    )


class GridRiskScore(Base):
    """A grid's score: the mean of its `grid_top_k` highest premises scores (rounded half up),
    with the grid's facts (premises scored, how many at each level, the top premises)."""

    __tablename__ = "risk_grid_scores"

    area_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True
    )
    area_path: Mapped[str] = mapped_column(String(255))
    score: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(16))
    ruleset: Mapped[str] = mapped_column(String(16))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (
        Index(
            "ix_risk_grid_scores_area_path",
            "area_path",
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        ),
    )


class RiskRun(Base):
    """One recomputation: when, by which rule set, how many scored, how long it took."""

    __tablename__ = "risk_runs"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    ruleset: Mapped[str] = mapped_column(String(16))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    trigger: Mapped[str] = mapped_column(String(16))  # nightly | command | test
    premises: Mapped[int] = mapped_column(Integer)
    grids: Mapped[int] = mapped_column(Integer)
    changed: Mapped[int] = mapped_column(Integer)  # premises scores new or different, written
    seconds: Mapped[float] = mapped_column(Float)
    sources: Mapped[list[str]] = mapped_column(JSON)  # the sources that contributed
