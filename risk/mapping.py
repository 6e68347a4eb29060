"""The risk map's layer: scored premises as GeoJSON points, highest score first, for the
console's map (beside `grids.mapdata`'s premises and `hazards.mapping`'s hazards; the
grids' own scores are `GET /api/v1/risk/grids`, joined to the areas layer by code)."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.identity.permissions import Permission, demand
from backend.identity.service import Principal
from grids import mapdata
from grids.crs import from_wgs84_array
from grids.enums import Crs
from grids.models import Area
from grids.premises.models import Premises
from grids.scope import scope_of
from risk.models import RiskScore
from risk.scoring import level_zh


def scores_page(
    session: Session,
    principal: Principal,
    *,
    bbox: mapdata.BBox | None,
    level: str | None,
    crs: Crs,
    limit: int,
    offset: int,
) -> mapdata.Page:
    """Scored premises in the caller's scope inside the box (WGS-84), of `level` if given, as
    points with `name`, `score`, `level`, `level_zh`, `key_unit` and `area_code`: the highest
    scores first, so the first page of a crowded view holds the reddest units."""
    demand(principal.role, Permission.READ_RISK, "read risk scores")
    query = (
        select(
            RiskScore.premises_id,
            RiskScore.score,
            RiskScore.level,
            Premises.name,
            Premises.key_unit,
            Premises.lng,
            Premises.lat,
            Area.code,
        )
        .join(Premises, Premises.id == RiskScore.premises_id)
        .outerjoin(Area, Area.id == RiskScore.area_id)
        .where(
            scope_of(session, principal).area_clause_on(RiskScore.area_path),
            Premises.archived.is_(False),
        )
        .order_by(RiskScore.score.desc(), RiskScore.premises_id)
    )
    if bbox is not None:
        min_x, min_y, max_x, max_y = bbox
        query = query.where(Premises.lng.between(min_x, max_x), Premises.lat.between(min_y, max_y))
    if level:
        query = query.where(RiskScore.level == level)
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
            "id": str(r.premises_id),
            "properties": {
                "name": r.name,
                "score": r.score,
                "level": r.level,
                "level_zh": level_zh(r.level),
                "key_unit": r.key_unit,
                "area_code": r.code,
            },
            "geometry": {"type": "Point", "coordinates": point},
        }
        for r, point in zip(rows, points, strict=True)
    ]
    return mapdata.Page(features, offset + limit if more else None)
