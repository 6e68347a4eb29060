"""Map layers for the web console: areas with their hazard counts and grid teams, premises
(points, or counts per cell at low zoom) and open hazards, as GeoJSON in the map's `crs`.
Thin: see hazards.mapping and grids.mapdata; docs/map.md; decision 0031."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from backend.core.types import Text
from backend.core.web import Offset
from backend.identity.dependencies import CurrentPrincipal, ReplicaSessionDep
from grids import mapdata
from grids.crs import to_wgs84
from grids.enums import AreaLevel, Crs
from grids.premises.enums import PremisesType
from grids.schemas import parse_bbox
from hazards import mapping
from hazards.enums import Severity

router = APIRouter(prefix="/api/v1/map", tags=["map"])

BBoxParam = Annotated[
    Text | None, Query(max_length=120, description="min_lng,min_lat,max_lng,max_lat in `crs`")
]
Zoom = Annotated[int, Query(ge=0, le=22, description="web-map zoom; sets simplification")]

GEOJSON = {
    200: {
        "description": "A GeoJSON FeatureCollection, with `next_offset` (null on the last page)",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


class GeoJSONResponse(Response):
    media_type = "application/json"


def bbox_in_wgs84(value: str | None, crs: Crs) -> mapdata.BBox | None:
    """The map's box in the map's CRS (an AMap view is GCJ-02), as WGS-84 for the query."""
    bbox = parse_bbox(value)
    if bbox is None or crs is Crs.WGS84:
        return bbox
    (min_x, min_y), (max_x, max_y) = (
        to_wgs84(bbox[0], bbox[1], crs),
        to_wgs84(bbox[2], bbox[3], crs),
    )
    return (min_x, min_y, max_x, max_y)


def _answer(page: mapdata.Page) -> Response:
    return GeoJSONResponse(page.as_json())


@router.get("/areas", response_class=GeoJSONResponse, responses=GEOJSON)
def map_areas(
    principal: CurrentPrincipal,
    session: ReplicaSessionDep,
    bbox: BBoxParam = None,
    level: AreaLevel | None = None,
    zoom: Zoom = 14,
    crs: Crs = Crs.WGS84,
    team: Annotated[
        bool | None,
        Query(
            description="grids carry their worker, backups and who is on duty; by default from "
            f"zoom {mapping.TEAM_FROM_ZOOM} on"
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 200,
    offset: Offset = 0,
) -> Response:
    """Areas in your scope meeting the box, as a GeoJSON FeatureCollection; `next_offset` is
    set when there are more. `crs` is that of the box and of the answer. Each area carries
    `open_hazards` and `overdue_hazards` (everything under it); each grid its team (`worker`,
    `backups`, `on_duty`: names and masked phones) from zoom 12 on, or as `team` says."""
    page = mapping.areas_page(
        session,
        principal,
        bbox=bbox_in_wgs84(bbox, crs),
        level=level,
        zoom=zoom,
        crs=crs,
        limit=limit,
        offset=offset,
        team=team if team is not None else zoom >= mapping.TEAM_FROM_ZOOM,
    )
    return _answer(page)


@router.get("/premises", response_class=GeoJSONResponse, responses=GEOJSON)
def map_premises(
    principal: CurrentPrincipal,
    session: ReplicaSessionDep,
    bbox: BBoxParam = None,
    premises_type: PremisesType | None = None,
    zoom: Annotated[
        int | None,
        Query(
            ge=0,
            le=22,
            description=f"web-map zoom; below {mapdata.POINTS_FROM_ZOOM}, counts per cell "
            "(`aggregated: true`) instead of points",
        ),
    ] = None,
    crs: Crs = Crs.WGS84,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
    offset: Offset = 0,
) -> Response:
    """Premises in your scope inside the box, as GeoJSON points with type, risk level, key
    unit, credit status and its colour; with `zoom` below 15, one point per non-empty cell of
    64 screen pixels with counts (`count`, `key_units`, `high_risk`, `blacklist`, `watch`) and
    the cell's `bbox`, never paged."""
    page = mapdata.premises_page(
        session,
        principal,
        bbox=bbox_in_wgs84(bbox, crs),
        premises_type=premises_type.value if premises_type else None,
        crs=crs,
        limit=limit,
        offset=offset,
        zoom=zoom,
    )
    return _answer(page)


@router.get("/hazards", response_class=GeoJSONResponse, responses=GEOJSON)
def map_hazards(
    principal: CurrentPrincipal,
    session: ReplicaSessionDep,
    bbox: BBoxParam = None,
    severity: Severity | None = None,
    overdue: bool | None = None,
    crs: Crs = Crs.WGS84,
    limit: Annotated[int, Query(ge=1, le=5000)] = 2000,
    offset: Offset = 0,
) -> Response:
    """Open hazards you may see (as `GET /api/v1/hazards`) inside the box, as GeoJSON points
    with `state`, `severity`, `category`, `level`, `due_at`, `overdue`, `premises_id` and
    `area_code`."""
    page = mapping.hazards_page(
        session,
        principal,
        bbox=bbox_in_wgs84(bbox, crs),
        severity=severity.value if severity else None,
        overdue=overdue,
        crs=crs,
        limit=limit,
        offset=offset,
    )
    return _answer(page)
