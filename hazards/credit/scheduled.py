"""What `firegrid worker` runs for credit records."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.core import dialect
from backend.core.db import utcnow
from backend.core.settings import Settings
from hazards.credit import service
from hazards.credit.models import CreditStanding
from hazards.models import Hazard

BATCH = 500


def record_overdue_rectifications(session: Session, settings: Settings, batch: int = BATCH) -> int:
    """Enter 逾期未整改 in the record of every unit whose rectification deadline has passed.

    Reads only hazards whose `credit_overdue_at` is due (set with each deadline, cleared once
    noted or when the unit submits), so its cost follows the deadlines that just passed; each
    deadline is noted once, whichever worker gets there first.
    """
    now = utcnow()
    due = (
        session.execute(
            dialect.claim(
                session,
                select(Hazard)
                .where(Hazard.credit_overdue_at.is_not(None), Hazard.credit_overdue_at <= now)
                .order_by(Hazard.credit_overdue_at)
                .limit(batch),
            )
        )
        .scalars()
        .all()
    )
    noted = 0
    for hazard in due:
        deadline = hazard.credit_overdue_at
        cleared = session.execute(
            update(Hazard)
            .where(Hazard.id == hazard.id, Hazard.credit_overdue_at == deadline)
            .values(credit_overdue_at=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        if cleared and service.note_rectification_overdue(session, hazard, deadline, settings):
            noted += 1
    return noted


def reassess_due_credit(session: Session, settings: Settings, batch: int = BATCH) -> int:
    """Reassess the units whose status may change with time alone (a record leaving its
    window, a clean period completed for the red list)."""
    now = utcnow()
    due = session.scalars(
        dialect.claim(
            session,
            select(CreditStanding.premises_id)
            .where(CreditStanding.review_at.is_not(None), CreditStanding.review_at <= now)
            .order_by(CreditStanding.review_at)
            .limit(batch),
        )
    ).all()
    for premises_id in due:
        service.reassess(session, premises_id, settings, now)
    return len(due)
