"""Patrol rules: checklists, task generation and assignment, visits from phones, assessment.

No web imports. Who may do what is checked here (role, then area scope through grids.scope);
every change is audited.
"""

from __future__ import annotations

import math
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.orm import Session

from backend.core import audit, dialect
from backend.core.db import utcnow
from backend.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from backend.core.ids import new_id
from backend.core.localtime import LOCAL_TIME
from backend.core.settings import Settings
from backend.identity.enums import Role
from backend.identity.models import User
from backend.identity.service import Principal
from complaints import reading as complaints
from grids.crs import Crs, to_wgs84
from grids.enums import AreaLevel, HandlerKind
from grids.models import Area, GridAssignment
from grids.premises import service as premises_service
from grids.premises.models import Premises
from grids.routing import ground_distance_m
from grids.scope import area_in_scope, scope_of
from grids.service import place_point
from grids.workforce import grid_places, handlers_for
from hazards import reporting as hazards
from hazards.enums import HazardCategory, HazardSource, Severity
from hazards.models import Hazard
from hazards.schemas import HazardReport
from patrols import rules
from patrols.enums import AnswerResult, CheckInFlag, TaskKind, TaskLevel, TaskState
from patrols.models import (
    Checklist,
    PatrolTask,
    TaskRelease,
    TrackPoint,
    Visit,
    VisitAnswer,
)

PLANNERS = (Role.STATION_STAFF, Role.BRIGADE_STAFF, Role.DISPATCHER, Role.ADMIN)
FOLLOWERS = (Role.GRID_LEADER, *PLANNERS)
FIELD = (Role.GRID_WORKER, Role.GRID_LEADER)


class TaskRefused(Conflict):
    """The step does not apply to the task in its present state."""


# Which state a task may go to from which, and by what.
TRANSITIONS: dict[TaskState, dict[str, TaskState]] = {
    TaskState.OPEN: {"visit": TaskState.DONE, "cancel": TaskState.CANCELLED},
    TaskState.DONE: {},
    TaskState.CANCELLED: {"reopen": TaskState.OPEN},
}


def _move(task: PatrolTask, step: str) -> TaskState:
    state = TaskState(task.state)
    target = TRANSITIONS[state].get(step)
    if target is None:
        raise TaskRefused(f"a {state} task cannot take '{step}'", state=state.value)
    return target


def require(principal: Principal, roles: tuple[Role, ...]) -> None:
    if principal.role not in roles:
        raise Forbidden(f"a {principal.role} may not do this")


# --- Checklists ----------------------------------------------------------------------------------


def default_checklist(session: Session, premises_type: str | None) -> Checklist:
    """The current version of the checklist for a premises type: its own if one was published,
    else the general one; the built-in defaults are written the first time they are needed."""
    codes = [f"default.{premises_type}", "default"] if premises_type else ["default"]
    found = {
        c.code: c
        for c in session.scalars(
            select(Checklist)
            .where(Checklist.code.in_(codes), Checklist.active.is_(True))
            .order_by(Checklist.version)
        )
    }
    for code in codes:
        if code in found:
            return found[code]
    own = premises_type if premises_type in rules.TYPE_OMITS else None  # else the general one
    checklist = Checklist(
        id=new_id(),
        code=f"default.{own}" if own else "default",
        version=1,
        title="消防安全网格巡查内容" + (f"（{own}）" if own else ""),
        premises_type=own,
        items=[
            {"key": i.key, "text": i.text, "hazard_category": i.hazard_category.value}
            for i in rules.default_items(own)
        ],
    )
    session.add(checklist)
    session.flush()
    return checklist


def publish_checklist(
    session: Session,
    principal: Principal,
    *,
    code: str,
    title: str,
    premises_type: str | None,
    items: list[dict[str, Any]],
) -> Checklist:
    """A new version of a checklist; the old one stays for the tasks that carry it."""
    require(principal, (Role.BRIGADE_STAFF, Role.ADMIN, Role.DISPATCHER))
    keys = [item["key"] for item in items]
    if len(set(keys)) != len(keys):
        raise InvalidInput("item keys must be unique within a checklist", field="items")
    latest = session.scalar(
        select(Checklist).where(Checklist.code == code).order_by(Checklist.version.desc())
    )
    session.execute(update(Checklist).where(Checklist.code == code).values(active=False))
    checklist = Checklist(
        id=new_id(),
        code=code,
        version=(latest.version + 1) if latest else 1,
        title=title,
        premises_type=premises_type,
        items=items,
    )
    session.add(checklist)
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="checklist.published",
        subject_type="checklist",
        subject_id=checklist.id,
        after={"code": code, "version": checklist.version, "items": keys},
    )
    return checklist


def require_signed_in_staff_or_field(principal: Principal) -> None:
    require(principal, (*FIELD, *PLANNERS))


def checklists(session: Session) -> list[Checklist]:
    return list(
        session.scalars(
            select(Checklist).where(Checklist.active.is_(True)).order_by(Checklist.code)
        )
    )


# --- Periods ---------------------------------------------------------------------------------------


def parse_period(period: str) -> tuple[int, int]:
    try:
        year, month = (int(part) for part in period.split("-"))
        date(year, month, 1)
    except ValueError as exc:
        raise InvalidInput("a period is a month written YYYY-MM", field="period") from exc
    return year, month


def month_start(year: int, month: int, plus: int = 0) -> datetime:
    """Midnight, Beijing time, at the start of the month `plus` months after year-month."""
    index = year * 12 + month - 1 + plus
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=LOCAL_TIME)


# --- Plans: the tasks of a period ----------------------------------------------------------------


@dataclass
class PlanOutcome:
    period: str
    created: int = 0
    existing: int = 0
    unassigned: int = 0  # no worker on duty: the task waits for the township station
    unrouted: int = 0  # premises in no grid: placed on the map first
    not_due: int = 0  # patrolled every few months, not in this one
    per_grid: dict[str, int] = field(default_factory=dict)


def generate_plan_tasks(
    session: Session,
    principal: Principal,
    settings: Settings,
    *,
    area_code: str,
    period: str,
    preview: bool = False,
) -> PlanOutcome:
    """The tasks of one month for every premises in an area, by the frequency rules, each for
    whoever handles its grid, due at the end of its cycle. Safe to run again: a task already
    made for a premises and period is left alone (a unique source key), so a second run
    creates nothing and two concurrent runs create each task once."""
    require(principal, PLANNERS)
    area = area_in_scope(session, principal, area_code)
    year, month = parse_period(period)
    frequencies = rules.load_frequencies(settings.patrol_frequencies)
    outcome = PlanOutcome(period=period)
    premises = premises_under(session, area)
    every: dict[tuple[str, str, bool], int] = {}
    due: list[Any] = []
    for row in premises:
        kind = (row.premises_type, row.risk_level, row.key_unit)
        if kind not in every:
            every[kind] = rules.months_between_patrols(frequencies, *kind)
        if row.area_id is None or not row.area_path:
            outcome.unrouted += 1
        elif (year * 12 + month - 1) % every[kind] != 0:
            outcome.not_due += 1
        else:
            due.append(row)
    ends = {months: month_start(year, month, months) for months in set(every.values())}
    rows = new_tasks(
        session,
        principal,
        outcome,
        due,
        kind=TaskKind.PLAN,
        key_prefix=f"plan:{period}:",
        due_at=lambda row: ends[every[(row.premises_type, row.risk_level, row.key_unit)]],
        period=period,
    )
    if preview or not rows:
        return outcome
    insert_tasks(session, rows)
    audit.record(
        session,
        actor=principal.actor,
        action="patrol.plan_generated",
        subject_type="area",
        subject_id=area.id,
        after={
            "period": period,
            "created": outcome.created,
            "existing": outcome.existing,
            "unassigned": outcome.unassigned,
            "unrouted": outcome.unrouted,
        },
    )
    return outcome


def premises_under(session: Session, area: Area, types: list[str] | None = None) -> list[Any]:
    """The live premises under an area (all types, or those given), as plain rows."""
    query = select(
        Premises.id,
        Premises.premises_type,
        Premises.risk_level,
        Premises.key_unit,
        Premises.lng,
        Premises.lat,
        Premises.area_id,
        Premises.area_path,
    ).where(
        Premises.archived.is_(False),
        Premises.area_path.startswith(area.path, autoescape=True),
    )
    if types:
        query = query.where(Premises.premises_type.in_(types))
    return list(session.execute(query).all())


_PERSONAL = {HandlerKind.PRIMARY_WORKER, HandlerKind.BACKUP_WORKER, HandlerKind.GRID_LEADER}


def new_tasks(
    session: Session,
    principal: Principal,
    outcome: PlanOutcome,
    premises: list[Any],
    *,
    kind: TaskKind,
    key_prefix: str,
    due_at: Callable[[Any], datetime],
    period: str | None = None,
    campaign_id: uuid.UUID | None = None,
    checklist: Checklist | None = None,
) -> list[dict[str, Any]]:
    """Task rows for premises (routed rows of id, type, point, grid) whose source key
    (`key_prefix` + premises id) is not taken yet, each for whoever handles its grid; counts go
    into `outcome`."""
    keys = {row.id: f"{key_prefix}{row.id}" for row in premises}
    taken = set(
        session.scalars(
            select(PatrolTask.source_key).where(
                PatrolTask.source_key.startswith(key_prefix, autoescape=True)
            )
        )
    )
    fresh = [row for row in premises if keys[row.id] not in taken]
    outcome.existing = len(premises) - len(fresh)
    places = grid_places(session, {row.area_id for row in fresh})
    handlers = handlers_for(session, places)
    codes = {p.grid.id: p.grid.code for p in places}
    lists = {
        t: checklist or default_checklist(session, t) for t in {row.premises_type for row in fresh}
    }
    now = utcnow()
    rows = []
    for row in fresh:
        handler = handlers.get(row.area_id)
        assignee = handler.user_id if handler and handler.kind in _PERSONAL else None
        outcome.unassigned += assignee is None
        grid_code = codes.get(row.area_id, "")
        outcome.per_grid[grid_code] = outcome.per_grid.get(grid_code, 0) + 1
        due = due_at(row)
        rows.append(
            {
                "id": new_id(),
                "kind": kind.value,
                "source_key": keys[row.id],
                "period": period,
                "campaign_id": campaign_id,
                "premises_id": row.id,
                "lng": row.lng,
                "lat": row.lat,
                "area_id": row.area_id,
                "area_path": row.area_path,
                "assignee_id": assignee,
                "checklist_id": lists[row.premises_type].id,
                "note": "",
                "due_at": due,
                "state": TaskState.OPEN.value,
                "done_at": None,
                "done_by_visit_id": None,
                "level": int(TaskLevel.WORKER),
                "escalate_at": due,
                "created_by": principal.user_id,
                "created_at": now,
                "version": 1,
            }
        )
    outcome.created = len(rows)
    return rows


def insert_tasks(session: Session, rows: list[dict[str, Any]]) -> None:
    """New task rows, 5,000 to a statement; a task whose source key is taken is skipped."""
    for chunk in chunks(rows, 5000):
        dialect.insert_many_unless_present(session, PatrolTask.__table__, chunk, "source_key")
    if len(rows) >= BULK:
        dialect.refresh_statistics(session, PatrolTask.__table__)


BULK = 10_000  # rows after which the planner's statistics are refreshed


def chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


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
    require(principal, PLANNERS)
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
    handler = handlers_for(session, places).get(area_id)
    return handler.user_id if handler and handler.kind in _PERSONAL else None


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
    require(principal, PLANNERS)
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
    require(principal, PLANNERS)
    task = task_in_scope(session, principal, task_id)
    task.state = _move(task, "cancel").value
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


def list_tasks(
    session: Session,
    principal: Principal,
    *,
    area_code: str | None,
    state: TaskState | None,
    assignee_id: uuid.UUID | None,
    limit: int,
    offset: int,
) -> list[PatrolTask]:
    query = select(PatrolTask)
    if principal.role is Role.GRID_WORKER:
        query = query.where(PatrolTask.assignee_id == principal.user_id)
    else:
        require(principal, FOLLOWERS)
        query = query.where(scope_of(session, principal).area_clause_on(PatrolTask.area_path))
    if area_code:
        area = area_in_scope(session, principal, area_code)
        query = query.where(PatrolTask.area_path.startswith(area.path, autoescape=True))
    if state:
        query = query.where(PatrolTask.state == state.value)
    if assignee_id:
        query = query.where(PatrolTask.assignee_id == assignee_id)
    query = query.order_by(PatrolTask.due_at, PatrolTask.id).limit(limit).offset(offset)
    return list(session.scalars(query))


# --- Progress and overdue tasks ----------------------------------------------------------------------


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
    require(principal, FOLLOWERS)
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


# --- Visits, answers and track points from phones ---------------------------------------------------


@dataclass(frozen=True)
class CheckIn:
    lng: float | None
    lat: float | None
    crs: Crs
    accuracy_m: float | None


def judge_check_in(
    settings: Settings, check_in: CheckIn, target: tuple[float, float] | None
) -> tuple[bool, str | None, float | None, float | None, tuple[float, float] | None]:
    """(valid, flag, distance, allowed radius, WGS-84 point). The geofence is the configured
    radius around the premises, widened by the phone's reported accuracy, never beyond the cap:
    a phone that says it is unsure by 2 km proves nothing."""
    if check_in.lng is None or check_in.lat is None:
        return False, CheckInFlag.NO_LOCATION.value, None, None, None
    point = to_wgs84(check_in.lng, check_in.lat, check_in.crs)
    accuracy = max(check_in.accuracy_m or 0.0, 0.0)
    allowed = min(settings.geofence_radius_m + accuracy, settings.geofence_cap_m)
    distance = float(ground_distance_m(point[0], point[1], *target)) if target else None
    if accuracy > settings.geofence_cap_m:
        return False, CheckInFlag.POOR_ACCURACY.value, distance, allowed, point
    if distance is None or distance > allowed:
        return False, CheckInFlag.OUTSIDE_GEOFENCE.value, distance, allowed, point
    return True, None, distance, allowed, point


@dataclass(frozen=True)
class VisitRecord:
    id: uuid.UUID
    task_id: uuid.UUID | None
    premises_id: uuid.UUID | None
    checked_in_at: datetime
    check_in: CheckIn
    checked_out_at: datetime | None


def record_visit(
    session: Session, principal: Principal, settings: Settings, body: VisitRecord
) -> tuple[Visit, bool]:
    """A visit as the phone recorded it; (visit, created). Pushed again with a check-out, it
    is completed; a visit with a check-out closes its task, whether or not the check-in was
    valid (the flag is what assessment and staff see)."""
    require(principal, FIELD)
    visit = session.get(Visit, body.id)
    if visit is not None and visit.user_id != principal.user_id:
        raise Conflict(f"visit {body.id} belongs to someone else", field="id")
    task = session.get(PatrolTask, body.task_id) if body.task_id else None
    if body.task_id and (
        task is None
        or task.assignee_id != principal.user_id
        and not scope_of(session, principal).covers_path(task.area_path)
    ):
        raise InvalidInput(f"no patrol task {body.task_id} for you", field="task_id")
    premises_id = body.premises_id or (task.premises_id if task else None)
    premises = session.get(Premises, premises_id) if premises_id else None
    if premises_id and (
        premises is None
        # a premises the phone names itself is one of the worker's area (or the task's own):
        # one elsewhere is answered as one that does not exist
        or premises_id != (task.premises_id if task else None)
        and not scope_of(session, principal).covers_path(premises.area_path or "\0")
    ):
        raise InvalidInput(f"no premises {premises_id}", field="premises_id")
    target = (premises.lng, premises.lat) if premises else ((task.lng, task.lat) if task else None)
    valid, flag, distance, allowed, point = judge_check_in(settings, body.check_in, target)
    now = utcnow()
    checked_out = min(body.checked_out_at, now) if body.checked_out_at else None
    created = visit is None
    if created:
        visit = Visit(id=body.id, user_id=principal.user_id)
        session.add(visit)
    visit.task_id = task.id if task else None
    visit.premises_id = premises_id
    visit.checklist_id = task.checklist_id if task else visit.checklist_id
    visit.area_path = premises.area_path if premises else (task.area_path if task else "")
    visit.checked_in_at = min(body.checked_in_at, now)
    visit.check_in_lng, visit.check_in_lat = point if point else (None, None)
    visit.raw_lng, visit.raw_lat = body.check_in.lng, body.check_in.lat
    visit.raw_crs = body.check_in.crs.value
    visit.accuracy_m = body.check_in.accuracy_m
    visit.distance_m, visit.allowed_m = distance, allowed
    visit.check_in_valid, visit.check_in_flag = valid, flag
    visit.checked_out_at = checked_out
    session.flush()
    if task is not None and checked_out is not None and task.state == TaskState.OPEN:
        task.state = _move(task, "visit").value
        task.done_at = checked_out
        task.done_by_visit_id = visit.id
        task.escalate_at = None
        task.version += 1
    audit.record(
        session,
        actor=principal.actor,
        action="patrol.visit_recorded" if created else "patrol.visit_updated",
        subject_type="patrol_visit",
        subject_id=visit.id,
        after={
            "task_id": visit.task_id,
            "premises_id": visit.premises_id,
            "check_in_valid": valid,
            "check_in_flag": flag,
            "distance_m": round(distance, 1) if distance is not None else None,
            "checked_out": checked_out.isoformat() if checked_out else None,
        },
        client_location=point,
    )
    return visit, created


@dataclass(frozen=True)
class AnswerRecord:
    id: uuid.UUID
    visit_id: uuid.UUID
    item_key: str
    result: AnswerResult
    note: str
    answered_at: datetime | None


def record_answer(
    session: Session, principal: Principal, settings: Settings, body: AnswerRecord
) -> tuple[VisitAnswer, bool]:
    """One checklist answer. A failed item reports a hazard (as any patrol report: routed,
    checked for duplicates, audited) whose id is the answer's id, at the visit's check-in point
    (else the premises), linked to the visit through the answer."""
    visit = session.get(Visit, body.visit_id)
    if visit is None or visit.user_id != principal.user_id:
        raise InvalidInput(f"no visit {body.visit_id} of yours", field="visit_id")
    answer = session.get(VisitAnswer, body.id)
    if answer is not None:
        if answer.user_id != principal.user_id or answer.visit_id != visit.id:
            raise Conflict(f"answer {body.id} belongs to another visit", field="id")
        if answer.hazard_id is not None and body.result is not AnswerResult.FAIL:
            raise InvalidInput(
                "a failed item has reported its hazard; follow the hazard instead", field="result"
            )
    item = _item(session, visit, body.item_key)
    created = answer is None
    if created:
        answer = VisitAnswer(id=body.id, visit_id=visit.id, user_id=principal.user_id)
        session.add(answer)
    answer.item_key, answer.result, answer.note = body.item_key, body.result.value, body.note
    answer.answered_at = body.answered_at
    session.flush()
    if body.result is AnswerResult.FAIL and answer.hazard_id is None:
        answer.hazard_id = _report_failed_item(session, principal, settings, visit, item, body)
    return answer, created


def _item(session: Session, visit: Visit, key: str) -> dict[str, Any]:
    checklist = session.get(Checklist, visit.checklist_id) if visit.checklist_id else None
    if checklist is None:
        premises = session.get(Premises, visit.premises_id) if visit.premises_id else None
        checklist = default_checklist(session, premises.premises_type if premises else None)
        visit.checklist_id = checklist.id
    for item in checklist.items:
        if item["key"] == key:
            return item
    raise InvalidInput(
        f"checklist {checklist.code} v{checklist.version} has no item {key!r}", field="item_key"
    )


def _report_failed_item(
    session: Session,
    principal: Principal,
    settings: Settings,
    visit: Visit,
    item: dict[str, Any],
    body: AnswerRecord,
) -> uuid.UUID:
    premises = session.get(Premises, visit.premises_id) if visit.premises_id else None
    if visit.check_in_valid and visit.check_in_lng is not None:
        lng, lat = visit.check_in_lng, visit.check_in_lat
    elif premises is not None:
        lng, lat = premises.lng, premises.lat
    elif visit.check_in_lng is not None:
        lng, lat = visit.check_in_lng, visit.check_in_lat
    else:
        raise InvalidInput(
            "a failed item needs a place: the visit has neither premises nor location"
        )
    report = HazardReport(
        id=body.id,
        category=HazardCategory(item["hazard_category"]),
        severity=Severity.ORDINARY,
        source=HazardSource.PATROL,
        description=f"{item['text']}：不符合" + (f"。{body.note}" if body.note else ""),
        lng=lng,
        lat=lat,
        crs=Crs.WGS84,
        premises_id=visit.premises_id,
        device_time=body.answered_at,
    )
    hazard, _ = hazards.report(session, principal, report, settings)
    return hazard.id


@dataclass(frozen=True)
class TrackRecord:
    id: uuid.UUID
    visit_id: uuid.UUID | None
    recorded_at: datetime
    lng: float
    lat: float
    crs: Crs
    accuracy_m: float | None


def record_track(session: Session, principal: Principal, points: list[TrackRecord]) -> int:
    """Track points, in one insert; a point already received is skipped (a re-sent batch)."""
    require(principal, FIELD)
    if not points:
        return 0
    rows = []
    for p in points:
        x, y = to_wgs84(p.lng, p.lat, p.crs)
        rows.append(
            {
                "id": p.id,
                "user_id": principal.user_id,
                "visit_id": p.visit_id,
                "recorded_at": p.recorded_at,
                "lng": x,
                "lat": y,
                "accuracy_m": p.accuracy_m,
            }
        )
    return dialect.insert_many_unless_present(session, TrackPoint.__table__, rows, "id")


# --- Coverage and assessment -------------------------------------------------------------------------


@dataclass
class WorkerMonth:
    """考核: one worker's month."""

    user_id: uuid.UUID
    username: str
    display_name: str
    grids: list[str]
    tasks_due: int = 0
    tasks_done_on_time: int = 0
    visits: int = 0
    visits_with_valid_check_in: int = 0
    premises_visited: int = 0
    hazards_found: int = 0
    ordinary_closed_in_grid: int = 0
    distance_km: float = 0.0
    complaints: int = 0  # 96119 / 12345 complaints received in the month and assigned to them
    complaints_signed_on_time: int = 0
    complaints_replied_on_time: int = 0


@dataclass
class AreaMonth:
    area_code: str
    area_name: str
    level: str
    workers: int = 0
    tasks_due: int = 0
    tasks_done_on_time: int = 0
    visits: int = 0
    visits_with_valid_check_in: int = 0
    hazards_found: int = 0
    ordinary_closed_in_grid: int = 0
    complaints: int = 0
    complaints_signed_on_time: int = 0
    complaints_replied_on_time: int = 0


def assessment(
    session: Session, principal: Principal, area_code: str, period: str
) -> tuple[list[WorkerMonth], list[AreaMonth]]:
    """Per worker for a month (Beijing time), then rolled up per grid, village and township
    under `area_code`. What counts: tasks due in the month and done by their due time; visits
    and those whose check-in proves presence; hazards the worker reported; ordinary hazards of
    their grids closed at grid level (一般隐患不出网格) in the month; the track's length; the
    complaints received in the month that they hold, and those signed and answered on time."""
    require(principal, FOLLOWERS)
    area = area_in_scope(session, principal, area_code)
    year, month = parse_period(period)
    start, end = month_start(year, month), month_start(year, month, 1)
    assigned = session.execute(
        select(User.id, User.username, User.display_name, Area.code, Area.path)
        .join(GridAssignment, GridAssignment.user_id == User.id)
        .join(Area, Area.id == GridAssignment.area_id)
        .where(
            Area.path.startswith(area.path, autoescape=True), User.role == Role.GRID_WORKER.value
        )
        .order_by(User.username, Area.code)
    ).all()
    workers: dict[uuid.UUID, WorkerMonth] = {}
    paths: dict[uuid.UUID, list[str]] = defaultdict(list)
    for user_id, username, name, code, path in assigned:
        worker = workers.setdefault(user_id, WorkerMonth(user_id, username, name or "", []))
        worker.grids.append(code)
        paths[user_id].append(path)
    ids = list(workers)
    if ids:
        on_time = and_(PatrolTask.done_at.is_not(None), PatrolTask.done_at <= PatrolTask.due_at)
        for assignee, done_on_time, count in session.execute(
            select(PatrolTask.assignee_id, on_time, func.count())
            .where(
                PatrolTask.assignee_id.in_(ids),
                PatrolTask.due_at > start,
                PatrolTask.due_at <= end,
                PatrolTask.state != TaskState.CANCELLED.value,
            )
            .group_by(PatrolTask.assignee_id, on_time)
        ).all():
            workers[assignee].tasks_due += count
            workers[assignee].tasks_done_on_time += count if done_on_time else 0
        visits = session.execute(
            select(Visit.user_id, Visit.check_in_valid, Visit.premises_id).where(
                Visit.user_id.in_(ids), Visit.checked_in_at >= start, Visit.checked_in_at < end
            )
        ).all()
        seen: dict[uuid.UUID, set] = defaultdict(set)
        for user_id, valid, premises_id in visits:
            workers[user_id].visits += 1
            workers[user_id].visits_with_valid_check_in += bool(valid)
            if premises_id and valid:
                seen[user_id].add(premises_id)
        for user_id, premises in seen.items():
            workers[user_id].premises_visited = len(premises)
        for reporter, count in session.execute(
            select(Hazard.reporter_id, func.count())
            .where(
                Hazard.reporter_id.in_(ids),
                Hazard.reported_at >= start,
                Hazard.reported_at < end,
                Hazard.source == HazardSource.PATROL.value,
            )
            .group_by(Hazard.reporter_id)
        ).all():
            workers[reporter].hazards_found = count
        closed = session.execute(
            select(Hazard.area_path).where(
                Hazard.is_open.is_(False),
                Hazard.severity == Severity.ORDINARY.value,
                Hazard.level == 0,
                Hazard.duplicate_of_id.is_(None),
                Hazard.state.in_(("rectified_on_spot", "verified_closed")),
                Hazard.updated_at >= start,
                Hazard.updated_at < end,
                Hazard.area_path.startswith(area.path, autoescape=True),
            )
        ).scalars()
        closed_paths = Counter(closed)
        for user_id, grid_paths in paths.items():
            workers[user_id].ordinary_closed_in_grid = sum(
                n for p, n in closed_paths.items() if any(p.startswith(g) for g in grid_paths)
            )
        _track_lengths(session, workers, start, end)
        for user_id, counted in complaints.on_time_counts(session, ids, start, end).items():
            worker = workers[user_id]
            worker.complaints, worker.complaints_signed_on_time = (
                counted.held,
                counted.signed_on_time,
            )
            worker.complaints_replied_on_time = counted.replied_on_time
    return list(workers.values()), _rollups(session, area, workers, paths)


def _track_lengths(
    session: Session, workers: dict[uuid.UUID, WorkerMonth], start: datetime, end: datetime
) -> None:
    points = session.execute(
        select(TrackPoint.user_id, TrackPoint.lng, TrackPoint.lat)
        .where(
            TrackPoint.user_id.in_(list(workers)),
            TrackPoint.recorded_at >= start,
            TrackPoint.recorded_at < end,
        )
        .order_by(TrackPoint.user_id, TrackPoint.recorded_at)
    ).all()
    previous: tuple[uuid.UUID, float, float] | None = None
    for user_id, lng, lat in points:
        if previous and previous[0] == user_id:
            step = float(ground_distance_m(previous[1], previous[2], lng, lat))
            if not math.isnan(step):
                workers[user_id].distance_km += step / 1000
        previous = (user_id, lng, lat)
    for worker in workers.values():
        worker.distance_km = round(worker.distance_km, 2)


def _rollups(
    session: Session,
    area: Area,
    workers: dict[uuid.UUID, WorkerMonth],
    paths: dict[uuid.UUID, list[str]],
) -> list[AreaMonth]:
    """Each worker counts once in every area above any of their grids."""
    areas = list(
        session.scalars(
            select(Area)
            .where(
                Area.path.startswith(area.path, autoescape=True),
                Area.level.in_(
                    [AreaLevel.TOWNSHIP.value, AreaLevel.VILLAGE.value, AreaLevel.GRID.value]
                ),
            )
            .order_by(Area.path)
        )
    )
    out = []
    for a in areas:
        month = AreaMonth(a.code, a.name, a.level)
        for user_id, worker in workers.items():
            if any(p.startswith(a.path) for p in paths[user_id]):
                month.workers += 1
                month.tasks_due += worker.tasks_due
                month.tasks_done_on_time += worker.tasks_done_on_time
                month.visits += worker.visits
                month.visits_with_valid_check_in += worker.visits_with_valid_check_in
                month.hazards_found += worker.hazards_found
                month.ordinary_closed_in_grid += worker.ordinary_closed_in_grid
                month.complaints += worker.complaints
                month.complaints_signed_on_time += worker.complaints_signed_on_time
                month.complaints_replied_on_time += worker.complaints_replied_on_time
        out.append(month)
    return out


def visited_with_valid_check_in(
    session: Session, task_ids: list[uuid.UUID]
) -> dict[uuid.UUID, bool]:
    """Whether each task (already shown to the caller) was visited with a valid check-in."""
    rows = session.execute(
        select(Visit.task_id).where(Visit.task_id.in_(task_ids), Visit.check_in_valid.is_(True))
    ).scalars()
    visited = set(rows)
    return {task_id: task_id in visited for task_id in task_ids}
