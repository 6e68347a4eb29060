"""Micro fire stations 微型消防站 and volunteer brigades 志愿消防队 over HTTP
(`/api/v1/fire-stations/micro`). Thin: rules live in fires.stations.service."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from backend.core.types import Text
from backend.core.web import Offset
from backend.identity.dependencies import SessionDep, require
from backend.identity.permissions import Permission
from backend.identity.service import Principal
from fires.stations import service
from fires.stations.enums import KIND_NAMES, StationKind
from fires.stations.models import MicroStation
from fires.stations.schemas import DutyIn, StationIn, StationOut, StationPatch
from grids.models import Area

router = APIRouter(prefix="/api/v1/fire-stations/micro", tags=["fires"])

Reader = Annotated[Principal, Depends(require(Permission.READ_MICRO_STATIONS))]
Manager = Annotated[Principal, Depends(require(Permission.MANAGE_MICRO_STATIONS))]
_NOT_FOUND = {404: {"description": "No such station (or township, user) in your scope"}}


def station_out(
    session, principal: Principal, station: MicroStation, members: list[uuid.UUID]
) -> StationOut:
    township = session.get(Area, station.area_id)
    contact_phone, duty_phone = service.phones_for(principal, station)
    kind = StationKind(station.kind)
    return StationOut(
        id=station.id,
        name=station.name,
        kind=kind,
        kind_name=KIND_NAMES[kind],
        township=township.code,
        township_name=township.name,
        lng=station.lng,
        lat=station.lat,
        contact_name=station.contact_name,
        contact_phone=contact_phone,
        duty_phone=duty_phone,
        members_count=station.members_count,
        member_ids=members,
        on_duty=station.on_duty,
        version=station.version,
        updated_at=station.updated_at,
    )


def _one(session, principal: Principal, station: MicroStation) -> StationOut:
    members = service.members_of(session, [station.id])[station.id]
    return station_out(session, principal, station, members)


@router.get(
    "",
    response_model=list[StationOut],
    responses={
        200: {
            "headers": {
                "X-Total-Count": {
                    "description": "how many stations match, all pages together",
                    "schema": {"type": "integer"},
                }
            }
        },
        **_NOT_FOUND,
    },
)
def list_stations(
    principal: Reader,
    session: SessionDep,
    response: Response,
    township: Annotated[Text | None, Query(max_length=32, description="a township's code")] = None,
    on_duty: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[StationOut]:
    """The micro stations and volunteer brigades of your area (a grid worker: those in their
    grids), by name; phones masked unless you manage the register."""
    statement = service.query(
        session, principal, service.StationFilter(township=township, on_duty=on_duty)
    )
    response.headers["X-Total-Count"] = str(service.count(session, statement))
    stations = list(session.scalars(statement.limit(limit).offset(offset)))
    members = service.members_of(session, [s.id for s in stations])
    return [station_out(session, principal, s, members[s.id]) for s in stations]


@router.post("", response_model=StationOut, status_code=201, responses=_NOT_FOUND)
def register_station(body: StationIn, principal: Manager, session: SessionDep) -> StationOut:
    """Register a micro station or volunteer brigade in a township of your area."""
    return _one(session, principal, service.create(session, principal, body))


@router.get("/{station_id}", response_model=StationOut, responses=_NOT_FOUND)
def get_station(station_id: uuid.UUID, principal: Reader, session: SessionDep) -> StationOut:
    return _one(session, principal, service.get_visible(session, principal, station_id))


@router.patch("/{station_id}", response_model=StationOut, responses=_NOT_FOUND)
def change_station(
    station_id: uuid.UUID, body: StationPatch, principal: Manager, session: SessionDep
) -> StationOut:
    """Change what is given (`version`: the one read; a stale one answers 409)."""
    return _one(session, principal, service.update(session, principal, station_id, body))


@router.delete("/{station_id}", status_code=204, responses=_NOT_FOUND)
def remove_station(station_id: uuid.UUID, principal: Manager, session: SessionDep) -> Response:
    """Remove a station from the register (alerts it received keep its name)."""
    service.remove(session, principal, station_id)
    return Response(status_code=204)


@router.put("/{station_id}/duty", response_model=StationOut, responses=_NOT_FOUND)
def set_duty(
    station_id: uuid.UUID, body: DutyIn, principal: Reader, session: SessionDep
) -> StationOut:
    """On or off duty: staff who manage the register, or the station's own members."""
    return _one(session, principal, service.set_duty(session, principal, station_id, body.on_duty))
