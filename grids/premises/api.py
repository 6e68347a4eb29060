"""The premises registry over HTTP. Thin: rules live in grids.premises.service."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from backend.core.privacy import mask_phone
from backend.core.types import Text
from backend.core.web import Offset, problem_response
from backend.identity.dependencies import CurrentPrincipal, SessionDep, require
from backend.identity.permissions import Permission
from backend.identity.service import Principal
from grids.crs import from_wgs84
from grids.enums import Crs, RouteStatus
from grids.premises import service
from grids.premises.enums import PremisesType, RiskLevel
from grids.premises.models import Premises
from grids.premises.schemas import ImportReport, PremisesIn, PremisesOut, PremisesPatch
from grids.schemas import parse_bbox

router = APIRouter(prefix="/api/v1/premises", tags=["premises"])

Registrar = Annotated[Principal, Depends(require(Permission.REGISTER_PREMISES))]
Editor = Annotated[Principal, Depends(require(Permission.EDIT_PREMISES))]
_NOT_FOUND = {404: {"description": "No such premises in your scope"}}


def premises_out(
    premises: Premises, area_code: str | None, answer_crs: Crs | None = None
) -> PremisesOut:
    """Coordinates as entered, or converted from the stored WGS-84 into `answer_crs`."""
    if answer_crs is None:
        lng, lat, crs = premises.raw_lng, premises.raw_lat, premises.raw_crs
    else:
        (lng, lat), crs = from_wgs84(premises.lng, premises.lat, answer_crs), answer_crs
    return PremisesOut(
        id=premises.id,
        name=premises.name,
        uscc=premises.uscc,
        individual_business=premises.individual_business,
        premises_type=premises.premises_type,
        risk_level=premises.risk_level,
        supervision_tier=premises.supervision_tier,
        key_unit=premises.key_unit,
        address=premises.address,
        lng=lng,
        lat=lat,
        crs=crs,
        area_code=area_code,
        route_status=RouteStatus(premises.route_status),
        contact_name=premises.contact_name,
        contact_phone=mask_phone(premises.contact_phone),
        credit_status=premises.credit_status,
        version=premises.version,
        updated_at=premises.updated_at,
    )


@router.get("", response_model=list[PremisesOut])
def list_premises(
    principal: CurrentPrincipal,
    session: SessionDep,
    area: Annotated[
        Text | None, Query(max_length=32, description="area code: this area and below")
    ] = None,
    premises_type: PremisesType | None = None,
    risk_level: RiskLevel | None = None,
    bbox: Annotated[
        Text | None, Query(max_length=120, description="min_lng,min_lat,max_lng,max_lat")
    ] = None,
    q: Annotated[Text | None, Query(max_length=100, description="part of the name")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
    answer_crs: Annotated[
        Crs | None, Query(description="coordinates in this CRS; default: as entered")
    ] = None,
) -> list[PremisesOut]:
    """Premises in your scope, by name."""
    where = service.PremisesFilter(
        area_code=area,
        premises_type=premises_type.value if premises_type else None,
        risk_level=risk_level.value if risk_level else None,
        bbox=parse_bbox(bbox),
        text=q,
    )
    rows = session.execute(
        service.query_in_scope(session, principal, where).limit(limit).offset(offset)
    )
    return [premises_out(premises, code, answer_crs) for premises, code in rows]


@router.post("", response_model=PremisesOut, status_code=201)
def create_premises(body: PremisesIn, principal: Registrar, session: SessionDep) -> PremisesOut:
    """Register premises; the location (in `crs`) routes them to their grid."""
    premises = service.create(session, principal, body)
    return premises_out(premises, service.area_code_of(session, premises))


@router.post(
    "/import",
    response_model=ImportReport,
    responses={422: {"description": "Every bad row, with its line number; nothing imported"}},
    openapi_extra={
        "requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}
    },
)
async def import_premises(
    request: Request, principal: Editor, session: SessionDep, crs: Crs = Crs.WGS84
) -> JSONResponse:
    """CSV with a header row naming the fields of a premises (see the POST body); all or
    nothing."""
    body = await request.body()  # at most FIREGRID_MAX_BODY_BYTES (1 MiB, ~5,000 rows)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return problem_response(415, "the CSV must be UTF-8 text", slug="not-utf8")
    # The import is blocking database work: off the event loop.
    imported, problems = await run_in_threadpool(service.import_csv, session, principal, text, crs)
    if problems:
        session.rollback()
        return problem_response(
            422,
            f"{len(problems)} problem(s); nothing imported",
            slug="import-refused",
            problems=[p.model_dump() for p in problems],
        )
    return JSONResponse(ImportReport(imported=imported, problems=[]).model_dump())


@router.get("/{premises_id}", response_model=PremisesOut, responses=_NOT_FOUND)
def get_premises(
    premises_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    answer_crs: Annotated[
        Crs | None, Query(description="coordinates in this CRS; default: as entered")
    ] = None,
) -> PremisesOut:
    premises = service.in_scope(session, principal, premises_id)
    return premises_out(premises, service.area_code_of(session, premises), answer_crs)


@router.patch("/{premises_id}", response_model=PremisesOut, responses=_NOT_FOUND)
def change_premises(
    premises_id: uuid.UUID, body: PremisesPatch, principal: Editor, session: SessionDep
) -> PremisesOut:
    premises = service.change(session, principal, premises_id, body)
    return premises_out(premises, service.area_code_of(session, premises))


@router.delete("/{premises_id}", status_code=204, responses=_NOT_FOUND)
def archive_premises(premises_id: uuid.UUID, principal: Editor, session: SessionDep) -> Response:
    service.archive(session, principal, premises_id)
    return Response(status_code=204)
