"""What `firegrid worker` runs for complaints: reminders and escalation of missed deadlines,
and delivery of the hotline callbacks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.core import audit, dialect
from backend.core.db import utcnow
from backend.core.settings import Settings
from backend.notify import service as notify
from complaints import dispatch, rules
from complaints.callbacks import deliver_hotline_callbacks
from complaints.enums import Escalation
from complaints.models import Complaint

BATCH = 500

__all__ = ["deliver_hotline_callbacks", "remind_and_escalate_overdue_complaints"]


def remind_and_escalate_overdue_complaints(
    session: Session, settings: Settings, batch: int = BATCH, now: datetime | None = None
) -> int:
    """For each complaint whose running deadline has passed: first a reminder 催办 to whoever
    holds it; then, `complaint_escalation_working_days` later, the township station is told;
    then the county brigade. Each step is taken once per deadline (a conditional update on the
    alarm it answers), reads only due rows (index on alarm_at), and is claimed with SKIP LOCKED
    so several workers share the work."""
    now = now or utcnow()
    calendar = rules.working_calendar(settings)
    township_days, county_days = settings.complaint_escalation_working_days
    due = session.scalars(
        dialect.claim(
            session,
            select(Complaint)
            .where(Complaint.alarm_at.is_not(None), Complaint.alarm_at <= now)
            .order_by(Complaint.alarm_at)
            .limit(batch),
        )
    ).all()
    handled = 0
    for complaint in due:
        deadline = rules.due_of(complaint)
        level = Escalation(complaint.escalation)
        if not complaint.reminded:
            values = {"reminded": True}
            action, audience = "complaint.reminded", _holder(session, complaint)
            title = "投诉催办"
        else:
            level = Escalation(level + 1)
            values = {"escalation": int(level)}
            action = "complaint.escalated"
            audience = (
                dispatch.station_staff_for(session, complaint.area_path)
                if level is Escalation.TOWNSHIP
                else dispatch.brigade_staff_for(session, complaint.area_path)
            )
            title = "投诉逾期升级"
        if level >= Escalation.COUNTY:
            values["alarm_at"] = None  # nobody higher to tell for this deadline
        else:
            wait = township_days if level is Escalation.NONE else county_days
            values["alarm_at"] = calendar.deadline(now, wait) if wait else now
        changed = session.execute(
            update(Complaint)
            .where(
                Complaint.id == complaint.id,
                Complaint.alarm_at == complaint.alarm_at,
                Complaint.state == complaint.state,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not changed:
            continue  # a person acted meanwhile, or another worker got there first
        audit.record(
            session,
            actor=audit.Actor.system(),
            action=action,
            subject_type="complaint",
            subject_id=complaint.id,
            after={
                "stage": complaint.stage,
                "due_at": deadline.isoformat() if deadline else None,
                "escalation": int(level),
                "state": complaint.state,
            },
        )
        notify.push(
            session,
            audience,
            title=title,
            body=dispatch.summary(complaint),
            data={
                "complaint_id": str(complaint.id),
                "kind": action,
                "stage": complaint.stage or "",
            },
        )
        handled += 1
    return handled


def _holder(session: Session, complaint: Complaint):
    if complaint.assignee_id is not None:
        return [complaint.assignee_id]
    return dispatch.station_staff_for(session, complaint.area_path)
