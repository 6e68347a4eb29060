"""The console's map where it meets hazards: areas coloured by their open and overdue hazards
(counted in the database, in the query that reads the areas), each grid's team, and open
hazards as points. Boundaries, premises and their aggregation are `grids.mapdata`'s."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

import numpy as np
from sqlalchemy import Select, func, select, union_all
from sqlalchemy.orm import Session, aliased

from backend.core.db import utcnow
from backend.core.localtime import LOCAL_TIME
from backend.core.privacy import mask_phone
from backend.identity.models import User
from backend.identity.service import Principal
from grids import mapdata, workforce
from grids.crs import from_wgs84_array
from grids.enums import AreaLevel, AssignmentRole, Crs, DutyStatus
from grids.models import Area, GridAssignment, WorkerDuty
from grids.scope import Scope, scope_of
from hazards.models import Hazard
from hazards.reading import visible

# Grids carry their team from this zoom on unless asked otherwise: a township on a screen. At
# county zoom the console shows 10,000 grids' colours, and their 12,000 workers' names and
# phones would be most of the answer (and a bulk export of them) for a map nobody reads at
# that scale; a click on a grid asks for it (`team=true` with the grid's bbox).
TEAM_FROM_ZOOM = 12


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
    counts = open_counts(scope).subquery("open_counts")
    base = mapdata.areas_query(session, scope, bbox=bbox, level=level)
    query = base.add_columns(
        func.coalesce(counts.c.open, 0).label("open_hazards"),
        func.coalesce(counts.c.overdue, 0).label("overdue_hazards"),
    ).outerjoin(counts, counts.c.area_id == Area.id)
    rows = session.execute(query.limit(limit + 1).offset(offset)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    # The page's grids, as a subquery of the same query (no list of ids to bind).
    page_ids = base.with_only_columns(Area.id).limit(limit).offset(offset).subquery("page")
    teams = teams_of(session, select(page_ids.c.id)) if team and rows else {}
    properties = []
    grid = AreaLevel.GRID.value
    for row in rows:
        extra: dict[str, Any] = {
            "open_hazards": int(row.open_hazards or 0),
            "overdue_hazards": int(row.overdue_hazards or 0),
        }
        if team and row.level == grid:
            extra.update(teams.get(row.id) or {"worker": None, "backups": [], "on_duty": None})
        properties.append(extra)
    features = mapdata.area_features(session, rows, properties, zoom=zoom, crs=crs)
    return mapdata.Page(features, offset + limit if more else None)


def open_counts(scope: Scope) -> Select:
    """(area_id, open, overdue) for every area in scope holding open hazards or above one,
    in one grouped statement of equality joins: open hazards are counted per area path (a
    grid's, or a township's for those outside every grid), each such count is credited to the
    area holding it and to its parent, grandparent and great-grandparent (the tree has four
    levels), and the credits are summed per area."""
    now = utcnow()
    per_path = (
        select(
            Hazard.area_path.label("area_path"),
            func.count().label("open"),
            func.count().filter(Hazard.level_due_at <= now).label("overdue"),
        )
        .where(Hazard.is_open.is_(True), scope.area_clause_on(Hazard.area_path))
        .group_by(Hazard.area_path)
        .subquery("open_per_path")
    )
    holder, up1, up2 = aliased(Area), aliased(Area), aliased(Area)
    chain = (
        select(
            holder.id.label("a0"),
            holder.parent_id.label("a1"),
            up1.parent_id.label("a2"),
            up2.parent_id.label("a3"),
            per_path.c.open,
            per_path.c.overdue,
        )
        .join(holder, holder.path == per_path.c.area_path)
        .outerjoin(up1, up1.id == holder.parent_id)
        .outerjoin(up2, up2.id == up1.parent_id)
        .cte("open_chain")
        # Read four times below: computed once (SQLite would otherwise inline it four times).
        .prefix_with("MATERIALIZED")
    )
    credits = union_all(
        *(
            select(chain.c[column].label("area_id"), chain.c.open, chain.c.overdue).where(
                chain.c[column].is_not(None)
            )
            for column in ("a0", "a1", "a2", "a3")
        )
    ).subquery("credits")
    return select(
        credits.c.area_id,
        func.sum(credits.c.open).label("open"),
        func.sum(credits.c.overdue).label("overdue"),
    ).group_by(credits.c.area_id)


def teams_of(session: Session, grid_ids: Select) -> dict[uuid.UUID, dict[str, Any]]:
    """Each grid's primary worker and backups (display name, masked phone, on duty today), in
    one query for the grids `grid_ids` selects, not one per grid."""
    today = utcnow().astimezone(LOCAL_TIME).date()
    people: dict[uuid.UUID, dict[str, Any]] = defaultdict(lambda: {"worker": None, "backups": []})
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
        .where(GridAssignment.area_id.in_(grid_ids), User.is_active.is_(True))
        .order_by(GridAssignment.area_id, GridAssignment.created_at, User.id)
    ).all()
    primary = AssignmentRole.PRIMARY.value
    for area_id, role, user_id, name, phone, status, leave_from, leave_until in rows:
        duty = workforce.Duty(DutyStatus(status or DutyStatus.ON_DUTY), leave_from, leave_until)
        available = duty.available_on(today)
        person = {
            "id": str(user_id),
            "name": name,
            "phone": mask_phone(phone),
            "on_duty": available,
        }
        team = people[area_id]
        if role == primary and team["worker"] is None:
            team["worker"] = person
        else:
            team["backups"].append(person)
    for team in people.values():
        candidates = [team["worker"], *team["backups"]]
        team["on_duty"] = next((p for p in candidates if p and p["on_duty"]), None)
    return dict(people)


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
