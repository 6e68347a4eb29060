"""The console's map where it meets hazards: areas coloured by their open and overdue hazards
(counted in the database, in the query that reads the areas), each grid's team, and open
hazards as points. Boundaries, premises and their aggregation are `grids.mapdata`'s."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from backend.core.db import utcnow
from backend.core.localtime import LOCAL_TIME
from backend.core.privacy import mask_phone
from backend.identity.models import User
from backend.identity.service import Principal
from grids import mapdata
from grids.crs import from_wgs84_array
from grids.enums import AreaLevel, AssignmentRole, Crs, DutyStatus
from grids.models import Area, GridAssignment, WorkerDuty
from grids.scope import scope_of
from hazards.models import Hazard
from hazards.reading import visible

TEAM_CHUNK = 5000  # grid ids per IN list (SQLite's limit on bound parameters is 32,766)


def areas_page(
    session: Session,
    principal: Principal,
    *,
    bbox: mapdata.BBox | None,
    level: AreaLevel | None,
    zoom: int,
    crs: Crs,
    limit: int,
    offset: int,
    team: bool = True,
) -> mapdata.Page:
    """Areas in scope meeting the box, each with `open_hazards` and `overdue_hazards` (open
    ones past their level's deadline) under it, and for grids, when `team`, who works there:
    the primary worker and the backups with display names, masked phones and whether they are
    on duty today, and `on_duty`, the first of them who is (primary before backups)."""
    scope = scope_of(session, principal)
    now = utcnow()
    # Open hazards per area path (a grid's, or a township's for those outside every grid),
    # computed once for the statement: grids join it on their own path, larger areas sum the
    # paths under theirs.
    per_path = (
        select(
            Hazard.area_path.label("area_path"),
            func.count().label("open"),
            func.count().filter(Hazard.level_due_at <= now).label("overdue"),
        )
        .where(Hazard.is_open.is_(True), scope.area_clause_on(Hazard.area_path))
        .group_by(Hazard.area_path)
        .cte("open_per_path")
    )
    own = per_path.alias("own_hazards")
    under = per_path.alias("hazards_under")
    is_grid = Area.level == AreaLevel.GRID.value
    below = func.substr(under.c.area_path, 1, func.length(Area.path)) == Area.path

    def summed(column: str):
        return select(func.coalesce(func.sum(under.c[column]), 0)).where(below).scalar_subquery()

    query = (
        mapdata.areas_query(session, scope, bbox=bbox, level=level)
        .add_columns(
            case((is_grid, func.coalesce(own.c.open, 0)), else_=summed("open")).label(
                "open_hazards"
            ),
            case((is_grid, func.coalesce(own.c.overdue, 0)), else_=summed("overdue")).label(
                "overdue_hazards"
            ),
        )
        .outerjoin(own, and_(is_grid, own.c.area_path == Area.path))
    )
    rows = session.execute(query.limit(limit + 1).offset(offset)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    teams = (
        teams_of(session, [r.id for r in rows if r.level == AreaLevel.GRID.value]) if team else {}
    )
    properties = []
    for row in rows:
        extra: dict[str, Any] = {
            "open_hazards": int(row.open_hazards or 0),
            "overdue_hazards": int(row.overdue_hazards or 0),
        }
        if team and row.level == AreaLevel.GRID.value:
            extra.update(teams.get(row.id) or {"worker": None, "backups": [], "on_duty": None})
        properties.append(extra)
    features = mapdata.area_features(rows, properties, zoom=zoom, crs=crs)
    return mapdata.Page(features, offset + limit if more else None)


def teams_of(session: Session, grid_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """Each grid's primary worker and backups (display name, masked phone, on duty today),
    in one query per TEAM_CHUNK grids, not one per grid."""
    today = utcnow().astimezone(LOCAL_TIME).date()
    people: dict[uuid.UUID, dict[str, Any]] = defaultdict(lambda: {"worker": None, "backups": []})
    for start in range(0, len(grid_ids), TEAM_CHUNK):
        chunk = grid_ids[start : start + TEAM_CHUNK]
        rows = session.execute(
            select(
                GridAssignment.area_id,
                GridAssignment.role,
                User.id,
                User.display_name,
                User.phone,
                WorkerDuty.status,
                WorkerDuty.leave_from,
                WorkerDuty.leave_until,
            )
            .join(User, User.id == GridAssignment.user_id)
            .outerjoin(WorkerDuty, WorkerDuty.user_id == User.id)
            .where(GridAssignment.area_id.in_(chunk), User.is_active.is_(True))
            .order_by(GridAssignment.area_id, GridAssignment.created_at, User.id)
        ).all()
        for area_id, role, user_id, name, phone, status, leave_from, leave_until in rows:
            person = {
                "id": str(user_id),
                "name": name,
                "phone": mask_phone(phone),
                "on_duty": _available(status, leave_from, leave_until, today),
            }
            team = people[area_id]
            if role == AssignmentRole.PRIMARY.value and team["worker"] is None:
                team["worker"] = person
            else:
                team["backups"].append(person)
    for team in people.values():
        candidates = [team["worker"], *team["backups"]]
        team["on_duty"] = next((p for p in candidates if p and p["on_duty"]), None)
    return dict(people)


def _available(
    status: str | None, leave_from: date | None, leave_until: date | None, day: date
) -> bool:
    if (status or DutyStatus.ON_DUTY.value) != DutyStatus.ON_DUTY.value:
        return False
    return not (leave_from and leave_until and leave_from <= day <= leave_until)


def hazards_page(
    session: Session,
    principal: Principal,
    *,
    bbox: mapdata.BBox | None,
    severity: str | None,
    overdue: bool | None,
    crs: Crs,
    limit: int,
    offset: int,
) -> mapdata.Page:
    """Open hazards the caller may see (as `GET /api/v1/hazards` decides: in scope, or their
    own reports) inside the box, as points with state, severity, category, level, due time and
    whether they are overdue."""
    now = utcnow()
    late = Hazard.level_due_at.is_not(None) & (Hazard.level_due_at <= now)
    query = (
        select(
            Hazard.id,
            Hazard.state,
            Hazard.severity,
            Hazard.category,
            Hazard.level,
            Hazard.level_due_at,
            Hazard.lng,
            Hazard.lat,
            Hazard.premises_id,
            Area.code,
        )
        .outerjoin(Area, Area.id == Hazard.area_id)
        .where(Hazard.is_open.is_(True), visible(session, principal))
        .order_by(Hazard.id)
    )
    if bbox is not None:
        min_x, min_y, max_x, max_y = bbox
        query = query.where(Hazard.lng.between(min_x, max_x), Hazard.lat.between(min_y, max_y))
    if severity:
        query = query.where(Hazard.severity == severity)
    if overdue is not None:
        query = query.where(late if overdue else ~late)
    rows = session.execute(query.limit(limit + 1).offset(offset)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    points = (
        np.round(from_wgs84_array([(r.lng, r.lat) for r in rows], crs), mapdata.DECIMALS).tolist()
        if rows
        else []
    )
    features = [
        {
            "type": "Feature",
            "id": str(r.id),
            "properties": {
                "state": r.state,
                "severity": r.severity,
                "category": r.category,
                "level": r.level,
                "due_at": r.level_due_at.isoformat() if r.level_due_at else None,
                "overdue": bool(r.level_due_at is not None and r.level_due_at <= now),
                "premises_id": str(r.premises_id) if r.premises_id else None,
                "area_code": r.code,
            },
            "geometry": {"type": "Point", "coordinates": point},
        }
        for r, point in zip(rows, points, strict=True)
    ]
    return mapdata.Page(features, offset + limit if more else None)
