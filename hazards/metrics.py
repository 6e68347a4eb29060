"""Counts of hazards that other domains' reports use (the patrol assessment 考核), so that
what a hazard's state, severity and level mean stays in this package. No web imports."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hazards.enums import EscalationLevel, HazardSource, HazardState, Severity
from hazards.models import Hazard

# The closing steps taken at grid level: fixed on the spot, or fixed and verified.
_FIXED = (HazardState.RECTIFIED_ON_SPOT, HazardState.VERIFIED_CLOSED)


def reported_on_patrol(
    session: Session, user_ids: list[uuid.UUID], start: datetime, end: datetime
) -> dict[uuid.UUID, int]:
    """Hazards each user reported from a patrol in [start, end); users with none are absent."""
    return dict(
        session.execute(
            select(Hazard.reporter_id, func.count())
            .where(
                Hazard.reporter_id.in_(user_ids),
                Hazard.reported_at >= start,
                Hazard.reported_at < end,
                Hazard.source == HazardSource.PATROL.value,
            )
            .group_by(Hazard.reporter_id)
        ).all()
    )


def closed_in_grid(
    session: Session, under_path: str, start: datetime, end: datetime
) -> Counter[str]:
    """Ordinary hazards under `under_path` fixed in [start, end) without leaving their grid
    (一般隐患不出网格): closed by rectification at the grid level, never escalated, not a
    duplicate. Counted by the hazard's area path."""
    return Counter(
        session.execute(
            select(Hazard.area_path).where(
                Hazard.is_open.is_(False),
                Hazard.severity == Severity.ORDINARY.value,
                Hazard.level == int(EscalationLevel.GRID),
                Hazard.duplicate_of_id.is_(None),
                Hazard.state.in_([s.value for s in _FIXED]),
                Hazard.closed_at >= start,
                Hazard.closed_at < end,
                Hazard.area_path.startswith(under_path, autoescape=True),
            )
        ).scalars()
    )


def overdue_open(session: Session, now: datetime) -> dict[tuple[EscalationLevel, Severity], int]:
    """Open hazards past their due time at the level that holds them, per level and severity
    (an operator's /metrics); read from the index of open hazards and their due times."""
    rows = session.execute(
        select(Hazard.level, Hazard.severity, func.count())
        .where(Hazard.is_open.is_(True), Hazard.level_due_at <= now)
        .group_by(Hazard.level, Hazard.severity)
    ).all()
    return {(EscalationLevel(level), Severity(severity)): count for level, severity, count in rows}
