"""Areas and the people placed in them. Thin: rules live in grids.service."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from backend.core.db import utcnow
from backend.core.types import Text
from backend.core.web import Offset
from backend.identity import service as identity
from backend.identity.dependencies import CurrentPrincipal, SessionDep, require_roles
from backend.identity.enums import Role
from backend.identity.models import User
from backend.identity.service import Principal
from grids import service
from grids.crs import from_wgs84
from grids.enums import AreaLevel, Crs
from grids.models import Area
from grids.schemas import (
    AreaDetail,
    AreaOut,
    AreaPatch,
    CertificateOut,
    MeOut,
    UserCreate,
    UserOut,
)
from grids.scope import area_in_scope, scope_of

router = APIRouter(prefix="/api/v1", tags=["areas"])

AREA_EDITORS = (Role.STATION_STAFF, Role.BRIGADE_STAFF, Role.ADMIN)
USER_MANAGERS = (Role.STATION_STAFF, Role.BRIGADE_STAFF, Role.ADMIN)
Editor = Annotated[Principal, Depends(require_roles(*AREA_EDITORS))]
Manager = Annotated[Principal, Depends(require_roles(*USER_MANAGERS))]
AreaCode = Annotated[Text, Path(max_length=32, description="area code, e.g. 450202")]
_NOT_FOUND = {404: {"description": "No such area in your scope"}}


def _area_out(area: Area, parent_code: str | None) -> AreaOut:
    return AreaOut(
        code=area.code,
        name=area.name,
        level=area.level,
        parent_code=parent_code,
        version=area.version,
    )


def _user_out(user: User) -> UserOut:
    return UserOut.model_validate(user, from_attributes=True)


@router.get("/me", response_model=MeOut, tags=["auth"])
def me(principal: CurrentPrincipal, session: SessionDep) -> MeOut:
    user = session.get(User, principal.user_id)
    assert user is not None
    placement = service.placement_of(session, user.id, user.scope_area_id)
    certificate = None
    if principal.certificate_number and principal.certificate_expires_on:
        certificate = CertificateOut(
            number=principal.certificate_number,
            expires_on=principal.certificate_expires_on,
            valid_today=principal.certified_on(utcnow().date()),
        )
    return MeOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        scope_area_code=placement.scope_area_code,
        grid_codes=placement.grid_codes,
        certificate=certificate,
    )


@router.get("/areas", response_model=list[AreaOut])
def list_areas(
    principal: CurrentPrincipal,
    session: SessionDep,
    level: AreaLevel | None = None,
    parent: Annotated[Text | None, Query(max_length=32, description="parent area code")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[AreaOut]:
    """Areas in your scope, top down."""
    rows = service.list_areas(
        session,
        scope_of(session, principal),
        level=level,
        parent_code=parent,
        limit=limit,
        offset=offset,
    )
    return [_area_out(row.area, row.parent_code) for row in rows]


@router.get("/areas/{code}", response_model=AreaDetail, responses=_NOT_FOUND)
def get_area(
    code: AreaCode, principal: CurrentPrincipal, session: SessionDep, crs: Crs = Crs.WGS84
) -> AreaDetail:
    area = area_in_scope(session, principal, code)
    min_x, min_y, max_x, max_y = service.area_shape(area).bounds
    (min_x, min_y), (max_x, max_y) = from_wgs84(min_x, min_y, crs), from_wgs84(max_x, max_y, crs)
    return AreaDetail(
        **_area_out(area, service.parent_code_of(session, area)).model_dump(),
        crs=crs.value,
        bbox=[min_x, min_y, max_x, max_y],
        geometry=service.geometry_as_geojson(area, crs),
    )


@router.patch("/areas/{code}", response_model=AreaOut, responses=_NOT_FOUND)
def rename_area(code: AreaCode, body: AreaPatch, principal: Editor, session: SessionDep) -> AreaOut:
    area = area_in_scope(session, principal, code)
    area = service.rename_area(session, area, body.name, body.version, principal.actor)
    return _area_out(area, service.parent_code_of(session, area))


@router.get("/areas/{code}/users", response_model=list[UserOut], responses=_NOT_FOUND)
def list_users(
    code: AreaCode,
    principal: Manager,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
    offset: Offset = 0,
) -> list[UserOut]:
    area = area_in_scope(session, principal, code)
    return [_user_out(u) for u in service.users_in_area(session, area, limit, offset)]


@router.post("/areas/{code}/users", response_model=UserOut, status_code=201, responses=_NOT_FOUND)
def create_user(
    code: AreaCode, body: UserCreate, principal: Manager, session: SessionDep
) -> UserOut:
    """Create a user placed at this area: staff get it as scope, grid workers as their grid."""
    user = service.place_user_as(session, principal, code, **body.model_dump())
    return _user_out(user)


@router.post("/users/{user_id}/revoke-sessions", status_code=204, responses=_NOT_FOUND)
def revoke_sessions(user_id: uuid.UUID, principal: Manager, session: SessionDep) -> Response:
    """Sign a user out everywhere (a lost phone, a worker who left)."""
    user = service.user_in_scope(session, scope_of(session, principal), user_id)
    identity.revoke_all_sessions(session, user.id, principal.actor)
    return Response(status_code=204)
