"""What the alarm feeds tell the risk score (risk.sources): each premises' alarms, faults and
repeated alarms (bursts reported as a hazard) in the rule set's window. Alarms lie above risk,
so the composition root hands this source in (`backend.effects.install`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from alarms.enums import EventKind, Outcome
from alarms.models import AlarmEvent


@dataclass
class AlarmEvents:
    window_days: int
    name: str = "alarm_events"

    def facts(self, session: Session, as_of: datetime) -> dict[uuid.UUID, dict[str, int]]:
        """{premises id: {"alarm": n, "fault": n, "repeated": bursts}} in one query; an alarm
        that made a burst's hazard counts as an alarm and as a repeated alarm."""
        since = as_of - timedelta(days=self.window_days)
        counted = lambda condition: func.sum(case((condition, 1), else_=0))  # noqa: E731
        rows = session.execute(
            select(
                AlarmEvent.premises_id,
                counted(AlarmEvent.kind == EventKind.ALARM.value),
                counted(AlarmEvent.kind == EventKind.FAULT.value),
                counted(AlarmEvent.outcome == Outcome.HAZARD.value),
            )
            .where(
                AlarmEvent.premises_id.is_not(None),
                AlarmEvent.occurred_at >= since,
                AlarmEvent.occurred_at <= as_of,
            )
            .group_by(AlarmEvent.premises_id)
        )
        out: dict[uuid.UUID, dict[str, int]] = {}
        for premises_id, alarms, faults, bursts in rows:
            facts = {"alarm": int(alarms or 0), "fault": int(faults or 0)}
            if bursts:
                facts["repeated"] = int(bursts)
            out[premises_id] = {k: n for k, n in facts.items() if n}
        return {k: v for k, v in out.items() if v}
