"""Hazards over HTTP. Thin: rules live in hazards.reporting, hazards.acting, hazards.reading
and hazards.lifecycle."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import (
    FileResponse,
    JSONResponse,
    Response,
    StreamingResponse,
)
from starlette.concurrency import run_in_threadpool

from backend.core import spreadsheet
from backend.core.db import utcnow
from backend.core.media_responses import file_response
from backend.core.types import Text
from backend.core.web import IMAGE_BODY, Offset
from backend.identity.dependencies import (
    CurrentPrincipal,
    ReplicaSessionDep,
    SessionDep,
    SettingsDep,
)
from backend.identity.service import Principal
from grids.enums import RouteStatus
from grids.scope import area_in_scope
from hazards import acting, exports, extensions, photos, reading, reporting
from hazards.available import Available, available_to
from hazards.enums import (
    EscalationLevel,
    ExtensionState,
    HazardAction,
    HazardCategory,
    HazardSource,
    HazardState,
    Severity,
)
from hazards.models import Hazard
from hazards.photos import PhotoKind, Variant
from hazards.schemas import (
    ActionIn,
    AreaCounts,
    ExtensionDecisionIn,
    ExtensionHazard,
    ExtensionQueueItem,
    ExtensionRequestOut,
    HazardOut,
    HazardReport,
    HazardTimelineEntry,
    PendingApprovalOut,
    PendingDecisionOut,
    PhotoOut,
    StepNeedsOut,
)

router = APIRouter(prefix="/api/v1/hazards", tags=["hazards"])
_NOT_FOUND = {404: {"description": "No such hazard visible to you"}}


def hazard_out(session, principal: Principal, hazard: Hazard) -> HazardOut:
    return hazards_out(session, principal, [hazard])[0]


def hazards_out(session, principal: Principal, hazards: list[Hazard]) -> list[HazardOut]:
    """Hazards as this caller sees them: `duplicate_of` and `possible_duplicate_of` only when
    the caller may see the hazard they name."""
    labels = reading.labels_for(session, hazards, principal)
    shown = reading.visible_among(
        session,
        principal,
        [h.duplicate_of_id for h in hazards] + [h.possible_duplicate_of_id for h in hazards],
    )
    available = available_to(session, principal, hazards)
    return [_out(h, labels[h.id], shown, available[h.id]) for h in hazards]


def _out(
    hazard: Hazard, labels: reading.Labels, shown: set[uuid.UUID], available: Available
) -> HazardOut:
    state = HazardState(hazard.state)
    holder = labels.holder
    return HazardOut(
        id=hazard.id,
        source=hazard.source,
        category=hazard.category,
        severity=hazard.severity,
        state=state,
        is_open=hazard.is_open,
        closed_at=hazard.closed_at,
        description=hazard.description,
        lng=hazard.raw_lng,
        lat=hazard.raw_lat,
        crs=hazard.raw_crs,
        area_code=labels.area_code,
        area_name=labels.area_name,
        route_status=RouteStatus(hazard.route_status),
        outside_own_grids=hazard.outside_own_grids,
        premises_id=hazard.premises_id,
        premises_name=labels.premises_name,
        reporter=labels.reporter,
        handler_kind=holder.kind if holder else None,
        handler_id=holder.user_id if holder else None,
        handler_name=holder.display_name if holder else None,
        duplicate_of=hazard.duplicate_of_id if hazard.duplicate_of_id in shown else None,
        possible_duplicate_of=(
            hazard.possible_duplicate_of_id if hazard.possible_duplicate_of_id in shown else None
        ),
        reported_at=hazard.reported_at,
        device_time=hazard.device_time,
        level=hazard.level,
        level_due_at=hazard.level_due_at,
        overdue=bool(hazard.is_open and hazard.level_due_at and hazard.level_due_at <= utcnow()),
        rectification_deadline=hazard.rectification_deadline,
        failed_rechecks=hazard.failed_rechecks,
        listing_level=hazard.listing_level,
        version=hazard.version,
        next_actions=available.actions,
        step_needs={
            row.action: StepNeedsOut(fields=list(row.needs), approvers=row.approvers)
            for row in available.steps
        },
        pending_approvals=[
            PendingApprovalOut(
                action=w.action,
                approvals=w.approvals,
                required=w.required,
                approved_by_me=w.approved_by_me,
            )
            for w in available.waiting
        ],
    )


@router.post(
    "",
    response_model=HazardOut,
    status_code=201,
    responses={200: {"description": "Already recorded"}},
)
def report_hazard(
    body: HazardReport, principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> JSONResponse:
    """Report a hazard where it was seen (routed to its grid). Re-sending the same `id` from an
    offline device returns the hazard already recorded (200) instead of a second one."""
    hazard, created = reporting.report(session, principal, body, settings)
    out = hazard_out(session, principal, hazard)
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if created else 200)


@dataclass(frozen=True)
class HazardListQuery:
    """What a list of hazards asks for: its filters and its order. The list and its export
    read the same query parameters through `hazard_list_query`, so they always agree."""

    where: reading.QueueFilter
    sort: reading.QueueSort


def hazard_list_query(
    principal: CurrentPrincipal,
    session: SessionDep,
    queue: Annotated[bool, Query(description="only what waits at my level (my queue)")] = False,
    state: HazardState | None = None,
    severity: Severity | None = None,
    category: HazardCategory | None = None,
    source: HazardSource | None = None,
    level: Annotated[
        int | None,
        Query(
            ge=EscalationLevel.GRID,
            le=EscalationLevel.GOVERNMENT,
            description="who holds it: 0 grid, 1 village, 2 township, 3 county, 4 government",
        ),
    ] = None,
    reported_from: Annotated[
        date | None, Query(description="reported on or after this day (Beijing time)")
    ] = None,
    reported_to: Annotated[
        date | None, Query(description="reported on or before this day (Beijing time)")
    ] = None,
    area: Annotated[
        Text | None, Query(max_length=32, description="area code: it and below")
    ] = None,
    premises_id: uuid.UUID | None = None,
    overdue: bool | None = None,
    outside_own_grids: Annotated[
        bool | None,
        Query(description="reported by a grid worker or leader outside their own grids"),
    ] = None,
    include_closed: bool = False,
    sort: Annotated[
        reading.QueueSort,
        Query(description="order; `-` reverses. Default: overdue first, then by when due"),
    ] = reading.QueueSort.OVERDUE_FIRST,
) -> HazardListQuery:
    area_path = area_in_scope(session, principal, area).path if area else None
    where = reading.QueueFilter(
        mine=queue,
        state=state.value if state else None,
        severity=severity.value if severity else None,
        category=category.value if category else None,
        area_path=area_path,
        premises_id=premises_id,
        overdue=overdue,
        outside_own_grids=outside_own_grids,
        open_only=not include_closed,
        source=source.value if source else None,
        level=level,
        reported_from=reported_from,
        reported_to=reported_to,
    )
    return HazardListQuery(where, sort)


ListQuery = Annotated[HazardListQuery, Depends(hazard_list_query)]


@router.get(
    "",
    response_model=list[HazardOut],
    responses={
        200: {
            "headers": {
                "X-Total-Count": {
                    "description": "how many hazards match the filters, all pages together",
                    "schema": {"type": "integer"},
                }
            }
        }
    },
)
def list_hazards(
    principal: CurrentPrincipal,
    session: ReplicaSessionDep,
    response: Response,
    asked: ListQuery,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[HazardOut]:
    """Hazards you may see, overdue first (or as `sort` says), with the names beside the ids;
    `X-Total-Count` says how many match, all pages together."""
    query = reading.queue(session, principal, asked.where, asked.sort)
    hazards = list(session.scalars(query.limit(limit).offset(offset)))
    response.headers["X-Total-Count"] = str(
        reading.page_total(session, query, len(hazards), limit, offset)
    )
    return hazards_out(session, principal, hazards)


@router.get(
    "/export.xlsx",
    response_class=StreamingResponse,
    responses={200: {"content": {spreadsheet.XLSX_MEDIA_TYPE: {}}}},
)
def export_hazards(
    principal: CurrentPrincipal, session: ReplicaSessionDep, asked: ListQuery
) -> StreamingResponse:
    """隐患台账: every hazard the list would show for the same filters, in the same order, one
    row per hazard, as an Excel workbook (docs/exports.md)."""
    return exports.ledger(session, principal, asked.where, asked.sort)


@router.get("/counts", response_model=list[AreaCounts])
def hazard_counts(
    principal: CurrentPrincipal,
    session: ReplicaSessionDep,
    area: Annotated[Text, Query(max_length=32, description="area code: counts per child area")],
) -> list[AreaCounts]:
    """Open, overdue, closed in the grid and escalated, per child of an area in your scope."""
    parent = area_in_scope(session, principal, area)
    return [AreaCounts(**vars(c)) for c in reading.counts_by_child(session, parent)]


@router.get(
    "/extension-requests",
    response_model=list[ExtensionQueueItem],
    responses={
        200: {
            "headers": {
                "X-Total-Count": {
                    "description": "how many requests match, all pages together",
                    "schema": {"type": "integer"},
                }
            }
        }
    },
)
def extension_queue(
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    state: ExtensionState | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[ExtensionQueueItem]:
    """延期申请: units' requests for more time on the hazards of your area, for those who decide
    them; `state=pending` those waiting, the longest waiting first."""
    query = extensions.queue(session, principal, state)
    response.headers["X-Total-Count"] = str(extensions.count(session, query))
    return [
        ExtensionQueueItem(
            **ExtensionRequestOut.of(request).model_dump(),
            hazard=ExtensionHazard(
                id=hazard.id,
                description=hazard.description,
                category=hazard.category,
                state=hazard.state,
                premises_id=hazard.premises_id,
                premises_name=premises_name,
                rectification_deadline=hazard.rectification_deadline,
            ),
        )
        for request, hazard, premises_name in session.execute(query.limit(limit).offset(offset))
    ]


@router.get("/{hazard_id}", response_model=HazardOut, responses=_NOT_FOUND)
def get_hazard(hazard_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep) -> HazardOut:
    return hazard_out(session, principal, reading.get_visible(session, principal, hazard_id))


@router.post(
    "/{hazard_id}/actions",
    response_model=HazardOut,
    responses={
        **_NOT_FOUND,
        202: {"model": PendingDecisionOut, "description": "Waiting for more approvers"},
        409: {"description": "Not possible in this state, or changed meanwhile"},
    },
)
def act_on_hazard(
    hazard_id: uuid.UUID,
    body: ActionIn,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> JSONResponse:
    """Take a step in the lifecycle. Enforcement steps (ordering, determination, listing,
    reinspection, delisting) need distinct certified officers: each one posts the same action;
    the step applies when enough have (202 until then)."""
    outcome = acting.act(session, principal, hazard_id, body, settings)
    if outcome.pending is not None:
        pending = PendingDecisionOut(
            hazard_id=hazard_id,
            action=HazardAction(outcome.pending.action),
            approvals=len(outcome.pending.approvers),
            required=outcome.pending.required,
            detail=f"{len(outcome.pending.approvers)} of {outcome.pending.required} officers have approved",
        )
        return JSONResponse(pending.model_dump(mode="json"), status_code=202)
    return JSONResponse(hazard_out(session, principal, outcome.hazard).model_dump(mode="json"))


@router.get(
    "/{hazard_id}/extension-requests",
    response_model=list[ExtensionRequestOut],
    responses=_NOT_FOUND,
)
def extension_requests(
    hazard_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> list[ExtensionRequestOut]:
    """The unit's requests for more time (延期整改申请), oldest first, with their decisions."""
    return [
        ExtensionRequestOut.of(r)
        for r in extensions.visible_requests(session, principal, hazard_id)
    ]


@router.post(
    "/{hazard_id}/extension-requests/decision",
    response_model=ExtensionRequestOut,
    responses={**_NOT_FOUND, 409: {"description": "No request waiting, or nothing to extend"}},
)
def decide_extension(
    hazard_id: uuid.UUID,
    body: ExtensionDecisionIn,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> ExtensionRequestOut:
    """Grant (the deadline moves by the days granted) or refuse the waiting request."""
    return ExtensionRequestOut.of(
        extensions.decide(session, settings, principal, hazard_id, body.grant, body.days, body.note)
    )


@router.get("/{hazard_id}/timeline", response_model=list[HazardTimelineEntry], responses=_NOT_FOUND)
def hazard_timeline(
    hazard_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> list[HazardTimelineEntry]:
    """Every step, from the audit log, with who took it by name for those who may see people."""
    return [HazardTimelineEntry.of_step(s) for s in reading.timeline(session, principal, hazard_id)]


# --- Photos ----------------------------------------------------------------------------------------


@router.post(
    "/{hazard_id}/photos",
    response_model=PhotoOut,
    status_code=201,
    openapi_extra=IMAGE_BODY,
    responses={
        **_NOT_FOUND,
        413: {"description": "Too large"},
        415: {"description": "Not JPEG, PNG or HEIC"},
        422: {"description": "Damaged, truncated or too many pixels"},
    },
)
async def add_photo(
    hazard_id: uuid.UUID,
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    kind: PhotoKind = PhotoKind.BEFORE,
) -> PhotoOut:
    """Attach a photo (the raw image as the body). Flags such as `taken_far_from_report` warn
    and never refuse. A rectification needs an `after` photo before it can be submitted."""
    data = await request.body()
    record = await run_in_threadpool(
        photos.attach, session, principal, hazard_id, data, kind, settings
    )
    return photo_out(record)


@router.get("/{hazard_id}/photos", response_model=list[PhotoOut], responses=_NOT_FOUND)
def list_photos(
    hazard_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> list[PhotoOut]:
    return [photo_out(p) for p in photos.photos_of(session, principal, hazard_id)]


@router.get(
    "/{hazard_id}/photos/{sha256}/{variant}",
    response_class=FileResponse,
    responses={**_NOT_FOUND, 403: {"description": "Originals are for staff of the area"}},
)
def get_photo(
    hazard_id: uuid.UUID,
    sha256: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")],
    variant: Variant,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    where, mime = photos.file_of(session, principal, hazard_id, sha256, variant, settings)
    return file_response(where, mime)


def photo_out(record) -> PhotoOut:
    base = f"/api/v1/hazards/{record.hazard_id}/photos/{record.sha256}"
    return PhotoOut(
        sha256=record.sha256,
        kind=record.kind,
        mime=record.mime,
        size=record.size,
        width=record.width,
        height=record.height,
        taken_at=record.taken_at,
        flags=record.flags,
        thumbnail_url=f"{base}/thumbnail",
        public_url=f"{base}/public",
        original_url=f"{base}/original",
    )
