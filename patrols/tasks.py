"""Patrol tasks once made: by hand (ad hoc), reassigned, cancelled, listed, and the progress
of an area's month. A task's states and the steps between them are one table here (`TASK_LIFECYCLE`). No web
imports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from backend.core import audit
from backend.core.db import utcnow
from backend.core.errors import Conflict, InvalidInput, NotFound
from backend.core.ids import new_id
from backend.core.lifecycle import Lifecycle, Transition
from backend.core.settings import Settings
from backend.identity.enums import Role
from backend.identity.models import User
from backend.identity.permissions import Permission, demand
from backend.identity.service import Principal
from grids.crs import Crs, to_wgs84
from grids.models import Area, GridAssignment
from grids.premises import service as premises_service
from grids.premises.models import Premises
from grids.scope import area_in_scope, scope_of
from grids.service import place_point
from grids.workforce import grid_places, handlers_for
from patrols.checklists import default_checklist
from patrols.enums import TaskKind, TaskState, TaskStep
from patrols.models import PatrolTask, TaskRelease
from patrols.plans import assignee_of, month_start, parse_period


class TaskRefused(Conflict):
    """The step does not apply to the task in its present state."""


TASK_LIFECYCLE: Lifecycle[TaskState, TaskStep, None] = Lifecycle(
    "patrol task",
    (
        Transition(TaskState.OPEN, TaskStep.VISIT, TaskState.DONE),
        Transition(TaskState.OPEN, TaskStep.CANCEL, TaskState.CANCELLED),
    ),
    not_allowed=lambda state, step, _possible: TaskRefused(
        f"a {state} task cannot take '{step}'", state=state.value
    ),
)


def move(task: PatrolTask, step: TaskStep) -> TaskState:
    """The state `step` takes the task to, or TaskRefused naming its present state."""
    return TASK_LIFECYCLE.step(TaskState(task.state), step).target


# --- Ad-hoc tasks, reassignment, cancellation ------------------------------------------------------


def create_adhoc_task(
    session: Session,
    principal: Principal,
    settings: Settings,
    *,
    premises_id: uuid.UUID | None,
    lng: float | None,
    lat: float | None,
    crs: Crs,
    due_at: datetime,
    note: str,
    assignee_id: uuid.UUID | None,
) -> PatrolTask:
    """A task made by hand: a premises, or a point (routed to its grid); for a named worker of
    that grid, or for whoever handles it."""
    demand(principal.role, Permission.PLAN_PATROLS, "do this")
    if premises_id is not None:
        premises = premises_service.in_scope(session, principal, premises_id)
        x, y, area_id, path, kind = (
            premises.lng,
            premises.lat,
            premises.area_id,
            premises.area_path,
            premises.premises_type,
        )
    else:
        if lng is None or lat is None:
            raise InvalidInput("give a premises_id, or a point (lng, lat)", field="premises_id")
        _, placement = place_point(session, lng, lat, crs, settings.routing_snap_m)
        if placement is None or not scope_of(session, principal).covers_path(placement.area_path):
            raise InvalidInput("the point is in no grid of your area", field="lng")
        x, y = to_wgs84(lng, lat, crs)
        area_id, path, kind = placement.area_id, placement.area_path, None
    if area_id is None:
        raise InvalidInput("the premises is in no grid yet: place it on the map first")
    if due_at <= utcnow():
        raise InvalidInput("the due time has passed", field="due_at")
    assignee = _assignee_for(session, area_id, assignee_id)
    task = PatrolTask(
        id=new_id(),
        kind=TaskKind.ADHOC.value,
        premises_id=premises_id,
        lng=x,
        lat=y,
        area_id=area_id,
        area_path=path,
        assignee_id=assignee,
        checklist_id=default_checklist(session, kind).id,
        note=note,
        due_at=due_at,
        escalate_at=due_at,
        created_by=principal.user_id,
    )
    session.add(task)
    session.flush()
    _audit_task(session, principal, task, "patrol.task_created")
    return task


def create_task_for_event(
    session: Session,
    actor: audit.Actor,
    *,
    source_key: str,
    premises_id: uuid.UUID | None,
    lng: float,
    lat: float,
    area_id: uuid.UUID,
    area_path: str,
    due_at: datetime,
    note: str,
) -> PatrolTask:
    """A task made by another domain's rule (an alarm feed's event: alarms/): for whoever
    handles the grid now, at a point (and a premises, if known), due at `due_at`. The caller
    has placed the point and says what made the task (`source_key`, unique: a task per
    cause); it pushes the news itself."""
    premises_type = (
        session.scalar(select(Premises.premises_type).where(Premises.id == premises_id))
        if premises_id is not None
        else None
    )
    task = PatrolTask(
        id=new_id(),
        kind=TaskKind.ALARM.value,
        source_key=source_key,
        premises_id=premises_id,
        lng=lng,
        lat=lat,
        area_id=area_id,
        area_path=area_path,
        assignee_id=_assignee_for(session, area_id, None),
        checklist_id=default_checklist(session, premises_type).id,
        note=note,
        due_at=due_at,
        escalate_at=due_at,
        created_by=None,
    )
    session.add(task)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="patrol.task_created",
        subject_type="patrol_task",
        subject_id=task.id,
        after={
            "kind": task.kind,
            "state": task.state,
            "premises_id": task.premises_id,
            "assignee": task.assignee_id,
            "due_at": task.due_at.isoformat(),
            "source_key": source_key,
        },
    )
    return task


def _assignee_for(
    session: Session, area_id: uuid.UUID, assignee_id: uuid.UUID | None
) -> uuid.UUID | None:
    """A named worker must be assigned to the task's grid; otherwise whoever handles it now."""
    if assignee_id is not None:
        assigned = session.scalar(
            select(GridAssignment.user_id).where(
                GridAssignment.area_id == area_id, GridAssignment.user_id == assignee_id
            )
        )
        if assigned is None:
            raise InvalidInput(
                "that worker is not assigned to the task's grid", field="assignee_id"
            )
        return assignee_id
    places = grid_places(session, [area_id])
    return assignee_of(handlers_for(session, places).get(area_id))


def task_in_scope(session: Session, principal: Principal, task_id: uuid.UUID) -> PatrolTask:
    task = session.get(PatrolTask, task_id)
    if task is None:
        raise NotFound(f"no patrol task {task_id} in your area")
    if task.assignee_id == principal.user_id:
        return task
    if principal.role is Role.GRID_WORKER or not scope_of(session, principal).covers_path(
        task.area_path
    ):
        raise NotFound(f"no patrol task {task_id} in your area")
    return task


def reassign_task(
    session: Session, principal: Principal, task_id: uuid.UUID, assignee_id: uuid.UUID | None
) -> PatrolTask:
    demand(principal.role, Permission.PLAN_PATROLS, "do this")
    task = task_in_scope(session, principal, task_id)
    if task.state != TaskState.OPEN:
        raise TaskRefused(f"a {task.state} task is not reassigned", state=task.state)
    before = task.assignee_id
    task.assignee_id = _assignee_for(session, task.area_id, assignee_id)
    if before != task.assignee_id:
        _release(session, task.id, before, task.assignee_id)
    task.version += 1
    session.flush()
    _audit_task(session, principal, task, "patrol.task_reassigned", before={"assignee": before})
    return task


def _release(
    session: Session, task_id: uuid.UUID, before: uuid.UUID | None, after: uuid.UUID | None
) -> None:
    """The previous worker's phones drop the task; the new one's get it even if they had
    dropped it before."""
    if after is not None:
        session.execute(
            delete(TaskRelease).where(TaskRelease.task_id == task_id, TaskRelease.user_id == after)
        )
    if before is not None:
        release = session.get(TaskRelease, (task_id, before))
        if release is None:
            session.add(TaskRelease(task_id=task_id, user_id=before))
        else:
            release.released_at = utcnow()  # a new stamp: sent again
        session.flush()


def cancel_task(
    session: Session, principal: Principal, task_id: uuid.UUID, note: str
) -> PatrolTask:
    demand(principal.role, Permission.PLAN_PATROLS, "do this")
    task = task_in_scope(session, principal, task_id)
    task.state = move(task, TaskStep.CANCEL).value
    task.escalate_at = None
    task.note = (task.note + "\n" if task.note else "") + note
    task.version += 1
    session.flush()
    _audit_task(session, principal, task, "patrol.task_cancelled")
    return task


def _audit_task(
    session: Session,
    principal: Principal,
    task: PatrolTask,
    action: str,
    before: dict[str, Any] | None = None,
) -> None:
    audit.record(
        session,
        actor=principal.actor,
        action=action,
        subject_type="patrol_task",
        subject_id=task.id,
        before=before,
        after={
            "kind": task.kind,
            "state": task.state,
            "premises_id": task.premises_id,
            "assignee": task.assignee_id,
            "due_at": task.due_at.isoformat(),
        },
    )


@dataclass(frozen=True)
class TaskFilter:
    area_code: str | None = None
    state: TaskState | None = None
    assignee_id: uuid.UUID | None = None
    period: str | None = None  # a plan's month: a campaign's or an ad-hoc task has none
    kind: TaskKind | None = None
    campaign_id: uuid.UUID | None = None
    # The tasks a month's assessment counts (due in that Beijing month, not cancelled, whatever
    # their plan), and those done by their due time or not: the tasks behind the assessment's
    # `tasks_due` and `tasks_done_on_time`.
    due_month: str | None = None
    on_time: bool | None = None


def task_query(session: Session, principal: Principal, where: TaskFilter) -> Select:
    """Tasks in the caller's area (a grid worker: their own), by due time: what the task list
    pages through and its export writes out."""
    query = select(PatrolTask)
    if principal.role is Role.GRID_WORKER:
        query = query.where(PatrolTask.assignee_id == principal.user_id)
    else:
        demand(principal.role, Permission.FOLLOW_PATROLS, "do this")
        query = query.where(scope_of(session, principal).area_clause_on(PatrolTask.area_path))
    if where.area_code:
        area = area_in_scope(session, principal, where.area_code)
        query = query.where(PatrolTask.area_path.startswith(area.path, autoescape=True))
    if where.state:
        query = query.where(PatrolTask.state == where.state.value)
    if where.assignee_id:
        query = query.where(PatrolTask.assignee_id == where.assignee_id)
    if where.period:
        parse_period(where.period)
        query = query.where(PatrolTask.period == where.period)
    if where.kind:
        query = query.where(PatrolTask.kind == where.kind.value)
    if where.campaign_id:
        query = query.where(PatrolTask.campaign_id == where.campaign_id)
    if where.due_month:
        year, month = parse_period(where.due_month)
        query = query.where(
            PatrolTask.due_at > month_start(year, month),
            PatrolTask.due_at <= month_start(year, month, 1),
            PatrolTask.state != TaskState.CANCELLED.value,
        )
    if where.on_time is not None:
        done_in_time = PatrolTask.done_at.is_not(None) & (PatrolTask.done_at <= PatrolTask.due_at)
        query = query.where(done_in_time if where.on_time else ~done_in_time)
    return query.order_by(PatrolTask.due_at, PatrolTask.id)


def list_tasks(
    session: Session, principal: Principal, where: TaskFilter, *, limit: int, offset: int
) -> tuple[list[PatrolTask], int]:
    """A page of the tasks in the caller's area, and how many match."""
    query = task_query(session, principal, where)
    total = session.scalar(query.with_only_columns(func.count(PatrolTask.id)).order_by(None))
    return list(session.scalars(query.limit(limit).offset(offset))), total or 0


@dataclass(frozen=True)
class TaskNames:
    """What a list shows beside a task's ids: its worker, premises and grid by name."""

    assignee_name: str | None
    premises_name: str | None
    grid_code: str | None
    grid_name: str | None


def names_of(session: Session, shown: list[PatrolTask]) -> dict[uuid.UUID, TaskNames]:
    """The names of a page of tasks, in three queries whatever the page's size."""
    people = {t.assignee_id for t in shown if t.assignee_id}
    places = {t.premises_id for t in shown if t.premises_id}
    grids = {t.area_id for t in shown if t.area_id}
    who = {
        row.id: row.display_name
        for row in session.execute(select(User.id, User.display_name).where(User.id.in_(people)))
    }
    what = {
        row.id: row.name
        for row in session.execute(
            select(Premises.id, Premises.name).where(Premises.id.in_(places))
        )
    }
    where = {
        row.id: row
        for row in session.execute(select(Area.id, Area.code, Area.name).where(Area.id.in_(grids)))
    }
    names = {}
    for t in shown:
        grid = where.get(t.area_id)
        names[t.id] = TaskNames(
            who.get(t.assignee_id),
            what.get(t.premises_id),
            grid.code if grid else None,
            grid.name if grid else None,
        )
    return names


def reassign_candidates(session: Session, principal: Principal, task_id: uuid.UUID) -> list[User]:
    """Who a task may go to: the workers assigned to its grid (primary and backups), by name.
    The same rule `reassign_task` holds a named worker to."""
    demand(principal.role, Permission.PLAN_PATROLS, "do this")
    task = task_in_scope(session, principal, task_id)
    return list(
        session.scalars(
            select(User)
            .join(GridAssignment, GridAssignment.user_id == User.id)
            .where(GridAssignment.area_id == task.area_id, User.is_active.is_(True))
            .order_by(User.display_name, User.username)
        )
    )


# --- Progress ------------------------------------------------------------------------------------


@dataclass
class Progress:
    area_code: str
    area_name: str
    due: int = 0
    done: int = 0
    done_on_time: int = 0
    overdue_open: int = 0


def progress(session: Session, principal: Principal, area_code: str, period: str) -> list[Progress]:
    """Tasks due in a month under each child area of `area_code` (grids under a village,
    villages under a township ...), with the area itself first."""
    demand(principal.role, Permission.FOLLOW_PATROLS, "do this")
    area = area_in_scope(session, principal, area_code)
    year, month = parse_period(period)
    start, end = month_start(year, month), month_start(year, month, 1)
    children = list(
        session.scalars(select(Area).where(Area.parent_id == area.id).order_by(Area.code))
    )
    now = utcnow()
    rows = session.execute(
        select(PatrolTask.area_path, PatrolTask.state, PatrolTask.done_at, PatrolTask.due_at).where(
            PatrolTask.area_path.startswith(area.path, autoescape=True),
            PatrolTask.due_at > start,
            PatrolTask.due_at <= end,
            PatrolTask.state != TaskState.CANCELLED.value,
        )
    ).all()
    out = [Progress(area.code, area.name)] + [Progress(c.code, c.name) for c in children]
    for path, state, done_at, due_at in rows:
        targets = [out[0]] + [
            p for c, p in zip(children, out[1:], strict=True) if path.startswith(c.path)
        ]
        for p in targets:
            p.due += 1
            if state == TaskState.DONE:
                p.done += 1
                p.done_on_time += done_at is not None and done_at <= due_at
            elif due_at <= now:
                p.overdue_open += 1
    return out
