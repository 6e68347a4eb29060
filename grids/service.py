"""Rules of the area tree and of the people placed in it. No web imports."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import shapely
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import MultiPolygon, Point, mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased

from backend.core import audit
from backend.core.audit import Actor
from backend.core.errors import Conflict, InvalidInput, NotFound
from backend.identity.service import Principal
from grids import geometry, splitting, workforce
from grids.crs import from_wgs84, to_wgs84
from grids.enums import AreaLevel, Crs, RouteStatus
from grids.models import Area, AreaRevision
from grids.routing import REVISION_ROW, GridPlace, Route, current_index, forget_area_revision
from grids.scope import Scope, scope_of
from grids.workforce import Handler

# --- Geometry ------------------------------------------------------------------------------------


def as_multipolygon(shape_: BaseGeometry) -> MultiPolygon:
    """The valid polygonal part as one MultiPolygon; refused when there is none."""
    result = geometry.polygonal(shape_)
    if result.is_empty:
        raise InvalidInput("the geometry has no polygon area", field="geometry")
    return result


def transform(geometry: BaseGeometry, convert: Any) -> BaseGeometry:
    return shapely.transform(geometry, lambda xy: [convert(x, y) for x, y in xy], include_z=False)


def area_shape(area: Area) -> BaseGeometry:
    return to_shape(area.geom)


def geometry_as_geojson(area: Area, crs: Crs = Crs.WGS84) -> dict[str, Any]:
    geometry = area_shape(area)
    if crs is not Crs.WGS84:
        geometry = transform(geometry, lambda x, y: from_wgs84(x, y, crs))
    return mapping(geometry)


# --- Areas ---------------------------------------------------------------------------------------


def bump_area_revision(session: Session) -> None:
    """Tell every API process that its routing index is stale (see grids.routing)."""
    forget_area_revision(session)
    session.execute(
        update(AreaRevision)
        .where(AreaRevision.id == REVISION_ROW)
        .values(revision=AreaRevision.revision + 1)
        .execution_options(synchronize_session=False)
    )


# Area codes: the national administrative division codes (区划代码, digits), and a grid's code
# as `<village code>-NNN`. Codes stand in URLs (/areas/{code}) and in the area path that scope
# checks match by prefix ("/450202/450202901/"), so `/`, `%`, `_`, spaces and the like could
# cut a path or widen a match: one pattern, checked wherever an area is created.
AREA_CODE = re.compile(r"^[0-9]{1,20}(?:-[0-9]{1,6})?$")
AREA_CODE_RULE = "digits, optionally followed by '-' and up to 6 digits (e.g. 450202901001-003)"


def check_area_code(code: str, field: str = "code", label: str = "") -> None:
    if not AREA_CODE.fullmatch(code):
        raise InvalidInput(
            f"{label}{field} {code!r} is not an area code: {AREA_CODE_RULE}", field=field
        )


def create_area(
    session: Session,
    *,
    code: str,
    name: str,
    level: AreaLevel,
    geometry: MultiPolygon,
    parent: Area | None,
    actor: Actor,
) -> Area:
    check_area_code(code)
    if parent is None and level is not AreaLevel.COUNTY:
        raise InvalidInput(f"a {level} needs a parent area", field="parent")
    if parent is not None and AreaLevel(parent.level).child is not level:
        raise InvalidInput(f"a {level} cannot sit under a {parent.level}", field="parent")
    if session.scalar(select(Area.id).where(Area.code == code)) is not None:
        raise Conflict(f"an area with code {code!r} exists", field="code")
    area = Area(
        code=code,
        name=name,
        level=level.value,
        parent_id=parent.id if parent else None,
        path=(parent.path if parent else "/") + code + "/",
        geom=from_shape(geometry, srid=4326),
    )
    session.add(area)
    session.flush()
    bump_area_revision(session)
    audit.record(
        session,
        actor=actor,
        action="area.created",
        subject_type="area",
        subject_id=area.id,
        after={
            "code": code,
            "name": name,
            "level": level.value,
            "parent": parent.code if parent else None,
        },
    )
    return area


def rename_area(
    session: Session, area: Area, name: str, expected_version: int | None, actor: Actor
) -> Area:
    """Rename with a conditional update: a stale version is refused, never overwritten."""
    version = area.version if expected_version is None else expected_version
    changed = session.execute(
        update(Area)
        .where(Area.id == area.id, Area.version == version)
        .values(name=name, version=version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise Conflict(
            f"area {area.code} was changed meanwhile (version {area.version}, you sent {version})",
            current_version=area.version,
        )
    before = {"name": area.name}
    session.refresh(area)
    bump_area_revision(session)
    audit.record(
        session,
        actor=actor,
        action="area.renamed",
        subject_type="area",
        subject_id=area.id,
        before=before,
        after={"name": name},
    )
    return area


@dataclass(frozen=True)
class AreaRow:
    area: Area
    parent_code: str | None


def list_areas(
    session: Session,
    scope: Scope,
    *,
    level: AreaLevel | None = None,
    parent_code: str | None = None,
    top: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> list[AreaRow]:
    parent = aliased(Area)
    query = (
        select(Area, parent.code)
        .outerjoin(parent, Area.parent_id == parent.id)
        .where(scope.area_clause())
        .order_by(Area.path)
        .limit(limit)
        .offset(offset)
    )
    if level is not None:
        query = query.where(Area.level == level.value)
    if parent_code is not None:
        query = query.where(parent.code == parent_code)
    if top:
        query = query.where(scope.top_clause())
    return [AreaRow(area, code) for area, code in session.execute(query)]


def parent_code_of(session: Session, area: Area) -> str | None:
    return (
        session.scalar(select(Area.code).where(Area.id == area.parent_id))
        if area.parent_id
        else None
    )


def area_by_code(session: Session, code: str) -> Area:
    area = session.scalar(select(Area).where(Area.code == code))
    if area is None:
        raise NotFound(f"no area with code {code!r}")
    return area


@dataclass(frozen=True)
class ImportResult:
    created: list[Area]
    repaired: list[tuple[str, str]]  # (code, why the polygon was invalid)
    family: geometry.FamilyReport | None  # overlaps, pieces outside the parent, gaps


def import_features(
    session: Session,
    features: Iterable[dict[str, Any]],
    *,
    level: AreaLevel,
    crs: Crs,
    parent: Area | None,
    code_prop: str,
    name_prop: str,
    actor: Actor,
    strict: bool = False,
) -> ImportResult:
    """Import GeoJSON features as areas, all or nothing: the caller's transaction rolls back on
    the first bad feature, and the error names it. Invalid polygons are repaired and reported
    (refused with `strict`); the new family is checked for overlaps, pieces outside the parent
    and gaps."""
    created, repaired = [], []
    for index, feature in enumerate(features):
        props = (feature.get("properties") if isinstance(feature, dict) else None) or {}
        label = f"feature {index} ({props.get(name_prop) or props.get(code_prop) or 'unnamed'})"
        if props.get(code_prop) in (None, "") or not props.get(name_prop):
            raise InvalidInput(f"{label}: needs properties {code_prop!r} and {name_prop!r}")
        check_area_code(
            str(props[code_prop]),
            field=f"features[{index}].properties.{code_prop}",
            label=f"{label}: ",
        )
        try:
            raw = _geometry_in_wgs84(feature.get("geometry") or {}, crs)
        except InvalidInput as exc:
            raise InvalidInput(f"{label}: {exc.detail}") from exc
        fixed, reason = geometry.repair(raw)
        if reason:
            if strict:
                raise InvalidInput(f"{label}: invalid polygon ({reason}); refused with --strict")
            repaired.append((str(props[code_prop]), reason))
        if fixed.is_empty:
            raise InvalidInput(f"{label}: the geometry has no polygon area")
        created.append(
            create_area(
                session,
                code=str(props[code_prop]),
                name=str(props[name_prop]),
                level=level,
                geometry=fixed,
                parent=parent,
                actor=actor,
            )
        )
    family = check_children(session, parent) if parent is not None else _sibling_check(created)
    return ImportResult(created, repaired, family)


def _sibling_check(areas: list[Area]) -> geometry.FamilyReport | None:
    """Top-level areas have no parent to compare with: check only that they do not overlap."""
    if len(areas) < 2:
        return None
    shapes = [(a.code, area_shape(a)) for a in areas]
    return geometry.check_family("(top level)", shapely.union_all([s for _, s in shapes]), shapes)


def check_children(session: Session, area: Area) -> geometry.FamilyReport | None:
    """How an area's children fit it: overlaps, pieces outside, gaps (`firegrid areas check`)."""
    children = list(
        session.scalars(select(Area).where(Area.parent_id == area.id).order_by(Area.code))
    )
    if not children:
        return None
    return geometry.check_family(
        area.code, area_shape(area), [(c.code, area_shape(c)) for c in children]
    )


def _geometry_in_wgs84(data: dict[str, Any], crs: Crs) -> BaseGeometry:
    try:
        parsed = shape(data)
    except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException) as exc:
        raise InvalidInput(f"not a GeoJSON geometry: {exc}", field="geometry") from exc
    if crs is not Crs.WGS84:
        parsed = transform(parsed, lambda x, y: to_wgs84(x, y, crs))
    return parsed


# --- Splitting into grids --------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedGrid:
    code: str
    name: str
    village_code: str
    geometry: MultiPolygon
    area_m2: float
    premises: int | None


def plan_grids(
    session: Session,
    township: Area,
    *,
    cell_size_m: float | None = None,
    max_premises: int | None = None,
    premises_points: dict[str, list[tuple[float, float]]] | None = None,
) -> list[PlannedGrid]:
    """Cut each village of a township into grids (square cells, or a quadtree by premises),
    clipped to the village. Codes are `<village code>-NNN` in row order from the north-west,
    so the same input always gives the same grids."""
    if AreaLevel(township.level) is not AreaLevel.TOWNSHIP:
        raise InvalidInput(f"{township.code} is a {township.level}, not a township", field="code")
    if (cell_size_m is None) == (max_premises is None):
        raise InvalidInput("give either a cell size or a maximum number of premises per grid")
    villages = list(
        session.scalars(select(Area).where(Area.parent_id == township.id).order_by(Area.code))
    )
    if not villages:
        raise InvalidInput(f"{township.code} has no villages/communities; import them first")
    existing = session.scalar(
        select(func.count()).select_from(Area).where(Area.parent_id.in_([v.id for v in villages]))
    )
    if existing:
        raise Conflict(
            f"{township.code} already has {existing} grids; remove them before splitting again"
        )
    planned = []
    for village in villages:
        shape_ = area_shape(village)
        try:
            if cell_size_m is not None:
                cells = splitting.square_cells(shape_, cell_size_m)
            else:
                points = (premises_points or {}).get(village.code, [])
                cells = splitting.quadtree_cells(shape_, points, max_premises)
        except ValueError as exc:
            raise InvalidInput(str(exc), field="cell_size") from exc
        for number, cell in enumerate(cells, start=1):
            planned.append(
                PlannedGrid(
                    code=f"{village.code}-{number:03d}",
                    name=f"{village.name}第{number}网格",
                    village_code=village.code,
                    geometry=cell.geometry,
                    area_m2=cell.area_m2,
                    premises=cell.points,
                )
            )
    return planned


def save_grids(session: Session, planned: list[PlannedGrid], actor: Actor) -> list[Area]:
    villages = {
        v.code: v
        for v in session.scalars(
            select(Area).where(Area.code.in_({p.village_code for p in planned}))
        )
    }
    return [
        create_area(
            session,
            code=p.code,
            name=p.name,
            level=AreaLevel.GRID,
            geometry=p.geometry,
            parent=villages[p.village_code],
            actor=actor,
        )
        for p in planned
    ]


# --- Locating points -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Located:
    route: Route
    handler: Handler | None  # None outside the caller's scope, or when unrouted


def grid_path(place: GridPlace) -> str:
    return f"/{place.county.code}/{place.township.code}/{place.village.code}/{place.grid.code}/"


def locate_points(
    session: Session,
    principal: Principal,
    points: list[tuple[float, float]],
    crs: Crs,
    snap_m: float,
) -> list[Located]:
    """Route points (in `crs`) to grids and say who handles each now. Area names and codes are
    public geography; who handles a grid is told only within the caller's scope."""
    wgs = [to_wgs84(x, y, crs) for x, y in points]
    index = current_index(session, snap_m)
    if len(wgs) == 1:
        routes = [index.route(*wgs[0])]
    else:
        routes = index.route_many([p[0] for p in wgs], [p[1] for p in wgs])
    scope = scope_of(session, principal)
    visible = [
        r.grid for r in routes if r.grid is not None and scope.covers_path(grid_path(r.grid))
    ]
    handlers = workforce.handlers_for(session, visible)
    located = []
    for route in routes:
        handler = None
        if route.grid is not None and route.grid.grid.id in handlers:
            handler = handlers[route.grid.grid.id]
        elif route.status is RouteStatus.TOWNSHIP and route.township and route.county:
            if scope.covers_path(f"/{route.county.code}/{route.township.code}/"):
                handler = workforce.station(route.township)
        located.append(Located(route, handler))
    return located


# --- Placing located records ------------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """Where a location puts a record in the area tree: its grid, else its township."""

    area_id: uuid.UUID
    area_path: str
    status: RouteStatus
    grid: GridPlace | None = None  # the grid with its village, township and county, when in one


def placement_of(route: Route) -> Placement | None:
    if route.grid is not None:
        return Placement(route.grid.grid.id, grid_path(route.grid), route.status, route.grid)
    if route.status is RouteStatus.TOWNSHIP and route.township and route.county:
        return Placement(
            route.township.id, f"/{route.county.code}/{route.township.code}/", route.status
        )
    return None


class OutsideDeployment(InvalidInput):
    slug, title = "location-outside-deployment", "The location is in none of our areas"


def unusable_point(lng: float, lat: float, placement: Placement | None) -> str | None:
    """Why a point a person sent cannot be where something happened here (None: it can).

    0,0 is what a phone without a position fix sends. A point that routes nowhere (outside
    every grid, past routing's snapping distance, and outside every township) is outside the
    deployment: stored, it would be `unrouted`, seen by nobody who could act on it."""
    if lng == 0 and lat == 0:
        return "0,0 is what a phone without a position fix sends, not a place: take a fix"
    if placement is None:
        return f"({lng}, {lat}) is outside every grid and township of this deployment"
    return None


def point_problems(reason: str, prefix: str = "") -> list[dict[str, str]]:
    """The fields to name for an unusable point: both coordinates, since either may be off."""
    return [{"field": f"{prefix}{name}", "message": reason} for name in ("lng", "lat")]


def refuse_unusable_point(lng: float, lat: float, placement: Placement | None) -> None:
    reason = unusable_point(lng, lat, placement)
    if reason is not None:
        raise OutsideDeployment(reason, errors=point_problems(reason))


def place_point(
    session: Session, lng: float, lat: float, crs: Crs, snap_m: float
) -> tuple[dict[str, Any], Placement | None]:
    """The columns every located record keeps (premises, hazards): the WGS-84 point, also as
    plain lng/lat for portable bounding-box filters, the raw input, and where routing put it."""
    x, y = to_wgs84(lng, lat, crs)
    placement = placement_of(current_index(session, snap_m).route(x, y))
    return _located(x, y, lng, lat, crs, placement), placement


def place_points(
    session: Session, points: list[tuple[float, float, Crs]], snap_m: float
) -> list[tuple[dict[str, Any], Placement | None]]:
    """`place_point` for many points at once: one routing pass over the whole batch; the
    point goes as EWKT text, which the database parses itself (cheaper than building WKB
    here for a multi-row insert)."""
    wgs84 = [to_wgs84(lng, lat, crs) for lng, lat, crs in points]
    routes = current_index(session, snap_m).route_many([x for x, _ in wgs84], [y for _, y in wgs84])
    placed = []
    for (lng, lat, crs), (x, y), route in zip(points, wgs84, routes, strict=True):
        placement = placement_of(route)
        placed.append((_located(x, y, lng, lat, crs, placement, as_text=True), placement))
    return placed


def _located(
    x: float,
    y: float,
    lng: float,
    lat: float,
    crs: Crs,
    placement: Placement | None,
    *,
    as_text: bool = False,
) -> dict[str, Any]:
    return {
        "lng": x,
        "lat": y,
        "location": f"SRID=4326;POINT({x!r} {y!r})"
        if as_text
        else from_shape(Point(x, y), srid=4326),
        "raw_lng": lng,
        "raw_lat": lat,
        "raw_crs": crs.value,
        "area_id": placement.area_id if placement else None,
        "area_path": placement.area_path if placement else "",
        "route_status": (placement.status if placement else RouteStatus.UNROUTED).value,
    }
