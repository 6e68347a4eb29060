"""Map layers: GeoJSON FeatureCollections of areas and premises for a bounding box, within the
caller's scope, simplified for the zoom level and paged; at low zoom premises come as counts
per cell of the screen, not as points (docs/decisions/0031-map-layers.md).

The areas' hazard counts and grid teams are added by `hazards.mapping`, which builds on the
query and the features made here.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson
import shapely
from sqlalchemy import Integer, LargeBinary, Select, cast, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from backend.core import dialect
from backend.identity.service import Principal
from grids.crs import from_wgs84_array
from grids.enums import AreaLevel, Crs
from grids.models import Area
from grids.premises.enums import RiskLevel
from grids.premises.models import Premises
from grids.routing import area_revision
from grids.scope import Scope, scope_of

BBox = tuple[float, float, float, float]

# Premises come as points from this zoom on (a street: a few hundred on a screen); below it,
# as counts per cell of CELL_PIXELS screen pixels (a county has 100,000 premises).
POINTS_FROM_ZOOM = 15
CELL_PIXELS = 64
# Coordinates are sent to 7 decimals (about 1 cm): more is noise, and costs bytes.
DECIMALS = 7


def tolerance_for_zoom(zoom: int) -> float:
    """Half a screen pixel in degrees at this web-map zoom: finer detail cannot be seen."""
    return 360.0 / (256 * 2**zoom) / 2


def cell_size_for_zoom(zoom: int) -> float:
    """The side of an aggregation cell in degrees: CELL_PIXELS screen pixels at this zoom."""
    return 360.0 / (256 * 2**zoom) * CELL_PIXELS


@dataclass(frozen=True)
class Page:
    features: list[dict[str, Any]]
    next_offset: int | None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_feature_collection(self) -> dict[str, Any]:
        return {
            "type": "FeatureCollection",
            "features": self.features,
            "next_offset": self.next_offset,
            **self.extra,
        }

    def as_json(self) -> bytes:
        """The collection as JSON bytes, geometries included as they were written (orjson
        fragments): a county's 10,000 grids are encoded in milliseconds, not a second."""
        return orjson.dumps(self.as_feature_collection())


def to_crs(geometries: np.ndarray, crs: Crs) -> np.ndarray:
    """Geometries from WGS-84 into the map's `crs`, every vertex at once, rounded."""
    return shapely.transform(geometries, lambda xy: np.round(from_wgs84_array(xy, crs), DECIMALS))


def point_in(lng: float, lat: float, crs: Crs) -> list[float]:
    (x, y) = from_wgs84_array([[lng, lat]], crs)[0]
    return [round(float(x), DECIMALS), round(float(y), DECIMALS)]


def simplified(geometries: np.ndarray, zoom: int) -> np.ndarray:
    """Boundaries simplified to half a pixel at `zoom`: Douglas-Peucker (ten times faster than
    the topology-preserving simplifier on a county's grids), and the topology-preserving one
    for those it spoils (a grid smaller than a pixel would vanish or turn invalid)."""
    tolerance = tolerance_for_zoom(zoom)
    quick = shapely.simplify(geometries, tolerance, preserve_topology=False)
    spoilt = shapely.is_empty(quick) | ~shapely.is_valid(quick)
    if spoilt.any():
        quick[spoilt] = shapely.simplify(geometries[spoilt], tolerance, preserve_topology=True)
    return quick


# --- Areas ---------------------------------------------------------------------------------------


def areas_query(
    session: Session, scope: Scope, *, bbox: BBox | None, level: AreaLevel | None
) -> Select:
    """Areas in scope meeting the box, by code: id, code, name, level, parent's code, path and
    (not the boundary: `area_features` takes it from its cache, or reads what it lacks).
    Callers add columns (hazard counts) and the page's limit."""
    parent = aliased(Area)
    query = (
        select(
            Area.id,
            Area.code,
            Area.name,
            Area.level,
            parent.code.label("parent_code"),
            Area.path,
        )
        .outerjoin(parent, parent.id == Area.parent_id)
        .where(scope.area_clause())
        .order_by(Area.code)
    )
    if level is not None:
        query = query.where(Area.level == level.value)
    if bbox is not None:
        query = query.where(
            dialect.bbox_intersects(session.get_bind().dialect.name, Area.geom, bbox)
        )
    return query


class BoundaryCache:
    """Boundaries as GeoJSON text, simplified for a zoom and written in a CRS, per area id,
    for this process. Areas change rarely and every change moves the area revision on
    (`grids.service.bump_area_revision`): the cache is dropped when the revision it was
    filled at is no longer the database's. It keeps the last MAX_VIEWS (zoom, crs) pairs
    asked for; a county's 10,000 grids take a few MB a pair."""

    MAX_VIEWS = 8

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._revision: int | None = None
        self._views: OrderedDict[tuple[int, Crs], dict[uuid.UUID, str]] = OrderedDict()

    def view(self, revision: int, zoom: int, crs: Crs) -> dict[uuid.UUID, str]:
        with self._lock:
            if revision != self._revision:
                self._views.clear()
                self._revision = revision
            key = (zoom, crs)
            if key not in self._views:
                self._views[key] = {}
                while len(self._views) > self.MAX_VIEWS:
                    self._views.popitem(last=False)
            self._views.move_to_end(key)
            return self._views[key]

    def clear(self) -> None:
        with self._lock:
            self._views.clear()
            self._revision = None


BOUNDARIES = BoundaryCache()
WKB_CHUNK = 2000  # ids per IN list when reading boundaries the cache lacks


def boundaries(
    session: Session, area_ids: Sequence[uuid.UUID], *, zoom: int, crs: Crs
) -> list[str]:
    """GeoJSON text of these areas' boundaries at `zoom` in `crs`: from the cache, and what it
    lacks read from the database in one query per WKB_CHUNK areas, simplified and written
    all at once (shapely's vectorised calls)."""

    cached = BOUNDARIES.view(area_revision(session), zoom, crs)
    missing = [i for i in area_ids if i not in cached]
    for start in range(0, len(missing), WKB_CHUNK):
        chunk = missing[start : start + WKB_CHUNK]
        rows = session.execute(
            select(Area.id, type_coerce(func.ST_AsBinary(Area.geom), LargeBinary)).where(
                Area.id.in_(chunk)
            )
        ).all()
        if not rows:
            continue
        geometries = to_crs(simplified(shapely.from_wkb([bytes(r[1]) for r in rows]), zoom), crs)
        cached.update(zip((r[0] for r in rows), shapely.to_geojson(geometries), strict=True))
    return [cached[i] for i in area_ids]


def area_features(
    session: Session,
    rows: Sequence[Any],
    properties: Sequence[dict[str, Any]],
    *,
    zoom: int,
    crs: Crs,
) -> list[dict[str, Any]]:
    """Features of `areas_query` rows with these properties, their boundaries simplified to
    half a pixel at `zoom` and written in `crs` (`boundaries`)."""
    if not rows:
        return []
    written = boundaries(session, [r.id for r in rows], zoom=zoom, crs=crs)
    return [
        {
            "type": "Feature",
            "id": row.code,
            "properties": {
                "code": row.code,
                "name": row.name,
                "level": row.level,
                "parent_code": row.parent_code,
                **extra,
            },
            "geometry": orjson.Fragment(geojson),
        }
        for row, extra, geojson in zip(rows, properties, written, strict=True)
    ]


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
    """Boundaries only (no hazard counts): see `hazards.mapping.areas_page` for those."""
    query = areas_query(session, scope_of(session, principal), bbox=bbox, level=level)
    rows = session.execute(query.limit(limit + 1).offset(offset)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    features = area_features(session, rows, [{} for _ in rows], zoom=zoom, crs=crs)
    return Page(features, offset + limit if more else None)


# --- Premises ------------------------------------------------------------------------------------


def _premises_where(
    query: Select, scope: Scope, bbox: BBox | None, premises_type: str | None
) -> Select:
    query = query.where(Premises.archived.is_(False), scope.area_clause_on(Premises.area_path))
    if bbox is not None:
        min_x, min_y, max_x, max_y = bbox
        query = query.where(Premises.lng.between(min_x, max_x), Premises.lat.between(min_y, max_y))
    if premises_type:
        query = query.where(Premises.premises_type == premises_type)
    return query


def premises_page(
    session: Session,
    principal: Principal,
    *,
    bbox: BBox | None,
    premises_type: str | None,
    crs: Crs,
    limit: int,
    offset: int,
    zoom: int | None = None,
) -> Page:
    """Premises as points (type, risk, key unit, credit status and its colour); with a `zoom`
    below POINTS_FROM_ZOOM, counts per cell instead (`premises_cells`)."""
    if zoom is not None and zoom < POINTS_FROM_ZOOM:
        return premises_cells(
            session, principal, bbox=bbox, premises_type=premises_type, crs=crs, zoom=zoom
        )
    scope = scope_of(session, principal)
    query = _premises_where(
        select(
            Premises.id,
            Premises.name,
            Premises.premises_type,
            Premises.risk_level,
            Premises.key_unit,
            Premises.credit_status,
            Premises.lng,
            Premises.lat,
            Area.code,
        ).outerjoin(Area, Area.id == Premises.area_id),
        scope,
        bbox,
        premises_type,
    )
    rows = session.execute(query.order_by(Premises.id).limit(limit + 1).offset(offset)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    points = (
        np.round(from_wgs84_array([(r.lng, r.lat) for r in rows], crs), DECIMALS).tolist()
        if rows
        else []
    )
    features = [
        {
            "type": "Feature",
            "id": str(premises_id),
            "properties": {
                "name": name,
                "premises_type": kind,
                "risk_level": risk,
                "key_unit": key_unit,
                "credit_status": credit,
                "credit_colour": _colour(credit),
                "area_code": area_code,
            },
            "geometry": {"type": "Point", "coordinates": point},
        }
        for (premises_id, name, kind, risk, key_unit, credit, _, _, area_code), point in zip(
            rows, points, strict=True
        )
    ]
    return Page(features, offset + limit if more else None, {"aggregated": False})


def _colour(credit_status: str) -> str | None:
    from grids.premises.enums import CREDIT_COLOURS, CreditStatus

    try:
        return CREDIT_COLOURS[CreditStatus(credit_status)]
    except ValueError:
        return None


def premises_cells(
    session: Session,
    principal: Principal,
    *,
    bbox: BBox | None,
    premises_type: str | None,
    crs: Crs,
    zoom: int,
) -> Page:
    """Premises in scope counted per square cell of CELL_PIXELS pixels at `zoom`, in one
    grouped query: a point per non-empty cell at the mean position of its premises, with the
    count, key units, high-risk units (high and very high), blacklisted and watched units, and
    the cell's box (in `crs`) to zoom into. A county's 100,000 premises become a few hundred
    features."""
    scope = scope_of(session, principal)
    size = cell_size_for_zoom(zoom)
    name = session.get_bind().dialect.name
    if name == "postgresql":
        ix = func.floor((Premises.lng + 180.0) / size)
        iy = func.floor((Premises.lat + 90.0) / size)
    else:  # both never negative: SQLite's integer CAST truncates, which is then a floor
        ix = cast((Premises.lng + 180.0) / size, Integer)
        iy = cast((Premises.lat + 90.0) / size, Integer)
    ix, iy = ix.label("ix"), iy.label("iy")
    high = (RiskLevel.HIGH.value, RiskLevel.VERY_HIGH.value)
    query = _premises_where(
        select(
            ix,
            iy,
            func.count().label("count"),
            func.avg(Premises.lng).label("lng"),
            func.avg(Premises.lat).label("lat"),
            func.count().filter(Premises.key_unit.is_(True)).label("key_units"),
            func.count().filter(Premises.risk_level.in_(high)).label("high_risk"),
            func.count().filter(Premises.credit_status == "blacklist").label("blacklist"),
            func.count().filter(Premises.credit_status == "watch").label("watch"),
        ),
        scope,
        bbox,
        premises_type,
    ).group_by(ix, iy)
    rows = session.execute(query).all()
    if not rows:
        return Page([], None, {"aggregated": True, "cell_size_deg": size})
    centres = np.round(from_wgs84_array([(r.lng, r.lat) for r in rows], crs), DECIMALS).tolist()
    corners = []
    for r in rows:
        west, south = int(r.ix) * size - 180.0, int(r.iy) * size - 90.0
        corners.append((west, south))
        corners.append((west + size, south + size))
    boxes = np.round(from_wgs84_array(corners, crs), DECIMALS).tolist()
    features = [
        {
            "type": "Feature",
            "id": f"cell:{int(r.ix)}:{int(r.iy)}",
            "properties": {
                "count": r.count,
                "key_units": r.key_units,
                "high_risk": r.high_risk,
                "blacklist": r.blacklist,
                "watch": r.watch,
                "bbox": [*boxes[2 * i], *boxes[2 * i + 1]],
            },
            "geometry": {"type": "Point", "coordinates": centre},
        }
        for i, (r, centre) in enumerate(zip(rows, centres, strict=True))
    ]
    features.sort(key=lambda f: f["id"])
    return Page(features, None, {"aggregated": True, "cell_size_deg": size})
