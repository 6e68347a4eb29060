"""What `firegrid worker` runs for referrals: those whose reply is past its deadline are
marked overdue, once each, even with several workers (claimed with SKIP LOCKED, then moved by
a conditional update on their state)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.core import dialect
from backend.core.db import utcnow
from backend.core.settings import Settings
from referrals import service
from referrals.enums import ReferralAction, ReferralState
from referrals.lifecycle import REFERRAL_LIFECYCLE
from referrals.models import Referral

BATCH = 500


def mark_overdue_referrals(
    session: Session, settings: Settings, batch: int = BATCH, now: datetime | None = None
) -> int:
    now = now or utcnow()
    row = REFERRAL_LIFECYCLE.step(ReferralState.SENT, ReferralAction.MARK_OVERDUE)
    due = session.scalars(
        dialect.claim(
            session,
            select(Referral)
            .where(Referral.state == row.source.value, Referral.due_at <= now)
            .order_by(Referral.due_at)
            .limit(batch),
        )
    ).all()
    handled = 0
    for referral in due:
        changed = session.execute(
            update(Referral)
            .where(Referral.id == referral.id, Referral.state == row.source.value)
            .values(state=row.target.value, overdue_at=now, version=Referral.version + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not changed:
            continue  # answered meanwhile, or another worker got there first
        session.refresh(referral)
        service.mark_overdue(session, referral, now)
        handled += 1
    return handled
