"""Patrols over HTTP. Thin: rules live in one module per use case (checklists, plans, tasks,
visits, assessment, campaigns)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Response

from backend.core import spreadsheet
from backend.core.web import Offset
from backend.identity.dependencies import CurrentPrincipal, SessionDep, SettingsDep
from patrols import assessment, campaigns, checklists, plans, scoring, tasks, visits
from patrols.enums import TaskState
from patrols.models import Checklist, PatrolTask
from patrols.schemas import (
    AreaMonthOut,
    AssessmentOut,
    CampaignIn,
    CampaignOut,
    CancelIn,
    ChecklistIn,
    ChecklistOut,
    PlanIn,
    PlanOut,
    ProgressOut,
    PromptIn,
    PromptOut,
    Reader,
    ReadOut,
    ReassignIn,
    ReceiptsOut,
    TaskIn,
    TaskOut,
    WorkerMonthOut,
)

router = APIRouter(prefix="/api/v1/patrols", tags=["patrols"])
_NOT_FOUND = {404: {"description": "No such task in your area"}}
Period = Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]


def checklist_out(checklist: Checklist) -> ChecklistOut:
    return ChecklistOut.model_validate(checklist, from_attributes=True)


def tasks_out(session, shown: list[PatrolTask]) -> list[TaskOut]:
    visited = visits.visited_with_valid_check_in(session, [t.id for t in shown]) if shown else {}
    return [
        TaskOut.model_validate(
            {
                **{c.key: getattr(t, c.key) for c in PatrolTask.__table__.columns},
                "visited_with_valid_check_in": visited.get(t.id, False),
            }
        )
        for t in shown
    ]


@router.get("/checklists", response_model=list[ChecklistOut])
def list_checklists(principal: CurrentPrincipal, session: SessionDep) -> list[ChecklistOut]:
    """The current version of every checklist."""
    return [checklist_out(c) for c in checklists.current(session, principal)]


@router.post("/checklists", response_model=ChecklistOut, status_code=201)
def publish_checklist(
    body: ChecklistIn, principal: CurrentPrincipal, session: SessionDep
) -> ChecklistOut:
    """A new version of a checklist (county brigade, dispatch centre, admin). Tasks keep the
    version they were given."""
    checklist = checklists.publish_checklist(
        session,
        principal,
        code=body.code,
        title=body.title,
        premises_type=body.premises_type.value if body.premises_type else None,
        items=[i.model_dump(mode="json") for i in body.items],
    )
    return checklist_out(checklist)


@router.post("/plans", response_model=PlanOut)
def generate_plan(
    body: PlanIn, principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> PlanOut:
    """Generate (or preview) a month's patrol tasks for every premises in an area, by the
    frequency rules. Running it again creates nothing new."""
    outcome = plans.generate_plan_tasks(
        session,
        principal,
        settings,
        area_code=body.area_code,
        period=body.period,
        preview=body.preview,
    )
    return PlanOut(preview=body.preview, **asdict(outcome))


@router.post("/tasks", response_model=TaskOut, status_code=201)
def create_task(
    body: TaskIn, principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> TaskOut:
    task = tasks.create_adhoc_task(
        session,
        principal,
        settings,
        premises_id=body.premises_id,
        lng=body.lng,
        lat=body.lat,
        crs=body.crs,
        due_at=body.due_at,
        note=body.note,
        assignee_id=body.assignee_id,
    )
    return tasks_out(session, [task])[0]


@router.get("/tasks", response_model=list[TaskOut])
def list_tasks(
    principal: CurrentPrincipal,
    session: SessionDep,
    offset: Offset = 0,
    area_code: str | None = None,
    state: TaskState | None = None,
    assignee_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[TaskOut]:
    """Tasks in your area (a grid worker: their own), by due time."""
    found = tasks.list_tasks(
        session,
        principal,
        area_code=area_code,
        state=state,
        assignee_id=assignee_id,
        limit=limit,
        offset=offset,
    )
    return tasks_out(session, found)


@router.get("/tasks/{task_id}", response_model=TaskOut, responses=_NOT_FOUND)
def get_task(task_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep) -> TaskOut:
    return tasks_out(session, [tasks.task_in_scope(session, principal, task_id)])[0]


@router.post("/tasks/{task_id}/reassign", response_model=TaskOut, responses=_NOT_FOUND)
def reassign_task(
    task_id: uuid.UUID, body: ReassignIn, principal: CurrentPrincipal, session: SessionDep
) -> TaskOut:
    task = tasks.reassign_task(session, principal, task_id, body.assignee_id)
    return tasks_out(session, [task])[0]


@router.post("/tasks/{task_id}/cancel", response_model=TaskOut, responses=_NOT_FOUND)
def cancel_task(
    task_id: uuid.UUID, body: CancelIn, principal: CurrentPrincipal, session: SessionDep
) -> TaskOut:
    task = tasks.cancel_task(session, principal, task_id, body.note)
    return tasks_out(session, [task])[0]


@router.get("/progress", response_model=list[ProgressOut])
def get_progress(
    area_code: str, period: Period, principal: CurrentPrincipal, session: SessionDep
) -> list[ProgressOut]:
    """Tasks due in a month: the area, then each child area (grids of a village, villages of
    a township ...)."""
    return [ProgressOut(**asdict(p)) for p in tasks.progress(session, principal, area_code, period)]


@router.get(
    "/assessment",
    response_model=AssessmentOut,
    responses={200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with format=csv"}},
)
def get_assessment(
    area_code: str,
    period: Period,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
):
    """考核: each grid worker's month, then rolled up per grid, village and township, each
    with a score 0-100 and a rank (the weights in `weights`, docs/patrols.md#score)."""
    workers, areas = assessment.assess_month(session, principal, area_code, period)
    ranking = scoring.score_month(workers, areas, settings.assessment_weights)
    if format == "csv":
        fields = [f for f in WorkerMonthOut.model_fields if f not in ("user_id", "contributions")]
        rows = []
        for worker in workers:
            scored = ranking.workers[worker.user_id]
            row = {k: v for k, v in asdict(worker).items() if k in fields}
            row["grids"] = " ".join(row["grids"])
            rows.append({**row, "score": scored.score, "rank": scored.rank})
        name = f"assessment-{area_code}-{period}.csv"
        return Response(
            spreadsheet.csv_text(fields, rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return AssessmentOut(
        area_code=area_code,
        period=period,
        weights=ranking.weights,
        workers=[
            WorkerMonthOut(**asdict(w), **asdict(ranking.workers[w.user_id])) for w in workers
        ],
        areas=[
            AreaMonthOut(
                **asdict(a),
                score=ranking.areas[a.area_code].score,
                rank=ranking.areas[a.area_code].rank,
            )
            for a in areas
        ],
    )


@router.post("/campaigns", response_model=CampaignOut, status_code=201)
def start_campaign(
    body: CampaignIn, principal: CurrentPrincipal, session: SessionDep
) -> CampaignOut:
    """专项整治: tasks for every matching premises in the area, pushed to the workers who get
    them (dispatch centre and fire staff, within their area)."""
    started = campaigns.start_campaign(
        session,
        principal,
        title=body.title,
        area_code=body.area_code,
        premises_types=[t.value for t in body.premises_types],
        starts_at=body.starts_at,
        due_at=body.due_at,
        checklist_code=body.checklist_code,
    )
    made = started.tasks
    return CampaignOut(
        id=started.campaign.id,
        title=started.campaign.title,
        created=made.created,
        existing=made.existing,
        unassigned=made.unassigned,
        unrouted=made.unrouted,
        per_grid=made.per_grid,
        workers_told=started.told,
    )


@router.post("/prompts", response_model=PromptOut, status_code=201)
def send_prompt(body: PromptIn, principal: CurrentPrincipal, session: SessionDep) -> PromptOut:
    """工作提示 to everyone patrolling an area, pushed to their phones."""
    prompt, told = campaigns.send_prompt(
        session, principal, area_code=body.area_code, title=body.title, body=body.body
    )
    return PromptOut.model_validate({**vars(prompt), "recipients": told})


@router.get("/prompts", response_model=list[PromptOut])
def list_prompts(principal: CurrentPrincipal, session: SessionDep) -> list[PromptOut]:
    """The prompts for you, newest first."""
    return [
        PromptOut.model_validate(p, from_attributes=True)
        for p in campaigns.prompts_for(session, principal)
    ]


@router.post("/prompts/{prompt_id}/read", response_model=ReadOut)
def mark_read(prompt_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep) -> ReadOut:
    read = campaigns.mark_read(session, principal, prompt_id)
    return ReadOut(prompt_id=read.prompt_id, read_at=read.read_at)


@router.get("/prompts/{prompt_id}/receipts", response_model=ReceiptsOut)
def receipts(prompt_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep) -> ReceiptsOut:
    """Who has read a prompt, and who has not yet."""
    found = campaigns.receipts(session, principal, prompt_id)
    return ReceiptsOut(
        prompt_id=found.prompt.id,
        read=[
            Reader(username=u.username, display_name=u.display_name, read_at=at)
            for u, at in found.read
        ],
        unread=[Reader(username=u.username, display_name=u.display_name) for u in found.unread],
    )
