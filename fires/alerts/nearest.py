"""Who is nearest a fire: the on-duty grid workers by their last position (a KNN search of
the spatial index), falling back to their grid's representative point for those with no
fresh position (decision 0055). Nearest on the ground (haversine), within a radius.

PostgreSQL: the GiST index answers `ORDER BY location <-> point LIMIT k` (planar degrees),
then the first k are measured on the ground and the nearest n kept; k leaves a margin for
the difference between a degree of longitude and one of latitude. SQLite: SpatiaLite's R*Tree
(`idx_worker_positions_location`) by a bounding box widening until n are found inside the
circle the box holds."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from geoalchemy2.shape import to_shape
from sqlalchemy import (
    and_,
    bindparam,
    column,
    exists,
    func,
    literal_column,
    not_,
    or_,
    select,
    table,
)
from sqlalchemy.orm import Session

from backend.core import dialect
from backend.identity.enums import Role
from backend.identity.models import User
from fires.alerts.models import WorkerPosition
from grids.enums import AreaLevel, DutyStatus
from grids.models import Area, GridAssignment, WorkerDuty
from grids.routing import ground_distance_m

KNN_MARGIN = 8  # candidates beyond n that the index's planar order hands over to be measured
FIRST_BOX_M = 1_000.0  # SQLite: the first box's half-width; tripled until n are found


@dataclass(frozen=True)
class Candidate:
    user_id: uuid.UUID
    name: str
    distance_m: float
    source: str  # "position" (their last position) | "grid" (their grid's point)


def box(lng: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    dlat = radius_m / 111_320.0
    dlng = radius_m / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
    return (lng - dlng, lat - dlat, lng + dlng, lat + dlat)


def _available(day: date):
    """On duty (no duty row means on duty) and not on leave on `day`."""
    on_leave = and_(
        WorkerDuty.leave_from.is_not(None),
        WorkerDuty.leave_from <= day,
        WorkerDuty.leave_until >= day,
    )
    return and_(
        or_(WorkerDuty.status.is_(None), WorkerDuty.status == DutyStatus.ON_DUTY.value),
        not_(func.coalesce(on_leave, False)),
    )


def _workers_with_positions(since: datetime, day: date, exclude: list[uuid.UUID]):
    statement = (
        select(WorkerPosition.user_id, User.display_name, WorkerPosition.lng, WorkerPosition.lat)
        .join(User, User.id == WorkerPosition.user_id)
        .outerjoin(WorkerDuty, WorkerDuty.user_id == WorkerPosition.user_id)
        .where(
            User.role == Role.GRID_WORKER.value,
            User.is_active.is_(True),
            WorkerPosition.reported_at >= since,
            _available(day),
        )
    )
    if exclude:
        statement = statement.where(WorkerPosition.user_id.not_in(exclude))
    return statement


def positioned(
    session: Session,
    lng: float,
    lat: float,
    n: int,
    radius_m: float,
    since: datetime,
    day: date,
    exclude: list[uuid.UUID],
) -> list[Candidate]:
    """The n nearest available workers with a fresh position, within the radius."""
    statement = _workers_with_positions(since, day, exclude)
    if session.get_bind().dialect.name == "postgresql":
        point = func.ST_SetSRID(func.ST_MakePoint(bindparam("lng"), bindparam("lat")), 4326)
        rows = session.execute(
            statement.order_by(WorkerPosition.location.op("<->")(point)).limit(n + KNN_MARGIN),
            {"lng": lng, "lat": lat},
        ).all()
        return _measured(rows, lng, lat, n, radius_m)
    index = table(
        "idx_worker_positions_location",
        *(column(c) for c in ("pkid", "xmin", "xmax", "ymin", "ymax")),
    )
    reach = min(FIRST_BOX_M, radius_m)
    while True:
        min_x, min_y, max_x, max_y = box(lng, lat, reach)
        inside = select(index.c.pkid).where(
            index.c.xmin <= max_x,
            index.c.xmax >= min_x,
            index.c.ymin <= max_y,
            index.c.ymax >= min_y,
        )
        rows = session.execute(
            statement.where(literal_column("worker_positions.rowid").in_(inside))
        ).all()
        found = _measured(rows, lng, lat, n, reach)
        if len(found) >= n or reach >= radius_m:
            return found
        reach = min(reach * 3, radius_m)


def _measured(rows, lng: float, lat: float, n: int, radius_m: float) -> list[Candidate]:
    measured = sorted(
        (float(ground_distance_m(lng, lat, r.lng, r.lat)), str(r.user_id), r) for r in rows
    )
    return [
        Candidate(r.user_id, r.display_name, round(d, 1), "position")
        for d, _, r in measured
        if d <= radius_m
    ][:n]


def by_grid(
    session: Session,
    lng: float,
    lat: float,
    radius_m: float,
    since: datetime,
    day: date,
    exclude: list[uuid.UUID],
) -> list[Candidate]:
    """Available workers with no fresh position, placed at their grids' representative
    points, for the grids whose bounding box meets the radius's."""
    has_position = exists().where(
        WorkerPosition.user_id == User.id, WorkerPosition.reported_at >= since
    )
    statement = (
        select(User.id, User.display_name, Area.id.label("grid_id"))
        .join(GridAssignment, GridAssignment.user_id == User.id)
        .join(Area, Area.id == GridAssignment.area_id)
        .outerjoin(WorkerDuty, WorkerDuty.user_id == User.id)
        .where(
            User.role == Role.GRID_WORKER.value,
            User.is_active.is_(True),
            Area.level == AreaLevel.GRID.value,
            dialect.bbox_intersects(
                session.get_bind().dialect.name, Area.geom, box(lng, lat, radius_m)
            ),
            _available(day),
            not_(has_position),
        )
    )
    if exclude:
        statement = statement.where(User.id.not_in(exclude))
    rows = session.execute(statement).all()
    if not rows:
        return []
    points = {
        grid_id: to_shape(geom).representative_point()
        for grid_id, geom in session.execute(
            select(Area.id, Area.geom).where(Area.id.in_({r.grid_id for r in rows}))
        )
    }
    best: dict[uuid.UUID, tuple[float, str]] = {}
    for r in rows:
        p = points[r.grid_id]
        d = float(ground_distance_m(lng, lat, p.x, p.y))
        if d <= radius_m and (r.id not in best or d < best[r.id][0]):
            best[r.id] = (d, r.display_name)
    return [Candidate(user_id, name, round(d, 1), "grid") for user_id, (d, name) in best.items()]


def nearest_workers(
    session: Session,
    lng: float,
    lat: float,
    n: int,
    radius_m: float,
    max_age_minutes: int,
    now: datetime,
    day: date,
    exclude: list[uuid.UUID],
) -> list[Candidate]:
    """The n nearest available grid workers, nearest first (ties by id)."""
    since = now - timedelta(minutes=max_age_minutes)
    found = positioned(session, lng, lat, n, radius_m, since, day, exclude)
    found += by_grid(session, lng, lat, radius_m, since, day, exclude)
    return sorted(found, key=lambda c: (c.distance_m, str(c.user_id)))[:n]
