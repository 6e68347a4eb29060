"""Rules of the area tree and of the people placed in it. No web imports."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import shapely
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select, update
from sqlalchemy.orm import Session, aliased

from backend.core import audit
from backend.core.audit import Actor
from backend.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from backend.identity import service as identity
from backend.identity.enums import Role
from backend.identity.models import User
from backend.identity.service import Principal
from grids.crs import from_wgs84, to_wgs84
from grids.enums import AreaLevel, AssignmentRole, Crs
from grids.models import Area, GridAssignment
from grids.scope import Scope, area_in_scope

# The area level each role is placed at. Admins may sit anywhere.
ROLE_LEVELS: dict[Role, frozenset[AreaLevel]] = {
    Role.GRID_WORKER: frozenset({AreaLevel.GRID}),
    Role.GRID_LEADER: frozenset({AreaLevel.VILLAGE}),
    Role.STATION_STAFF: frozenset({AreaLevel.TOWNSHIP}),
    Role.BRIGADE_STAFF: frozenset({AreaLevel.COUNTY}),
    Role.DISPATCHER: frozenset({AreaLevel.COUNTY, AreaLevel.TOWNSHIP}),
    Role.INTEGRATION: frozenset({AreaLevel.COUNTY, AreaLevel.TOWNSHIP}),
    Role.ADMIN: frozenset(AreaLevel),
}
# Who may create whom, inside their own scope.
CREATABLE_ROLES: dict[Role, frozenset[Role]] = {
    Role.ADMIN: frozenset(ROLE_LEVELS),
    Role.BRIGADE_STAFF: frozenset(
        {Role.STATION_STAFF, Role.DISPATCHER, Role.GRID_LEADER, Role.GRID_WORKER}
    ),
    Role.STATION_STAFF: frozenset({Role.GRID_LEADER, Role.GRID_WORKER}),
}


# --- Geometry ------------------------------------------------------------------------------------


def as_multipolygon(geometry: BaseGeometry) -> MultiPolygon:
    """Repair (make_valid) and keep the polygonal part as one MultiPolygon."""
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    polygons: list[Polygon] = []
    for part in getattr(geometry, "geoms", [geometry]):
        if isinstance(part, Polygon) and not part.is_empty:
            polygons.append(part)
        elif isinstance(part, MultiPolygon):
            polygons.extend(part.geoms)
    if not polygons:
        raise InvalidInput("the geometry has no polygon area", field="geometry")
    return MultiPolygon(polygons)


def transform(geometry: BaseGeometry, convert: Any) -> BaseGeometry:
    return shapely.transform(geometry, lambda xy: [convert(x, y) for x, y in xy], include_z=False)


def geometry_from_geojson(data: dict[str, Any], crs: Crs) -> MultiPolygon:
    try:
        geometry = shape(data)
    except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException) as exc:
        raise InvalidInput(f"not a GeoJSON geometry: {exc}", field="geometry") from exc
    if crs is not Crs.WGS84:
        geometry = transform(geometry, lambda x, y: to_wgs84(x, y, crs))
    return as_multipolygon(geometry)


def area_shape(area: Area) -> BaseGeometry:
    return to_shape(area.geom)


def geometry_as_geojson(area: Area, crs: Crs = Crs.WGS84) -> dict[str, Any]:
    geometry = area_shape(area)
    if crs is not Crs.WGS84:
        geometry = transform(geometry, lambda x, y: from_wgs84(x, y, crs))
    return mapping(geometry)


# --- Areas ---------------------------------------------------------------------------------------


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
) -> list[Area]:
    """Import GeoJSON features as areas, all or nothing: the caller's transaction rolls back on
    the first bad feature, and the error names it."""
    created = []
    for index, feature in enumerate(features):
        props = feature.get("properties") or {}
        label = f"feature {index} ({props.get(name_prop) or props.get(code_prop) or 'unnamed'})"
        if props.get(code_prop) in (None, "") or not props.get(name_prop):
            raise InvalidInput(f"{label}: needs properties {code_prop!r} and {name_prop!r}")
        try:
            geometry = geometry_from_geojson(feature.get("geometry") or {}, crs)
        except InvalidInput as exc:
            raise InvalidInput(f"{label}: {exc.detail}") from exc
        created.append(
            create_area(
                session,
                code=str(props[code_prop]),
                name=str(props[name_prop]),
                level=level,
                geometry=geometry,
                parent=parent,
                actor=actor,
            )
        )
    return created


# --- People placed in areas -----------------------------------------------------------------------


def place_user(
    session: Session,
    *,
    area: Area | None,
    username: str,
    password: str | None,
    role: Role,
    display_name: str | None,
    certificate_number: str | None,
    certificate_expires_on: date | None,
    actor: Actor,
) -> User:
    """Create a user at an area: staff get it as their scope, grid workers as their grid."""
    if area is None:
        if role not in (Role.ADMIN, Role.CITIZEN):
            raise InvalidInput(f"a {role} needs an area (--scope)", field="scope")
    else:
        allowed = ROLE_LEVELS.get(role, frozenset())
        if AreaLevel(area.level) not in allowed:
            levels = ", ".join(sorted(level.value for level in allowed)) or "no area"
            raise InvalidInput(
                f"a {role} is placed at {levels}, not at the {area.level} {area.code}",
                field="scope",
            )
    user = identity.create_user(
        session,
        username=username,
        password=password,
        role=role,
        display_name=display_name,
        scope_area_id=area.id if area and role is not Role.GRID_WORKER else None,
        certificate_number=certificate_number,
        certificate_expires_on=certificate_expires_on,
        actor=actor,
    )
    if role is Role.GRID_WORKER and area is not None:
        assign_to_grid(session, user, area, AssignmentRole.PRIMARY, actor)
    return user


def place_user_as(session: Session, principal: Principal, area_code: str, **fields: Any) -> User:
    """A staff member creating a user in their scope: outside it is 404, a role they may not
    create is 403."""
    area = area_in_scope(session, principal, area_code)
    role: Role = fields["role"]
    if role not in CREATABLE_ROLES.get(principal.role, frozenset()):
        raise Forbidden(f"a {principal.role} cannot create a {role}")
    return place_user(session, area=area, actor=principal.actor, **fields)


def assign_to_grid(
    session: Session, user: User, grid: Area, role: AssignmentRole, actor: Actor
) -> GridAssignment:
    if AreaLevel(grid.level) is not AreaLevel.GRID:
        raise InvalidInput(f"{grid.code} is a {grid.level}, not a grid", field="grid")
    assignment = GridAssignment(user_id=user.id, area_id=grid.id, role=role.value)
    session.add(assignment)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="grid.worker_assigned",
        subject_type="area",
        subject_id=grid.id,
        after={"user_id": str(user.id), "role": role.value},
    )
    return assignment


def users_in_area(session: Session, area: Area, limit: int = 200, offset: int = 0) -> list[User]:
    """Staff whose scope is this area, and workers assigned to it."""
    assigned = select(GridAssignment.user_id).where(GridAssignment.area_id == area.id)
    query = (
        select(User)
        .where((User.scope_area_id == area.id) | User.id.in_(assigned))
        .order_by(User.username)
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(query))


def user_in_scope(session: Session, scope: Scope, user_id: uuid.UUID) -> User:
    """A user the caller may manage: placed at or assigned inside the caller's scope."""
    user = session.get(User, user_id)
    if user is not None:
        areas = [user.scope_area_id] if user.scope_area_id else []
        areas += session.scalars(
            select(GridAssignment.area_id).where(GridAssignment.user_id == user.id)
        ).all()
        placed = [session.get(Area, area_id) for area_id in areas]
        if scope.everywhere or any(a is not None and scope.covers(a) for a in placed):
            return user
    raise NotFound(f"no user with id {user_id}")


@dataclass(frozen=True)
class Placement:
    """Where a user works: their scope area and the grids assigned to them."""

    scope_area_code: str | None
    grid_codes: list[str]


def placement_of(
    session: Session, user_id: uuid.UUID, scope_area_id: uuid.UUID | None
) -> Placement:
    grids = session.scalars(
        select(Area.code)
        .join(GridAssignment, GridAssignment.area_id == Area.id)
        .where(GridAssignment.user_id == user_id)
        .order_by(Area.code)
    ).all()
    scope_code = (
        session.scalar(select(Area.code).where(Area.id == scope_area_id)) if scope_area_id else None
    )
    return Placement(scope_code, list(grids))
