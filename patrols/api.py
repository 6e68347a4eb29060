"""Patrols over HTTP. Thin: rules live in one module per use case (checklists, plans, tasks,
visits, assessment, campaigns)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import StreamingResponse

from backend.core import spreadsheet
from backend.core.web import Offset
from backend.identity.dependencies import (
    CurrentPrincipal,
    ReplicaSessionDep,
    SessionDep,
    SettingsDep,
)
from backend.identity.permissions import Permission, demand, may
from patrols import (
    assessment,
    campaigns,
    checklists,
    exports,
    plans,
    scheduled,
    scoring,
    tasks,
    visits,
)
from patrols.enums import TaskKind, TaskState
from patrols.models import Checklist, PatrolTask
from patrols.schemas import (
    AreaMonthOut,
    AssessmentOut,
    CampaignIn,
    CampaignOut,
    CampaignPreviewOut,
    CampaignShareOut,
    CampaignSummaryOut,
    CancelIn,
    CandidateOut,
    ChecklistIn,
    ChecklistOut,
    GridShareOut,
    PlanIn,
    PlanOut,
    PlanScheduleOut,
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


def tasks_out(session, principal, shown: list[PatrolTask]) -> list[TaskOut]:
    visited = visits.visited_with_valid_check_in(session, [t.id for t in shown]) if shown else {}
    names = tasks.names_of(session, shown)
    plans_patrols = may(principal.role, Permission.PLAN_PATROLS)
    return [
        TaskOut.model_validate(
            {
                **{c.key: getattr(t, c.key) for c in PatrolTask.__table__.columns},
                **asdict(names[t.id]),
                "visited_with_valid_check_in": visited.get(t.id, False),
                "may_reassign": plans_patrols and t.state == TaskState.OPEN,
                "may_cancel": plans_patrols and t.state == TaskState.OPEN,
            }
        )
        for t in shown
    ]


def shares_out(outcome: plans.PlanOutcome) -> list[GridShareOut]:
    return [
        GridShareOut(**asdict(outcome.grids[code]))
        for code in sorted(outcome.grids)
        if outcome.grids[code].tasks or outcome.grids[code].existing
    ]


def campaign_summary_out(principal, found: campaigns.CampaignSummary) -> CampaignSummaryOut:
    c = found.campaign
    return CampaignSummaryOut(
        id=c.id,
        title=c.title,
        area_code=found.area_code,
        area_name=found.area_name,
        premises_types=c.premises_types,
        starts_at=c.starts_on,
        due_at=c.due_at,
        created_at=c.created_at,
        tasks=found.tasks,
        open=found.open,
        done=found.done,
        cancelled=found.cancelled,
        cancelled_at=found.cancelled_at,
        may_cancel=found.cancelled_at is None and may(principal.role, Permission.RUN_CAMPAIGNS),
    )


_TOTAL = {
    200: {
        "headers": {
            "X-Total-Count": {
                "description": "how many match, all pages together",
                "schema": {"type": "integer"},
            }
        }
    }
}


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
    return PlanOut(
        preview=body.preview,
        **{k: v for k, v in asdict(outcome).items() if k != "grids"},
        grids=shares_out(outcome),
    )


@router.get("/plans/schedule", response_model=PlanScheduleOut)
def get_plan_schedule(principal: CurrentPrincipal, settings: SettingsDep) -> PlanScheduleOut:
    """Whether the worker makes next month's plan by itself, on which day, and for which
    month next (a deployment setting, FIREGRID_PATROL_PLAN_DAY)."""
    demand(principal.role, Permission.FOLLOW_PATROLS, "do this")
    return PlanScheduleOut(**asdict(scheduled.plan_schedule(settings)))


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
    return tasks_out(session, principal, [task])[0]


def task_list_query(
    area_code: str | None = None,
    state: TaskState | None = None,
    assignee_id: uuid.UUID | None = None,
    period: Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = None,
    kind: TaskKind | None = None,
    campaign_id: uuid.UUID | None = None,
    due_month: Annotated[
        str | None,
        Query(
            pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
            description="the tasks a month's assessment counts: due in it, not cancelled",
        ),
    ] = None,
    on_time: Annotated[
        bool | None, Query(description="done by the due time (true) or not (false)")
    ] = None,
) -> tasks.TaskFilter:
    """The filters of the task list, read once for the list and for its export."""
    return tasks.TaskFilter(
        area_code, state, assignee_id, period, kind, campaign_id, due_month, on_time
    )


TaskListQuery = Annotated[tasks.TaskFilter, Depends(task_list_query)]


@router.get("/tasks", response_model=list[TaskOut], responses=_TOTAL)
def list_tasks(
    principal: CurrentPrincipal,
    session: ReplicaSessionDep,
    response: Response,
    where: TaskListQuery,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[TaskOut]:
    """Tasks in your area (a grid worker: their own), by due time, with the names of their
    worker, premises and grid; `X-Total-Count` says how many match. `period` is a plan's
    month (campaign and ad-hoc tasks have none)."""
    found, total = tasks.list_tasks(session, principal, where, limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(total)
    return tasks_out(session, principal, found)


@router.get(
    "/tasks/export.xlsx",
    response_class=StreamingResponse,
    responses={200: {"content": {spreadsheet.XLSX_MEDIA_TYPE: {}}}},
)
def export_tasks(
    principal: CurrentPrincipal, session: ReplicaSessionDep, where: TaskListQuery
) -> StreamingResponse:
    """巡查任务清单: every task the list would show for the same filters, in its order, with
    the names the list gives, as an Excel workbook (docs/exports.md)."""
    return exports.tasks_workbook(session, principal, where)


@router.get("/tasks/{task_id}", response_model=TaskOut, responses=_NOT_FOUND)
def get_task(task_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep) -> TaskOut:
    return tasks_out(session, principal, [tasks.task_in_scope(session, principal, task_id)])[0]


@router.get("/tasks/{task_id}/candidates", response_model=list[CandidateOut], responses=_NOT_FOUND)
def reassign_candidates(
    task_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> list[CandidateOut]:
    """Who the task may be reassigned to: the workers of its grid, by name."""
    return [
        CandidateOut(user_id=u.id, username=u.username, display_name=u.display_name)
        for u in tasks.reassign_candidates(session, principal, task_id)
    ]


@router.post("/tasks/{task_id}/reassign", response_model=TaskOut, responses=_NOT_FOUND)
def reassign_task(
    task_id: uuid.UUID, body: ReassignIn, principal: CurrentPrincipal, session: SessionDep
) -> TaskOut:
    task = tasks.reassign_task(session, principal, task_id, body.assignee_id)
    return tasks_out(session, principal, [task])[0]


@router.post("/tasks/{task_id}/cancel", response_model=TaskOut, responses=_NOT_FOUND)
def cancel_task(
    task_id: uuid.UUID, body: CancelIn, principal: CurrentPrincipal, session: SessionDep
) -> TaskOut:
    task = tasks.cancel_task(session, principal, task_id, body.note)
    return tasks_out(session, principal, [task])[0]


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
    responses={
        200: {
            "content": {"text/csv": {}, spreadsheet.XLSX_MEDIA_TYPE: {}},
            "description": "JSON, or CSV with format=csv, or an Excel workbook with format=xlsx",
        }
    },
)
def get_assessment(
    area_code: str,
    period: Period,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    format: Annotated[str, Query(pattern="^(json|csv|xlsx)$")] = "json",
):
    """考核: each grid worker's month, then rolled up per grid, village and township, each
    with a score 0-100 and a rank (the weights in `weights`, docs/patrols.md#score)."""
    workers, areas = assessment.assess_month(session, principal, area_code, period)
    ranking = scoring.score_month(workers, areas, settings.assessment_weights)
    if format == "xlsx":
        return exports.assessment_workbook(workers, ranking, area_code, period)
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


@router.post("/campaigns/preview", response_model=CampaignPreviewOut)
def preview_campaign(
    body: CampaignIn, principal: CurrentPrincipal, session: SessionDep
) -> CampaignPreviewOut:
    """What `POST /campaigns` would make, per grid and worker; nothing is written."""
    outcome = campaigns.preview_campaign(
        session,
        principal,
        area_code=body.area_code,
        premises_types=[t.value for t in body.premises_types],
        starts_at=body.starts_at,
        due_at=body.due_at,
        checklist_code=body.checklist_code,
    )
    return CampaignPreviewOut(
        created=outcome.created,
        unassigned=outcome.unassigned,
        unrouted=outcome.unrouted,
        grids=shares_out(outcome),
    )


@router.get("/campaigns", response_model=list[CampaignSummaryOut], responses=_TOTAL)
def list_campaigns(
    principal: CurrentPrincipal,
    session: ReplicaSessionDep,
    response: Response,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[CampaignSummaryOut]:
    """The campaigns run in your area, newest first, with their tasks counted by state."""
    found, total = campaigns.list_campaigns(session, principal, limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(total)
    return [campaign_summary_out(principal, c) for c in found]


_NO_CAMPAIGN = {404: {"description": "No such campaign in your area"}}


@router.get("/campaigns/{campaign_id}", response_model=CampaignSummaryOut, responses=_NO_CAMPAIGN)
def get_campaign(
    campaign_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> CampaignSummaryOut:
    return campaign_summary_out(principal, campaigns.get_campaign(session, principal, campaign_id))


@router.get(
    "/campaigns/{campaign_id}/progress",
    response_model=list[CampaignShareOut],
    responses=_NO_CAMPAIGN,
)
def campaign_progress(
    campaign_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> list[CampaignShareOut]:
    """A campaign's tasks open, done and cancelled per grid and worker, in your area."""
    return [
        CampaignShareOut(**asdict(share))
        for share in campaigns.campaign_progress(session, principal, campaign_id)
    ]


@router.post(
    "/campaigns/{campaign_id}/cancel", response_model=CampaignSummaryOut, responses=_NO_CAMPAIGN
)
def cancel_campaign(
    campaign_id: uuid.UUID, body: CancelIn, principal: CurrentPrincipal, session: SessionDep
) -> CampaignSummaryOut:
    """Stop a campaign: its open tasks are cancelled; done ones stay."""
    found = campaigns.cancel_campaign(session, principal, campaign_id, body.note)
    return campaign_summary_out(principal, found)


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
