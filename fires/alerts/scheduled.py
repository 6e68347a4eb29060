"""What `firegrid worker` runs for 一键报警: workers' last positions are forgotten once stale
or once their worker is off duty (decision 0055). The alerts' messages leave with the outbox
delivery (backend.notify.service.deliver_outbox), which the worker runs anyway."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend.core.settings import Settings
from fires.alerts import positions


def forget_stale_positions(session: Session, settings: Settings) -> int:
    return positions.forget_stale(session, settings)
