"""Random inspections over HTTP. Thin: rules live in patrols.inspections.service."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import func, select

from backend.core.privacy import mask_free_text
from backend.core.web import Offset
from backend.identity.dependencies import (
    CurrentPrincipal,
    ReplicaSessionDep,
    SessionDep,
    SettingsDep,
)
from patrols.inspections import service
from patrols.inspections.models import InspectionAssignment, InspectionDraw
from patrols.inspections.schemas import (
    AssignmentOut,
    ConflictIn,
    ConflictOut,
    DrawIn,
    DrawOut,
    InspectorOut,
    ItemIn,
    ItemOut,
    PlanIn,
    PlanOut,
    PlanSummaryOut,
    ResultIn,
    VerificationOut,
)

router = APIRouter(prefix="/api/v1/inspections", tags=["random inspections"])
public_router = APIRouter(prefix="/public", tags=["public disclosure"])
_NOT_FOUND = {404: {"description": "Not found in your area"}}


def draw_out(session, record: InspectionDraw) -> DrawOut:
    drawn = session.scalar(select(func.count()).where(InspectionAssignment.draw_id == record.id))
    return DrawOut(
        id=record.id,
        plan_id=record.plan_id,
        algorithm=record.algorithm,
        public_value=record.public_value,
        seed=record.seed,
        drawn_at=record.drawn_at,
        inputs_fingerprint=record.inputs_fingerprint,
        result_fingerprint=record.result_fingerprint,
        drawn=drawn,
    )


@router.get("/items", response_model=list[ItemOut])
def list_items(principal: CurrentPrincipal, session: SessionDep) -> list[ItemOut]:
    """一单: what random inspections check, with the legal basis (also published)."""
    return [ItemOut.model_validate(i) for i in service.items(session)]


@router.post("/items", response_model=ItemOut, status_code=201)
def add_item(body: ItemIn, principal: CurrentPrincipal, session: SessionDep) -> ItemOut:
    item = service.add_item(session, principal, code=body.code, title=body.title, basis=body.basis)
    return ItemOut.model_validate(item)


@router.get("/inspectors", response_model=list[InspectorOut])
def inspectors(
    principal: CurrentPrincipal, session: SessionDep, on: date | None = None
) -> list[InspectorOut]:
    """执法人员名录库: the certified staff of your area who may be drawn on the day (today by
    default), with their certificate, unit and number of declared conflicts."""
    return [
        InspectorOut(
            user_id=e.user.id,
            display_name=e.user.display_name,
            certificate_number=e.user.certificate_number,
            certificate_expires_on=e.user.certificate_expires_on,
            unit=e.unit,
            conflicts=e.conflicts,
        )
        for e in service.inspector_directory(session, principal, on or date.today())
    ]


@router.get("/conflicts", response_model=list[ConflictOut])
def conflicts(
    user_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> list[ConflictOut]:
    """The units an inspector must not inspect (回避): one's own, or an inspector's of your
    area for an organiser."""
    return [
        ConflictOut(
            id=c.id,
            user_id=c.user_id,
            premises_id=c.premises_id,
            premises_name=name,
            uscc=c.uscc,
            relation=c.relation,
            note=c.note,
            recorded_at=c.recorded_at,
        )
        for c, name in service.conflicts_of(session, principal, user_id)
    ]


@router.post("/conflicts", status_code=201)
def record_conflict(body: ConflictIn, principal: CurrentPrincipal, session: SessionDep) -> dict:
    """A unit an inspector must not inspect: declared by the inspector or recorded by an
    organiser. Draws never pair them."""
    conflict = service.record_conflict(
        session,
        principal,
        user_id=body.user_id,
        premises_id=body.premises_id,
        uscc=body.uscc,
        relation=body.relation.value,
        note=body.note,
    )
    return {"id": str(conflict.id)}


@router.post("/plans", response_model=PlanOut, status_code=201)
def create_plan(body: PlanIn, principal: CurrentPrincipal, session: SessionDep) -> PlanOut:
    plan = service.create_plan(
        session,
        principal,
        title=body.title,
        area_code=body.area_code,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        rates=[r.model_dump(mode="json") for r in body.rates],
        item_codes=body.item_codes,
    )
    return PlanOut.model_validate(plan, from_attributes=True)


@router.get("/plans", response_model=list[PlanSummaryOut])
def list_plans(
    principal: CurrentPrincipal,
    session: ReplicaSessionDep,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> list[PlanSummaryOut]:
    """The plans of your area, newest first, each with its area's name and its draw (null until
    drawn), how many units were drawn and how many have a result; `X-Total-Count`."""
    views, total = service.plans_in_scope(session, principal, limit, offset)
    response.headers["X-Total-Count"] = str(total)
    return [
        PlanSummaryOut(
            **PlanOut.model_validate(v.plan, from_attributes=True).model_dump(),
            area_code=v.area_code,
            area_name=v.area_name,
            draw=draw_out(session, v.draw) if v.draw else None,
            drawn=v.drawn,
            recorded=v.recorded,
        )
        for v in views
    ]


def assignments_out(session, principal, found) -> list[AssignmentOut]:
    return [
        AssignmentOut.model_validate(view.assignment).model_copy(
            update={
                "premises_name": view.premises_name,
                "area_code": view.area_code,
                "inspector_names": view.inspector_names,
                "may_record": view.may_record,
            }
        )
        for view in service.assignment_views(session, principal, found)
    ]


@router.post(
    "/plans/{plan_id}/draws", response_model=DrawOut, status_code=201, responses=_NOT_FOUND
)
def draw(
    plan_id: uuid.UUID,
    body: DrawIn,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> DrawOut:
    """Draw the plan's objects and pair each with two certified inspectors. Once per plan.
    Venues open on a 告知承诺 commitment are drawn in a group of their own, at
    `commitment_rate` (default: the deployment's)."""
    record = service.run_draw(
        session, principal, settings, plan_id, body.public_value, body.commitment_rate
    )
    return draw_out(session, record)


@router.get("/draws/{draw_id}", response_model=list[AssignmentOut], responses=_NOT_FOUND)
def assignments(
    draw_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> list[AssignmentOut]:
    """The drawn units of a draw with their inspectors, by name, and their results."""
    return assignments_out(session, principal, service.assignments_of(session, principal, draw_id))


@router.get("/draws/{draw_id}/verify", response_model=VerificationOut, responses=_NOT_FOUND)
def verify(draw_id: uuid.UUID, session: SessionDep) -> VerificationOut:
    """Recompute the draw from what it kept and say whether it holds. Open to anyone, as the
    published result is."""
    return VerificationOut(**asdict(service.verify(session, draw_id)))


@router.post(
    "/assignments/{assignment_id}/result", response_model=AssignmentOut, responses=_NOT_FOUND
)
def record_result(
    assignment_id: uuid.UUID,
    body: ResultIn,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> AssignmentOut:
    """One of its two inspectors records what they found; a passed or failed result issues a
    检查结果告知书 to the unit (its notices: `GET /api/v1/premises/{id}/notices`)."""
    assignment = service.record_result(
        session,
        principal,
        settings,
        assignment_id,
        outcome=body.outcome,
        hazards_found=body.hazards_found,
        note=body.note,
    )
    return assignments_out(session, principal, [assignment])[0]


@public_router.get("/inspections")
def public_inspections(session: ReplicaSessionDep) -> dict:
    """一公开: inspection items, plans, draws (with what is needed to check them) and results.
    Units by name and area; no personal data: numbers people typed into names and titles
    (phones, ID and bank cards) are masked here, kept as typed inside."""
    return {
        "items": [
            {
                key: mask_free_text(value)
                for key, value in ItemOut.model_validate(i).model_dump().items()
            }
            for i in service.items(session)
        ],
        "plans": service.published(session),
    }
