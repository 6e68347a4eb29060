"""The month's assessment 考核: each grid worker's tasks, visits, hazards, track and
complaints, rolled up per grid, village and township. Hazards and complaints count their own
(hazards.metrics, complaints.reading's on_time_counts); this module says whose they are. No web
imports."""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from backend.identity.enums import Role
from backend.identity.models import User
from backend.identity.permissions import Permission, demand
from backend.identity.service import Principal
from complaints import reading as complaints
from grids.enums import AreaLevel
from grids.models import Area, GridAssignment
from grids.routing import ground_distance_m
from grids.scope import area_in_scope
from hazards import metrics as hazard_metrics
from patrols.enums import TaskState
from patrols.models import PatrolTask, TrackPoint, Visit
from patrols.plans import month_start, parse_period


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


def assess_month(
    session: Session, principal: Principal, area_code: str, period: str
) -> tuple[list[WorkerMonth], list[AreaMonth]]:
    """Per worker for a month (Beijing time), then rolled up per grid, village and township
    under `area_code`. What counts: tasks due in the month and done by their due time; visits
    and those whose check-in proves presence; hazards the worker reported; ordinary hazards of
    their grids closed at grid level (一般隐患不出网格) in the month; the track's length; the
    complaints received in the month that they hold, and those signed and answered on time."""
    demand(principal.role, Permission.FOLLOW_PATROLS, "do this")
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
        for reporter, count in hazard_metrics.reported_on_patrol(session, ids, start, end).items():
            workers[reporter].hazards_found = count
        closed_paths = hazard_metrics.closed_in_grid(session, area.path, start, end)
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
