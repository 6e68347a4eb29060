"""Measures against units over HTTP. Thin: rules live in measures.service."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from backend.core import documents
from backend.core.media_responses import file_response
from backend.core.web import Offset
from backend.identity.dependencies import ReplicaSessionDep, SessionDep, SettingsDep, require
from backend.identity.permissions import Permission
from backend.identity.service import Principal
from grids.units import service as units_service
from measures import service
from measures.enums import KIND_NAMES, MeasureKind, MeasureState
from measures.models import Measure
from measures.schemas import (
    Attendee,
    DocumentOut,
    MeasureIn,
    MeasureOut,
    MeasurePremises,
    Officer,
    PublicExposure,
    WithdrawIn,
)

units_router = APIRouter(prefix="/api/v1/units", tags=["measures"])
router = APIRouter(prefix="/api/v1/measures", tags=["measures"])
public_router = APIRouter(prefix="/public", tags=["public disclosure"])

Reader = Annotated[Principal, Depends(require(Permission.READ_MEASURES))]
Recorder = Annotated[Principal, Depends(require(Permission.RECORD_MEASURES))]
_NOT_FOUND = {404: {"description": "No such unit or measure in your scope"}}
# Public reads may be kept by browsers and proxies for a minute: a withdrawn exposure is gone
# from every copy within it.
PUBLIC_CACHE = "public, max-age=60"


def measures_out(session: Session, measures: list[Measure]) -> list[MeasureOut]:
    names = service.officers_of(session, measures)
    places = service.premises_of(session, measures)
    units = units_service.summaries(session, {m.unit_id for m in measures})
    out = []
    for m in measures:
        kind = MeasureKind(m.kind)
        premises = places.get(m.premises_id) if m.premises_id else None
        out.append(
            MeasureOut(
                id=m.id,
                unit_id=m.unit_id,
                unit_name=units.get(m.unit_id, ""),
                kind=kind,
                kind_name=KIND_NAMES[kind],
                rank=kind.rank,
                state=MeasureState(m.state),
                held_on=m.held_on,
                place=m.place,
                premises=MeasurePremises(
                    id=premises.id, name=premises.name, address=premises.address
                )
                if premises
                else None,
                attendees=[Attendee(**a) for a in m.attendees],
                findings=m.findings,
                outcome=m.outcome,
                hazard_ids=[uuid.UUID(h) for h in m.hazard_ids],
                follows_id=m.follows_id,
                officers=[
                    Officer(id=i, name=names.get(i, ""))
                    for i in (m.officer_id, m.second_officer_id)
                    if i is not None
                ],
                public_findings=m.public_findings,
                document=DocumentOut(
                    sha256=m.document_sha256,
                    mime=m.document_mime,
                    size=m.document_size,
                    uploaded_at=m.document_at,
                )
                if m.document_sha256
                else None,
                recorded_at=m.recorded_at,
                withdrawn_at=m.withdrawn_at,
                withdrawal_reason=m.withdrawal_reason,
            )
        )
    return out


@units_router.post(
    "/{unit_id}/measures", response_model=MeasureOut, status_code=201, responses=_NOT_FOUND
)
def record_measure(
    unit_id: uuid.UUID,
    body: MeasureIn,
    principal: Recorder,
    session: SessionDep,
    settings: SettingsDep,
) -> MeasureOut:
    """Record a measure 提醒/约谈/告诫/曝光 against the unit: a certified officer, and for all
    but a reminder a second one (`second_officer_id`, 双人执法). Then upload its signed record
    (`POST /api/v1/measures/{id}/document`)."""
    measure = service.record(session, settings, principal, unit_id, body)
    return measures_out(session, [measure])[0]


@units_router.get("/{unit_id}/officers", response_model=list[Officer], responses=_NOT_FOUND)
def second_officers(unit_id: uuid.UUID, principal: Recorder, session: SessionDep) -> list[Officer]:
    """Whom you may name as the second officer (双人执法) of a measure against the unit: active
    officers certified today who see the unit, of your own area or above it."""
    return [
        Officer(id=u.id, name=u.display_name)
        for u in service.second_officers(session, principal, unit_id)
    ]


@units_router.get("/{unit_id}/measures", response_model=list[MeasureOut], responses=_NOT_FOUND)
def unit_measures(unit_id: uuid.UUID, principal: Reader, session: SessionDep) -> list[MeasureOut]:
    """The unit's record: every measure against it, newest first."""
    return measures_out(session, service.of_unit(session, principal, unit_id))


@router.get(
    "",
    response_model=list[MeasureOut],
    responses={
        200: {
            "headers": {
                "X-Total-Count": {
                    "description": "how many measures match, all pages together",
                    "schema": {"type": "integer"},
                }
            }
        }
    },
)
def list_measures(
    principal: Reader,
    session: SessionDep,
    response: Response,
    kind: MeasureKind | None = None,
    held_from: Annotated[date | None, Query(description="taken on or after (Beijing)")] = None,
    held_to: Annotated[date | None, Query(description="taken on or before (Beijing)")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[MeasureOut]:
    """The measures against units you see, newest first, by kind and day."""
    where = service.MeasureFilter(kind=kind, held_from=held_from, held_to=held_to)
    response.headers["X-Total-Count"] = str(service.count_in_scope(session, principal, where))
    found = session.scalars(
        service.query_in_scope(session, principal, where).limit(limit).offset(offset)
    )
    return measures_out(session, list(found))


@router.get("/{measure_id}", response_model=MeasureOut, responses=_NOT_FOUND)
def get_measure(measure_id: uuid.UUID, principal: Reader, session: SessionDep) -> MeasureOut:
    return measures_out(session, [service.get_visible(session, principal, measure_id)])[0]


@router.post(
    "/{measure_id}/document",
    response_model=MeasureOut,
    status_code=201,
    openapi_extra=documents.OPENAPI_BODY,
    responses={
        **_NOT_FOUND,
        409: {"description": "It has its signed record already"},
        **documents.REFUSALS,
    },
)
async def attach_document(
    measure_id: uuid.UUID,
    request: Request,
    principal: Recorder,
    session: SessionDep,
    settings: SettingsDep,
) -> MeasureOut:
    """The signed record (the raw PDF or photo as the body, with its Content-Type); once."""
    data = await request.body()
    content_type = request.headers.get("content-type", "")

    def attach() -> MeasureOut:
        measure = service.attach_document(
            session, settings, principal, measure_id, data, content_type
        )
        return measures_out(session, [measure])[0]

    return await run_in_threadpool(attach)


@router.get("/{measure_id}/document", responses=_NOT_FOUND)
def get_document(
    measure_id: uuid.UUID, principal: Reader, session: SessionDep, settings: SettingsDep
) -> Response:
    """The signed record as uploaded (a PDF, or the photo's original)."""
    where, mime = service.document_file(session, settings, principal, measure_id)
    return file_response(where, mime, {"Cache-Control": "private, no-store"})


@router.post("/{measure_id}/withdraw", response_model=MeasureOut, responses=_NOT_FOUND)
def withdraw_measure(
    measure_id: uuid.UUID,
    body: WithdrawIn,
    principal: Recorder,
    session: SessionDep,
    settings: SettingsDep,
) -> MeasureOut:
    """Withdraw an exposure: off the public pages at once, kept on the unit's record."""
    measure = service.withdraw(session, settings, principal, measure_id, body)
    return measures_out(session, [measure])[0]


@public_router.get("/exposures", response_model=list[PublicExposure])
def public_exposures(
    session: ReplicaSessionDep,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> list[PublicExposure]:
    """曝光: units exposed for what was found, newest first. The unit's name, the premises'
    address, what was found (personal numbers and known names masked), the day; never a
    person's name or phone. A withdrawn exposure is not listed."""
    response.headers["Cache-Control"] = PUBLIC_CACHE
    return [
        PublicExposure(
            id=e.measure.id,
            unit_name=e.unit_name,
            address=e.address,
            findings=e.measure.public_findings or "",
            held_on=e.measure.held_on,
        )
        for e in service.public_exposures(session, limit, offset)
    ]
