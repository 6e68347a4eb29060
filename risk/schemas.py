"""What the risk endpoints answer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class ContributionOut(BaseModel):
    factor: str  # premises_type, key_unit, supervision_tier, credit, open_hazards, ..., season
    facts: dict[str, Any]
    points: int
    explanation: str  # zh: why these points


class PremisesRiskOut(BaseModel):
    """ "Why is this unit red?": its score, the level, and each factor's points (they sum to
    the score exactly). `score` is null before the first computation."""

    premises_id: uuid.UUID
    name: str
    score: int | None
    level: str | None  # low | medium | high | very_high (低/中/高/很高)
    level_zh: str | None
    typed_level: str  # the level typed into the registry by hand
    patrol_level: str  # what monthly plans use: the higher of the two
    ruleset: str | None
    computed_at: datetime | None = Field(description="when this score last changed")
    checked_at: datetime | None = Field(
        description="when scores were last recomputed (this one found as it was, or new)"
    )
    contributions: list[ContributionOut]


class RiskRowOut(BaseModel):
    premises_id: uuid.UUID
    name: str
    address: str
    area_code: str | None
    score: int
    level: str
    level_zh: str
    typed_level: str
    ruleset: str
    computed_at: datetime


class RiskPageOut(BaseModel):
    total: int
    checked_at: datetime | None = Field(description="when scores were last recomputed")
    items: list[RiskRowOut]


class GridRiskOut(BaseModel):
    """A grid's score: the mean of its highest premises scores (docs/risk.md)."""

    area_code: str
    name: str
    score: int
    level: str
    level_zh: str
    ruleset: str
    computed_at: datetime
    facts: dict[str, Any]
