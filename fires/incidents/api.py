"""火灾事故 over HTTP. Thin: the rules live in fires.incidents.service."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.orm import Session
from starlette.responses import StreamingResponse

from backend.core import spreadsheet
from backend.core.types import Text
from backend.core.web import Offset
from backend.identity.dependencies import ReplicaSessionDep, SessionDep, SettingsDep, require
from backend.identity.permissions import Permission
from backend.identity.service import Principal
from fires.incidents import exports, service
from fires.incidents.enums import (
    CAUSE_NAMES,
    PLACE_NAMES,
    STATE_NAMES,
    FireCause,
    IncidentAction,
    IncidentSource,
    IncidentState,
    PlaceCategory,
)
from fires.incidents.models import FireIncident
from fires.incidents.schemas import (
    AreaName,
    IncidentIn,
    IncidentOut,
    IncidentPatch,
    PublicIncident,
    WithdrawIn,
)

router = APIRouter(prefix="/api/v1/fire-incidents", tags=["fire incidents"])
premises_router = APIRouter(prefix="/api/v1/premises", tags=["fire incidents"])
public_router = APIRouter(prefix="/public", tags=["public disclosure"])

Reader = Annotated[Principal, Depends(require(Permission.READ_FIRE_INCIDENTS))]
Recorder = Annotated[Principal, Depends(require(Permission.RECORD_FIRE_INCIDENTS))]
_NOT_FOUND = {404: {"description": "No such fire incident, area or premises in your scope"}}
_TOTAL = {
    200: {
        "headers": {
            "X-Total-Count": {
                "description": "how many incidents match, all pages together",
                "schema": {"type": "integer"},
            }
        }
    }
}
# As the other public pages (measures' exposures): kept by browsers and proxies for a minute,
# so a withdrawn incident is gone from every copy within it.
PUBLIC_CACHE = "public, max-age=60"


def _area(labels: service.Labels, codes: list[str], depth: int) -> AreaName | None:
    if len(codes) <= depth:
        return None
    code, name = labels.areas.get(codes[depth], (codes[depth], ""))
    return AreaName(code=code, name=name)


def incidents_out(
    session: Session, principal: Principal, incidents: list[FireIncident]
) -> list[IncidentOut]:
    labels = service.labels_for(session, incidents)
    out = []
    for i in incidents:
        codes = service.path_codes(i.area_path)
        state, cause, place = (
            IncidentState(i.state),
            FireCause(i.cause),
            PlaceCategory(i.place_category),
        )
        premises = labels.premises.get(i.premises_id) if i.premises_id else None
        out.append(
            IncidentOut(
                id=i.id,
                state=state,
                state_name=STATE_NAMES[state],
                occurred_at=i.occurred_at,
                reported_at=i.reported_at,
                lng=i.lng,
                lat=i.lat,
                address=i.address,
                area_code=codes[-1] if codes else None,
                grid=_area(labels, codes, 3),
                township=_area(labels, codes, 1),
                county=_area(labels, codes, 0),
                premises_id=i.premises_id,
                premises_name=premises[0] if premises else None,
                cause=cause,
                cause_name=CAUSE_NAMES[cause],
                place_category=place,
                place_name=PLACE_NAMES[place],
                deaths=i.deaths,
                injuries=i.injuries,
                direct_loss_yuan=i.direct_loss_yuan,
                burned_area_m2=i.burned_area_m2,
                summary=i.summary,
                responders=i.responders,
                arrived_at=i.arrived_at,
                responding_unit=i.responding_unit,
                response_note=i.response_note,
                source=IncidentSource(i.source),
                alert_id=i.alert_id,
                recorded_at=i.recorded_at,
                recorded_by=i.recorded_by,
                confirmed_at=i.confirmed_at,
                published_at=i.published_at,
                withdrawn_at=i.withdrawn_at,
                withdrawal_reason=i.withdrawal_reason,
                version=i.version,
                actions=service.actions_for(principal, i),
            )
        )
    return out


def _one(session: Session, principal: Principal, incident: FireIncident) -> IncidentOut:
    return incidents_out(session, principal, [incident])[0]


class ListQuery:
    """The register's filters, shared by the list and its xlsx."""

    def __init__(
        self,
        township: Annotated[
            Text | None, Query(max_length=32, description="area code: a township (or any area)")
        ] = None,
        grid: Annotated[Text | None, Query(max_length=32, description="a grid's code")] = None,
        premises_id: uuid.UUID | None = None,
        occurred_from: Annotated[date | None, Query(description="on or after (Beijing)")] = None,
        occurred_to: Annotated[date | None, Query(description="on or before (Beijing)")] = None,
        cause: FireCause | None = None,
        state: IncidentState | None = None,
    ) -> None:
        self.where = service.IncidentFilter(
            township=township,
            grid=grid,
            premises_id=premises_id,
            occurred_from=occurred_from,
            occurred_to=occurred_to,
            cause=cause.value if cause else None,
            state=state.value if state else None,
        )


Filters = Annotated[ListQuery, Depends()]


@router.post("", response_model=IncidentOut, status_code=201, responses=_NOT_FOUND)
def record_incident(
    body: IncidentIn, principal: Recorder, session: SessionDep, settings: SettingsDep
) -> IncidentOut:
    """Record a fire (a draft): a point in your area, or a premises you see (its grid is the
    incident's). From a 一键报警 alert, name it in `alert_id`: an alert is recorded once."""
    return _one(session, principal, service.record(session, settings, principal, body))


@router.get("", response_model=list[IncidentOut], responses={**_NOT_FOUND, **_TOTAL})
def list_incidents(
    principal: Reader,
    session: SessionDep,
    response: Response,
    asked: Filters,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[IncidentOut]:
    """The fire incidents of your area, newest fire first, by township, grid, premises,
    period, cause and state."""
    query = service.query_in_scope(session, principal, asked.where)
    response.headers["X-Total-Count"] = str(service.count_in_scope(session, principal, asked.where))
    return incidents_out(
        session, principal, list(session.scalars(query.limit(limit).offset(offset)))
    )


@router.get(
    "/export.xlsx",
    response_class=StreamingResponse,
    responses={200: {"content": {spreadsheet.XLSX_MEDIA_TYPE: {}}}, **_NOT_FOUND},
)
def export_incidents(
    principal: Reader, session: ReplicaSessionDep, asked: Filters
) -> StreamingResponse:
    """火灾事故登记表: every incident the list shows for the same filters, as an Excel workbook."""
    return exports.register(session, service.query_in_scope(session, principal, asked.where))


@router.get("/{incident_id}", response_model=IncidentOut, responses=_NOT_FOUND)
def get_incident(incident_id: uuid.UUID, principal: Reader, session: SessionDep) -> IncidentOut:
    return _one(session, principal, service.get_visible(session, principal, incident_id))


@router.patch(
    "/{incident_id}",
    response_model=IncidentOut,
    responses={**_NOT_FOUND, 409: {"description": "Published or withdrawn, or a stale version"}},
)
def change_incident(
    incident_id: uuid.UUID,
    body: IncidentPatch,
    principal: Recorder,
    session: SessionDep,
    settings: SettingsDep,
) -> IncidentOut:
    """Correct a draft or confirmed incident (the fields given, on the `version` read)."""
    incident = service.change(session, settings, principal, incident_id, body)
    return _one(session, principal, incident)


@router.post("/{incident_id}/confirm", response_model=IncidentOut, responses=_NOT_FOUND)
def confirm_incident(
    incident_id: uuid.UUID, principal: Recorder, session: SessionDep
) -> IncidentOut:
    """核实: the record is checked (draft -> confirmed)."""
    incident = service.take_step(session, principal, incident_id, IncidentAction.CONFIRM)
    return _one(session, principal, incident)


@router.post("/{incident_id}/publish", response_model=IncidentOut, responses=_NOT_FOUND)
def publish_incident(
    incident_id: uuid.UUID, principal: Recorder, session: SessionDep
) -> IncidentOut:
    """公开: on the public list, masked (`GET /public/fire-incidents`); confirmed first."""
    incident = service.take_step(session, principal, incident_id, IncidentAction.PUBLISH)
    return _one(session, principal, incident)


@router.post("/{incident_id}/withdraw", response_model=IncidentOut, responses=_NOT_FOUND)
def withdraw_incident(
    incident_id: uuid.UUID, body: WithdrawIn, principal: Recorder, session: SessionDep
) -> IncidentOut:
    """撤回, with the reason: off the public list at once if it was on it; kept on record."""
    incident = service.take_step(
        session, principal, incident_id, IncidentAction.WITHDRAW, body.reason
    )
    return _one(session, principal, incident)


@premises_router.get(
    "/{premises_id}/fire-incidents", response_model=list[IncidentOut], responses=_NOT_FOUND
)
def premises_incidents(
    premises_id: uuid.UUID, principal: Reader, session: SessionDep
) -> list[IncidentOut]:
    """The premises' fires, newest first (its record's 火灾事故)."""
    where = service.IncidentFilter(premises_id=premises_id)
    query = service.query_in_scope(session, principal, where).limit(200)
    return incidents_out(session, principal, list(session.scalars(query)))


@public_router.get("/fire-incidents", response_model=list[PublicIncident], responses=_TOTAL)
def public_incidents(
    session: ReplicaSessionDep,
    response: Response,
    area: Annotated[
        Text | None, Query(max_length=32, description="a county's or township's code")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> list[PublicIncident]:
    """火灾事故公开 (Liuzhou #22): published fire incidents of a county or township, newest
    first, masked (decision 0056): the address to the street or village, a premises named only
    when it is a public gathering place, losses rounded; no person's name or phone."""
    found, total = service.public_incidents(session, area, limit, offset)
    response.headers["Cache-Control"] = PUBLIC_CACHE
    response.headers["X-Total-Count"] = str(total)
    return [
        PublicIncident(
            **{k: v for k, v in row.items() if k not in ("place_category", "cause")},
            place_name=PLACE_NAMES[PlaceCategory(row["place_category"])],
            cause_name=CAUSE_NAMES[FireCause(row["cause"])],
        )
        for row in found
    ]
