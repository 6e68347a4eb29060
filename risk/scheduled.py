"""What the worker runs for risk: every score recomputed once a day, from
`settings.risk_recompute_hour` (Beijing time) on. A pass that finds today's run done reads
one row and returns; a worker that finds another at it passes by."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.core import audit
from backend.core.db import first_at_it, utcnow
from backend.core.localtime import LOCAL_TIME
from backend.core.settings import Settings
from risk import service
from risk.models import RiskRun


def recompute_nightly(session: Session, settings: Settings, now: datetime | None = None) -> int:
    """Recompute every score if today's run (Beijing time) has not been made and the hour has
    come; how many premises it scored."""
    if settings.risk_recompute_hour < 0:
        return 0
    now = now or utcnow()
    local = now.astimezone(LOCAL_TIME)
    if local.hour < settings.risk_recompute_hour:
        return 0
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)

    def done_today() -> bool:
        last = session.scalar(select(func.max(RiskRun.computed_at)))
        return last is not None and last >= midnight

    # Another worker recomputing now holds the lock: pass by (its run will be today's). Looked
    # for again once the lock is held: a run committed meanwhile is seen then.
    if done_today() or not first_at_it(session, service.RECOMPUTE_LOCK) or done_today():
        return 0
    outcome = service.recompute(
        session, settings, actor=audit.Actor.system(), trigger="nightly", as_of=now
    )
    return outcome.premises
