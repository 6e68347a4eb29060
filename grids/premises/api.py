"""The premises registry over HTTP. Thin: rules live in grids.premises.service."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from backend.core import sheets as sheet_files
from backend.core.privacy import mask_phone
from backend.core.types import Text
from backend.core.web import Offset, import_refused
from backend.identity.dependencies import CurrentPrincipal, SessionDep, require
from backend.identity.permissions import Permission
from backend.identity.service import Principal
from grids.crs import from_wgs84
from grids.enums import Crs, RouteStatus
from grids.premises import importing, service, sheets
from grids.premises.enums import CreditStatus, PremisesType, RiskLevel
from grids.premises.models import Premises
from grids.premises.schemas import (
    ImportReport,
    PremisesHistoryEntry,
    PremisesIn,
    PremisesOut,
    PremisesPatch,
    UnitRef,
)
from grids.schemas import parse_bbox
from grids.units import service as units

router = APIRouter(prefix="/api/v1/premises", tags=["premises"])

Registrar = Annotated[Principal, Depends(require(Permission.REGISTER_PREMISES))]
Editor = Annotated[Principal, Depends(require(Permission.EDIT_PREMISES))]
_NOT_FOUND = {404: {"description": "No such premises in your scope"}}


def premises_out(
    premises: Premises,
    area_code: str | None,
    answer_crs: Crs | None = None,
    unit_names: dict[uuid.UUID, str] | None = None,
) -> PremisesOut:
    """Coordinates as entered, or converted from the stored WGS-84 into `answer_crs`; its
    unit named from `unit_names` (`units.summaries`), or read when not given."""
    if unit_names is None:
        unit_names = units.summaries(Session.object_session(premises), {premises.unit_id})
    unit = (
        UnitRef(id=premises.unit_id, name=unit_names[premises.unit_id])
        if premises.unit_id in unit_names
        else None
    )
    if answer_crs is None:
        lng, lat, crs = premises.raw_lng, premises.raw_lat, premises.raw_crs
    else:
        (lng, lat), crs = from_wgs84(premises.lng, premises.lat, answer_crs), answer_crs
    return PremisesOut(
        id=premises.id,
        name=premises.name,
        uscc=premises.uscc,
        external_ref=premises.external_ref,
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
        unit=unit,
        version=premises.version,
        updated_at=premises.updated_at,
    )


@router.get(
    "",
    response_model=list[PremisesOut],
    responses={
        200: {
            "headers": {
                "X-Total-Count": {
                    "description": "how many premises match, all pages together",
                    "schema": {"type": "integer"},
                }
            }
        }
    },
)
def list_premises(
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    area: Annotated[
        Text | None, Query(max_length=32, description="area code: this area and below")
    ] = None,
    premises_type: PremisesType | None = None,
    risk_level: RiskLevel | None = None,
    bbox: Annotated[
        Text | None, Query(max_length=120, description="min_lng,min_lat,max_lng,max_lat")
    ] = None,
    q: Annotated[
        Text | None,
        Query(max_length=100, description="part of the name or of the unified social credit code"),
    ] = None,
    credit_status: CreditStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
    answer_crs: Annotated[
        Crs | None, Query(description="coordinates in this CRS; default: as entered")
    ] = None,
) -> list[PremisesOut]:
    """Premises in your scope, by name; `X-Total-Count` says how many match (the blacklist:
    `credit_status=blacklist`)."""
    where = service.PremisesFilter(
        area_code=area,
        premises_type=premises_type.value if premises_type else None,
        risk_level=risk_level.value if risk_level else None,
        bbox=parse_bbox(bbox),
        text=q,
        credit_status=credit_status.value if credit_status else None,
    )
    response.headers["X-Total-Count"] = str(service.count_in_scope(session, principal, where))
    rows = session.execute(
        service.query_in_scope(session, principal, where).limit(limit).offset(offset)
    ).all()
    names = units.summaries(session, {p.unit_id for p, _ in rows if p.unit_id})
    return [premises_out(premises, code, answer_crs, names) for premises, code in rows]


@router.post("", response_model=PremisesOut, status_code=201)
def create_premises(body: PremisesIn, principal: Registrar, session: SessionDep) -> PremisesOut:
    """Register premises; the location (in `crs`) routes them to their grid."""
    premises = service.create(session, principal, body)
    return premises_out(premises, service.area_code_of(session, premises))


@router.post(
    "/import",
    response_model=ImportReport,
    responses={
        413: {"description": "The file, or the workbook unpacked, is too large"},
        415: {"description": "Neither UTF-8 nor GB18030 text, nor an xlsx workbook"},
        422: {
            "description": "A refused line (the same report, as a problem): nothing imported; "
            "or a damaged workbook, or too many rows"
        },
    },
    openapi_extra=sheet_files.SHEET_BODY,
)
async def import_premises(
    request: Request,
    principal: Editor,
    session: SessionDep,
    crs: Annotated[Crs, Query(description="of lines whose 坐标系 (crs) cell is empty")] = Crs.WGS84,
    preview: Annotated[bool, Query(description="judge every line, write nothing")] = False,
    encoding: Annotated[
        sheet_files.Encoding | None,
        Query(description="of a CSV; default: UTF-8 when it decodes as such, else GB18030"),
    ] = None,
) -> JSONResponse:
    """A sheet of premises, CSV (UTF-8 or GB18030) or xlsx, with a header row naming the
    fields of a premises in English (see the POST body) or Chinese (see the template). A line
    matching existing premises by `external_ref` or `uscc` updates them; the answer says, line
    by line, what was created, updated, left unchanged or refused. Written only when no line is
    refused: otherwise 422 with the same report."""
    body = await request.body()  # at most FIREGRID_IMPORT_MAX_BYTES
    sheet = await run_in_threadpool(
        sheet_files.read_sheet,
        body,
        content_type=request.headers.get("content-type", ""),
        encoding=encoding,
    )
    # The import is blocking database work: off the event loop.
    report = await run_in_threadpool(
        importing.import_sheet, session, principal, sheet, crs, preview=preview
    )
    answer = sheet_files.report_in_reader_language(report).model_dump(mode="json")
    if report.refused and not preview:
        session.rollback()
        return import_refused(report, answer)
    return JSONResponse(answer)


@router.get(
    "/import-template.xlsx",
    response_class=Response,
    responses={200: {"content": {sheet_files.XLSX_TYPE: {}}, "description": "the workbook"}},
)
def import_template(principal: Editor) -> Response:
    """A workbook to fill in: the Chinese headers, an example line, and notes on each column."""
    return Response(
        sheets.template_xlsx(),
        media_type=sheet_files.XLSX_TYPE,
        headers={
            "Content-Disposition": 'attachment; filename="premises-import.xlsx"; '
            "filename*=UTF-8''%E5%9C%BA%E6%89%80%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"
        },
    )


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


@router.get(
    "/{premises_id}/history", response_model=list[PremisesHistoryEntry], responses=_NOT_FOUND
)
def premises_history(
    premises_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> list[PremisesHistoryEntry]:
    """Every change of the premises, oldest first, from the audit log: registration, edits,
    imports, rerouting and its credit; who made it by name for those who may see people."""
    return [
        PremisesHistoryEntry(
            at=step.event.occurred_at,
            action=step.event.action,
            actor_role=step.event.actor_role,
            actor_name=step.actor_name,
            before=step.before,
            after=step.after,
        )
        for step in service.history(session, principal, premises_id)
    ]


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
