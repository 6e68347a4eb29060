"""Map layers: GeoJSON FeatureCollections of areas and premises for a bounding box, within the
caller's scope, simplified for the zoom level and paged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from sqlalchemy import LargeBinary, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from backend.core import dialect
from backend.identity.service import Principal
from grids.crs import from_wgs84
from grids.enums import AreaLevel, Crs
from grids.models import Area
from grids.premises.models import Premises
from grids.scope import scope_of

BBox = tuple[float, float, float, float]


def tolerance_for_zoom(zoom: int) -> float:
    """Half a screen pixel in degrees at this web-map zoom: finer detail cannot be seen."""
    return 360.0 / (256 * 2**zoom) / 2


@dataclass(frozen=True)
class Page:
    features: list[dict[str, Any]]
    next_offset: int | None

    def as_feature_collection(self) -> dict[str, Any]:
        return {
            "type": "FeatureCollection",
            "features": self.features,
            "next_offset": self.next_offset,
        }


def _to_crs(geometries: np.ndarray, crs: Crs) -> np.ndarray:
    if crs is Crs.WGS84:
        return geometries
    return shapely.transform(
        geometries, lambda xy: np.array([from_wgs84(x, y, crs) for x, y in xy]).reshape(-1, 2)
    )


def areas_page(
    session: Session,
    principal: Principal,
    *,
    bbox: BBox | None,
    level: AreaLevel | None,
    zoom: int,
    crs: Crs,
    limit: int,
    offset: int,
) -> Page:
    scope = scope_of(session, principal)
    parent = aliased(Area)
    query = (
        select(
            Area.code,
            Area.name,
            Area.level,
            parent.code,
            type_coerce(func.ST_AsBinary(Area.geom), LargeBinary),
        )
        .outerjoin(parent, parent.id == Area.parent_id)
        .where(scope.area_clause())
        .order_by(Area.code)
        .limit(limit + 1)
        .offset(offset)
    )
    if level is not None:
        query = query.where(Area.level == level.value)
    if bbox is not None:
        query = query.where(
            dialect.bbox_intersects(session.get_bind().dialect.name, Area.geom, bbox)
        )
    rows = session.execute(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    geometries = (
        shapely.from_wkb([bytes(r[4]) for r in rows]) if rows else np.empty(0, dtype=object)
    )
    geometries = _to_crs(
        shapely.simplify(geometries, tolerance_for_zoom(zoom), preserve_topology=True), crs
    )
    features = [
        {
            "type": "Feature",
            "id": code,
            "properties": {
                "code": code,
                "name": name,
                "level": area_level,
                "parent_code": parent_code,
            },
            "geometry": shapely.geometry.mapping(geometry),
        }
        for (code, name, area_level, parent_code, _), geometry in zip(rows, geometries, strict=True)
    ]
    return Page(features, offset + limit if more else None)


def premises_page(
    session: Session,
    principal: Principal,
    *,
    bbox: BBox | None,
    premises_type: str | None,
    crs: Crs,
    limit: int,
    offset: int,
) -> Page:
    scope = scope_of(session, principal)
    query = (
        select(
            Premises.id,
            Premises.name,
            Premises.premises_type,
            Premises.risk_level,
            Premises.key_unit,
            Premises.lng,
            Premises.lat,
            Area.code,
        )
        .outerjoin(Area, Area.id == Premises.area_id)
        .where(Premises.archived.is_(False), scope.area_clause_on(Premises.area_path))
        .order_by(Premises.id)
        .limit(limit + 1)
        .offset(offset)
    )
    if bbox is not None:
        min_x, min_y, max_x, max_y = bbox
        query = query.where(Premises.lng.between(min_x, max_x), Premises.lat.between(min_y, max_y))
    if premises_type:
        query = query.where(Premises.premises_type == premises_type)
    rows = session.execute(query).all()
    more = len(rows) > limit
    features = []
    for premises_id, name, kind, risk, key_unit, lng, lat, area_code in rows[:limit]:
        x, y = from_wgs84(lng, lat, crs)
        features.append(
            {
                "type": "Feature",
                "id": str(premises_id),
                "properties": {
                    "name": name,
                    "premises_type": kind,
                    "risk_level": risk,
                    "key_unit": key_unit,
                    "area_code": area_code,
                },
                "geometry": {"type": "Point", "coordinates": [x, y]},
            }
        )
    return Page(features, offset + limit if more else None)
