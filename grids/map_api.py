"""Map layers for the web console. Thin: see grids.mapdata."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from backend.core.types import Text
from backend.core.web import Offset
from backend.identity.dependencies import CurrentPrincipal, SessionDep
from grids import mapdata
from grids.crs import to_wgs84
from grids.enums import AreaLevel, Crs
from grids.premises.enums import PremisesType
from grids.schemas import parse_bbox

router = APIRouter(prefix="/api/v1/map", tags=["map"])

BBoxParam = Annotated[
    Text | None, Query(max_length=120, description="min_lng,min_lat,max_lng,max_lat in `crs`")
]


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


@router.get("/areas")
def map_areas(
    principal: CurrentPrincipal,
    session: SessionDep,
    bbox: BBoxParam = None,
    level: AreaLevel | None = None,
    zoom: Annotated[int, Query(ge=0, le=22, description="web-map zoom; sets simplification")] = 14,
    crs: Crs = Crs.WGS84,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Areas in your scope meeting the box, as a GeoJSON FeatureCollection; `next_offset` is
    set when there are more. `crs` is that of the box and of the answer."""
    page = mapdata.areas_page(
        session,
        principal,
        bbox=bbox_in_wgs84(bbox, crs),
        level=level,
        zoom=zoom,
        crs=crs,
        limit=limit,
        offset=offset,
    )
    return page.as_feature_collection()


@router.get("/premises")
def map_premises(
    principal: CurrentPrincipal,
    session: SessionDep,
    bbox: BBoxParam = None,
    premises_type: PremisesType | None = None,
    crs: Crs = Crs.WGS84,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Premises in your scope inside the box, as GeoJSON points."""
    page = mapdata.premises_page(
        session,
        principal,
        bbox=bbox_in_wgs84(bbox, crs),
        premises_type=premises_type.value if premises_type else None,
        crs=crs,
        limit=limit,
        offset=offset,
    )
    return page.as_feature_collection()
