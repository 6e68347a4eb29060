"""What `firegrid worker` runs for hazards."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.core import audit, dialect
from backend.core.db import utcnow
from backend.core.settings import Settings
from backend.notify import service as notify
from hazards.announcements import level_holders, summary_of
from hazards.deadlines import clock, top_level
from hazards.enums import EscalationLevel, HazardState, Severity
from hazards.models import Hazard

BATCH = 500


def escalate_overdue_hazards(session: Session, settings: Settings, batch: int = BATCH) -> int:
    """Move every open hazard that is overdue where it stands up one level (一般隐患不出网格,
    then village, township, county; major ones to government listing).

    Reads only due rows (index on is_open, escalate_at), claims them with FOR UPDATE SKIP
    LOCKED on PostgreSQL so several workers share the work, and escalates each with a
    conditional update on (level, version): a hazard is never escalated twice for one delay,
    and never lowered.
    """
    now = utcnow()
    due = (
        session.execute(
            dialect.claim(
                session,
                select(Hazard)
                .where(
                    Hazard.is_open.is_(True),
                    Hazard.escalate_at.is_not(None),
                    Hazard.escalate_at <= now,
                )
                .order_by(Hazard.escalate_at)
                .limit(batch),
            )
        )
        .scalars()
        .all()
    )
    escalated = 0
    for hazard in due:
        severity = Severity(hazard.severity)
        if hazard.level >= top_level(severity):
            hazard.escalate_at = None  # nowhere higher to go (a rule changed meanwhile)
            continue
        new_level = EscalationLevel(hazard.level + 1)
        level_due_at, escalate_at = clock(
            HazardState(hazard.state),
            severity,
            new_level,
            hazard.rectification_deadline,
            settings,
            now,
        )
        changed = session.execute(
            update(Hazard)
            .where(
                Hazard.id == hazard.id,
                Hazard.level == hazard.level,
                Hazard.version == hazard.version,
            )
            .values(
                level=int(new_level),
                level_since=now,
                version=hazard.version + 1,
                level_due_at=level_due_at,
                escalate_at=escalate_at,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if not changed:
            continue  # another worker or a person got there first
        audit.record(
            session,
            actor=audit.Actor.system(),
            action="hazard.escalated",
            subject_type="hazard",
            subject_id=hazard.id,
            before={"level": hazard.level},
            after={"level": int(new_level), "reason": "overdue", "state": hazard.state},
        )
        notify.push(
            session,
            level_holders(session, hazard, new_level),
            title="隐患逾期升级",
            body=summary_of(hazard.description, hazard.category),
            data={
                "hazard_id": str(hazard.id),
                "level": str(int(new_level)),
                "kind": "hazard.escalated",
            },
        )
        escalated += 1
    return escalated
