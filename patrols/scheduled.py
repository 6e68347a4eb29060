"""Patrol jobs the worker runs: overdue tasks climb the ladder."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core import audit, calendar_notices, dialect
from backend.core.db import utcnow
from backend.core.settings import Settings
from backend.identity.enums import Role
from backend.identity.models import User
from backend.notify import service as notify
from backend.notify.enums import NotificationKind
from grids.models import Area
from patrols.enums import TaskLevel, TaskState
from patrols.models import PatrolTask


def escalate_overdue_tasks(session: Session, settings: Settings) -> int:
    """Overdue open tasks climb as hazards do: at the due time to the village's grid leader,
    then after `settings.task_escalation_working_days` to the township station. Claims rows,
    so several workers can run; touches only the tasks whose time has come."""
    now = utcnow()
    calendar = calendar_notices.working_calendar(settings)
    due = session.scalars(
        dialect.claim(
            session,
            select(PatrolTask)
            .where(PatrolTask.state == TaskState.OPEN.value, PatrolTask.escalate_at <= now)
            .order_by(PatrolTask.escalate_at)
            .limit(1000),
        )
    ).all()
    for task in due:
        task.level = min(task.level + 1, int(TaskLevel.TOWNSHIP))
        task.escalate_at = (
            calendar.deadline(now, settings.task_escalation_working_days)
            if task.level < TaskLevel.TOWNSHIP
            else None
        )
        task.version += 1
        audit.record(
            session,
            actor=audit.Actor.system(),
            action="patrol.task_escalated",
            subject_type="patrol_task",
            subject_id=task.id,
            after={"level": TaskLevel(task.level).name.lower(), "due_at": task.due_at.isoformat()},
        )
        notify.push(
            session,
            _holders(session, task),
            title="巡查任务逾期",
            body="有巡查任务已超期未完成，请督促处理",
            data={"patrol_task_id": str(task.id), "level": str(task.level)},
            kind=NotificationKind.TASK_OVERDUE,
        )
    return len(due)


def _holders(session: Session, task: PatrolTask) -> list[uuid.UUID]:
    """Who answers for an overdue task at its level: the village's grid leaders, then the
    township's station staff."""
    grid = session.get(Area, task.area_id) if task.area_id else None
    if grid is None:
        return []
    village = session.get(Area, grid.parent_id)
    if task.level == TaskLevel.GRID_LEADER and village is not None:
        role, area_id = Role.GRID_LEADER, village.id
    elif village is not None and village.parent_id is not None:
        role, area_id = Role.STATION_STAFF, village.parent_id
    else:
        return []
    return list(
        session.scalars(
            select(User.id).where(
                User.role == role.value, User.scope_area_id == area_id, User.is_active.is_(True)
            )
        )
    )
