"""Patrol jobs the worker runs: overdue tasks climb the ladder; next month's plan is made on
the day the deployment names."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from backend.core import audit, calendar_notices, dialect
from backend.core.db import utcnow
from backend.core.localtime import LOCAL_TIME
from backend.core.settings import Settings
from backend.identity.enums import Role
from backend.identity.models import User
from backend.notify import service as notify
from backend.notify.enums import NotificationKind
from grids.enums import AreaLevel
from grids.models import Area
from patrols.enums import TaskKind, TaskLevel, TaskState
from patrols.models import PatrolTask
from patrols.plans import month_start, plan_area


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


# --- Next month's plan, on schedule ----------------------------------------------------------------


@dataclass(frozen=True)
class PlanSchedule:
    """When the worker makes next month's plan: `day` of each month (None: never, stations
    plan by hand), the next such day and the month it plans then."""

    day: int | None
    next_run_on: date | None
    next_period: str | None


def plan_schedule(settings: Settings, now: datetime | None = None) -> PlanSchedule:
    day = settings.patrol_plan_day or None
    if day is None:
        return PlanSchedule(None, None, None)
    today = (now or utcnow()).astimezone(LOCAL_TIME).date()
    ahead = 0 if today.day <= day else 1
    run = month_start(today.year, today.month, ahead).date().replace(day=day)
    planned = month_start(run.year, run.month, 1)
    return PlanSchedule(day, run, f"{planned.year:04d}-{planned.month:02d}")


def plan_next_month(session: Session, settings: Settings, now: datetime | None = None) -> int:
    """From `settings.patrol_plan_day` on, next month's plan for each township that has none
    yet, as its station would make it. Idempotent: a township with a plan task for the month
    is passed over, townships are claimed (another worker skips the one being planned), and
    the tasks' unique source keys would refuse a second copy anyway. How many tasks it made."""
    if not settings.patrol_plan_day:
        return 0
    today = (now or utcnow()).astimezone(LOCAL_TIME)
    if today.day < settings.patrol_plan_day:
        return 0
    after = month_start(today.year, today.month, 1)
    period = f"{after.year:04d}-{after.month:02d}"
    planned = exists().where(
        PatrolTask.kind == TaskKind.PLAN.value,
        PatrolTask.period == period,
        PatrolTask.area_path.startswith(Area.path),
    )
    townships = session.scalars(
        dialect.claim(
            session,
            select(Area)
            .where(Area.level == AreaLevel.TOWNSHIP.value, ~planned)
            .order_by(Area.code),
        )
    ).all()
    made = 0
    for township in townships:
        outcome = plan_area(
            session, settings, township, period, actor=audit.Actor.system(), created_by=None
        )
        made += outcome.created
    return made
