"""Credit records over HTTP. Thin: rules live in hazards.credit.service and rules."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import StreamingResponse

from backend.core import spreadsheet
from backend.core.types import Text
from backend.core.web import Offset
from backend.identity.dependencies import CurrentPrincipal, SessionDep, SettingsDep, require
from backend.identity.permissions import Permission
from backend.identity.service import Principal
from grids.premises.enums import CreditStatus
from grids.scope import area_in_scope
from hazards.credit import exports, service
from hazards.credit.enums import AppealState, CreditRecordKind, CreditRecordStanding
from hazards.credit.models import CreditAppeal, CreditRecord
from hazards.credit.rules import CreditRules
from hazards.credit.schemas import (
    AppealIn,
    AppealOut,
    CreditOut,
    DecisionIn,
    LedgerRecordOut,
    RecordIn,
    RecordOut,
)

Reader = Annotated[Principal, Depends(require(Permission.READ_CREDIT))]

premises_router = APIRouter(prefix="/api/v1/premises", tags=["credit"])
router = APIRouter(prefix="/api/v1/credit", tags=["credit"])
_NOT_FOUND = {404: {"description": "Not found in your area"}}


def record_out(record: CreditRecord, settings) -> RecordOut:
    return RecordOut(
        id=record.id,
        kind=record.kind,
        severity=record.severity,
        hazard_id=record.hazard_id,
        note=record.note,
        standing=record.standing,
        recorded_at=record.recorded_at,
        repairable_from=service.repairable_from(record, settings),
    )


def appeal_out(appeal: CreditAppeal, principal: Principal) -> AppealOut:
    return AppealOut(
        id=appeal.id,
        record_id=appeal.record_id,
        premises_id=appeal.premises_id,
        kind=appeal.kind,
        state=appeal.state,
        statement=appeal.statement,
        obligations_met=appeal.obligations_met,
        filed_at=appeal.filed_at,
        decided_at=appeal.decided_at,
        decision_note=appeal.decision_note,
        may_decide=service.may_decide(principal, appeal),
    )


@premises_router.get("/{premises_id}/credit", response_model=CreditOut, responses=_NOT_FOUND)
def get_credit(
    premises_id: uuid.UUID, principal: Reader, session: SessionDep, settings: SettingsDep
) -> CreditOut:
    """A unit's credit status, why, its record (repaired and annulled entries included) and
    its appeals."""
    view = service.credit_of(session, principal, premises_id)
    standing = view.standing
    return CreditOut(
        premises_id=view.premises.id,
        status=CreditStatus(view.premises.credit_status),
        reasons=standing.reasons if standing else [],
        rules_version=standing.rules_version if standing else service.rules(settings).version,
        assessed_at=standing.assessed_at if standing else None,
        records=[record_out(r, settings) for r in view.records],
        appeals=[appeal_out(a, principal) for a in view.appeals],
        may_record=service.may_record(principal),
        may_appeal=service.may_file(principal),
    )


@premises_router.post(
    "/{premises_id}/credit/records",
    response_model=RecordOut,
    status_code=201,
    responses=_NOT_FOUND,
)
def add_credit_record(
    premises_id: uuid.UUID,
    body: RecordIn,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> RecordOut:
    """An officer's entry (certificate required): a refusal to rectify, an ignored stop order,
    an order to stop business, a false commitment, or a commendation."""
    return record_out(
        service.record_by_officer(session, principal, premises_id, body, settings), settings
    )


@router.get("/rules", response_model=CreditRules)
def credit_rules(principal: Reader, settings: SettingsDep) -> CreditRules:
    """The rule set in force: what leads to the blacklist, watch and the red list, and when a
    record may be repaired."""
    return service.rules(settings)


def record_list_query(
    principal: Reader,
    session: SessionDep,
    area: Annotated[
        Text | None, Query(max_length=32, description="area code: units in it and below")
    ] = None,
    premises_id: uuid.UUID | None = None,
    kind: CreditRecordKind | None = None,
    standing: CreditRecordStanding | None = None,
    recorded_from: Annotated[
        date | None, Query(description="recorded on or after this day (Beijing time)")
    ] = None,
    recorded_to: Annotated[
        date | None, Query(description="recorded on or before this day (Beijing time)")
    ] = None,
) -> service.RecordFilter:
    """The filters of the list of credit records, read once for the list and its export."""
    return service.RecordFilter(
        area_path=area_in_scope(session, principal, area).path if area else None,
        premises_id=premises_id,
        kind=kind,
        standing=standing,
        recorded_from=recorded_from,
        recorded_to=recorded_to,
    )


RecordListQuery = Annotated[service.RecordFilter, Depends(record_list_query)]


@router.get(
    "/records",
    response_model=list[LedgerRecordOut],
    responses={
        200: {
            "headers": {
                "X-Total-Count": {
                    "description": "how many entries match the filters, all pages together",
                    "schema": {"type": "integer"},
                }
            }
        }
    },
)
def list_records(
    principal: Reader,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    where: RecordListQuery,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[LedgerRecordOut]:
    """Entries of the credit records of units in your area, newest first, each with its unit
    (name, credit code, status now, area); repaired and annulled ones included."""
    query = service.records_in_scope(session, principal, where)
    rows = session.execute(query.limit(limit).offset(offset)).all()
    response.headers["X-Total-Count"] = str(service.count_of(session, query))
    return [
        LedgerRecordOut(
            **record_out(row[0], settings).model_dump(),
            premises_id=row[0].premises_id,
            premises_name=row.premises_name,
            uscc=row.uscc,
            credit_status=CreditStatus(row.credit_status),
            area_code=row.area_code,
            area_name=row.area_name,
        )
        for row in rows
    ]


@router.get(
    "/records/export.xlsx",
    response_class=StreamingResponse,
    responses={200: {"content": {spreadsheet.XLSX_MEDIA_TYPE: {}}}},
)
def export_records(
    principal: Reader, session: SessionDep, settings: SettingsDep, where: RecordListQuery
) -> StreamingResponse:
    """信用记录台账: every entry the list would show for the same filters, in its order, as an
    Excel workbook (docs/exports.md)."""
    return exports.records_workbook(session, principal, where, settings)


@router.get("/appeals", response_model=list[AppealOut])
def list_appeals(
    principal: Reader,
    session: SessionDep,
    state: AppealState | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[AppealOut]:
    """Repair requests and objections for units in your area, oldest first."""
    return [
        appeal_out(a, principal)
        for a in service.appeals_in_scope(session, principal, state, limit, offset)
    ]


@router.post("/appeals", response_model=AppealOut, status_code=201, responses=_NOT_FOUND)
def file_appeal(
    body: AppealIn, principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> AppealOut:
    """File a repair request (信用修复) or an objection (异议申诉) on a unit's behalf. A repair
    that is not yet possible is refused (409) with what is missing and from when."""
    return appeal_out(service.file_appeal(session, principal, body, settings), principal)


@router.post("/appeals/{appeal_id}/decision", response_model=AppealOut, responses=_NOT_FOUND)
def decide_appeal(
    appeal_id: uuid.UUID,
    body: DecisionIn,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> AppealOut:
    """Another certified officer approves or rejects; approval repairs or annuls the record
    and the unit's status is reassessed at once."""
    return appeal_out(
        service.decide_appeal(session, principal, appeal_id, body, settings), principal
    )
