"""Special campaigns 专项整治 (tasks for every matching premises of an area, pushed to the
workers who get them) and work prompts 工作提示 with read receipts: what the dispatch centre
and fire staff send to the people patrolling an area. No web imports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from backend.core import audit
from backend.core.audit import AuditEvent
from backend.core.db import utcnow
from backend.core.errors import Conflict, InvalidInput, NotFound
from backend.identity.enums import Role
from backend.identity.models import User
from backend.identity.permissions import Permission, demand
from backend.identity.service import Principal
from backend.notify import inbox
from backend.notify import service as notify
from backend.notify.enums import NotificationKind, SubjectType
from grids.models import Area, GridAssignment
from grids.scope import Scope, area_in_scope, scope_of
from patrols.checklists import default_checklist
from patrols.enums import TaskKind, TaskState
from patrols.models import Checklist, PatrolCampaign, PatrolTask, PromptRead, WorkPrompt
from patrols.plans import PlanOutcome, insert_tasks, new_tasks, premises_under


@dataclass
class CampaignOutcome:
    campaign: PatrolCampaign
    tasks: PlanOutcome
    told: int


def _campaign_area(
    session: Session,
    principal: Principal,
    area_code: str,
    starts_at: datetime,
    due_at: datetime,
    checklist_code: str | None,
) -> tuple[Area, Checklist | None]:
    demand(principal.role, Permission.RUN_CAMPAIGNS, "do this")
    area = area_in_scope(session, principal, area_code)
    if due_at <= max(starts_at, utcnow()):
        raise InvalidInput("a campaign ends after it starts, in the future", field="due_at")
    checklist = None
    if checklist_code:
        checklist = session.scalar(
            select(Checklist).where(Checklist.code == checklist_code, Checklist.active.is_(True))
        )
        if checklist is None:
            raise InvalidInput(f"no checklist {checklist_code!r}", field="checklist_code")
    return area, checklist


def _campaign_rows(
    session: Session,
    principal: Principal,
    area: Area,
    premises_types: list[str],
    due_at: datetime,
    campaign_id: uuid.UUID | None,
    checklist: Checklist | None,
) -> tuple[PlanOutcome, list[dict]]:
    outcome = PlanOutcome(period="")
    premises = premises_under(session, area, premises_types or None)
    routed = [row for row in premises if row.area_id is not None and row.area_path]
    outcome.unrouted = len(premises) - len(routed)
    rows = new_tasks(
        session,
        principal.user_id,
        outcome,
        routed,
        kind=TaskKind.CAMPAIGN,
        key_prefix=f"campaign:{campaign_id or 'preview'}:",
        due_at=lambda row: due_at,
        campaign_id=campaign_id,
        checklist=checklist,
    )
    return outcome, rows


def preview_campaign(
    session: Session,
    principal: Principal,
    *,
    area_code: str,
    premises_types: list[str],
    starts_at: datetime,
    due_at: datetime,
    checklist_code: str | None,
) -> PlanOutcome:
    """What `start_campaign` would make, per grid and worker, writing nothing."""
    area, checklist = _campaign_area(
        session, principal, area_code, starts_at, due_at, checklist_code
    )
    return _campaign_rows(session, principal, area, premises_types, due_at, None, checklist)[0]


def start_campaign(
    session: Session,
    principal: Principal,
    *,
    title: str,
    area_code: str,
    premises_types: list[str],
    starts_at: datetime,
    due_at: datetime,
    checklist_code: str | None,
) -> CampaignOutcome:
    """A task for every live premises of the given types under the area (any level), due at
    the campaign's end, for whoever handles its grid; each worker who gets tasks is told."""
    area, checklist = _campaign_area(
        session, principal, area_code, starts_at, due_at, checklist_code
    )
    campaign = PatrolCampaign(
        title=title,
        area_id=area.id,
        area_path=area.path,
        premises_types=premises_types,
        starts_on=starts_at,
        due_at=due_at,
        checklist_id=(checklist or default_checklist(session, None)).id,
        created_by=principal.user_id,
    )
    session.add(campaign)
    session.flush()
    outcome, rows = _campaign_rows(
        session, principal, area, premises_types, due_at, campaign.id, checklist
    )
    insert_tasks(session, rows)
    workers = {row["assignee_id"] for row in rows if row["assignee_id"]}
    told = notify.push(
        session,
        sorted(workers),
        title=f"专项整治：{title}",
        body=f"你有 {sum(r['assignee_id'] is not None for r in rows)} 项专项巡查任务待完成",
        data={"campaign_id": str(campaign.id)},
        kind=NotificationKind.CAMPAIGN,
    )
    audit.record(
        session,
        actor=principal.actor,
        action="patrol.campaign_started",
        subject_type="patrol_campaign",
        subject_id=campaign.id,
        after={
            "title": title,
            "area": area_code,
            "premises_types": premises_types,
            "due_at": due_at.isoformat(),
            "tasks": outcome.created,
            "unassigned": outcome.unassigned,
        },
    )
    return CampaignOutcome(campaign, outcome, told)


# --- Campaigns once started: list, progress, cancellation -----------------------------------------

CANCELLED = "patrol.campaign_cancelled"  # the audit action that marks a campaign cancelled


@dataclass
class CampaignSummary:
    campaign: PatrolCampaign
    area_code: str
    area_name: str
    open: int = 0
    done: int = 0
    cancelled: int = 0
    cancelled_at: datetime | None = None

    @property
    def tasks(self) -> int:
        return self.open + self.done + self.cancelled


def list_campaigns(
    session: Session, principal: Principal, *, limit: int, offset: int
) -> tuple[list[CampaignSummary], int]:
    """The campaigns run in the caller's area (in it or below it), newest first, with their
    tasks counted by state."""
    demand(principal.role, Permission.FOLLOW_PATROLS, "do this")
    where = scope_of(session, principal).area_clause_on(PatrolCampaign.area_path)
    total = session.scalar(select(func.count()).select_from(PatrolCampaign).where(where)) or 0
    found = list(
        session.scalars(
            select(PatrolCampaign)
            .where(where)
            .order_by(PatrolCampaign.created_at.desc(), PatrolCampaign.id)
            .limit(limit)
            .offset(offset)
        )
    )
    return _summaries(session, found), total


def campaign_in_scope(
    session: Session, principal: Principal, campaign_id: uuid.UUID
) -> PatrolCampaign:
    demand(principal.role, Permission.FOLLOW_PATROLS, "do this")
    campaign = session.get(PatrolCampaign, campaign_id)
    if campaign is None or not scope_of(session, principal).covers_path(campaign.area_path):
        raise NotFound(f"no campaign {campaign_id} in your area")
    return campaign


def get_campaign(session: Session, principal: Principal, campaign_id: uuid.UUID) -> CampaignSummary:
    return _summaries(session, [campaign_in_scope(session, principal, campaign_id)])[0]


def _summaries(session: Session, campaigns: list[PatrolCampaign]) -> list[CampaignSummary]:
    """Area names, task counts and cancellation times of campaigns, a query each. A campaign
    is cancelled when the audit log says so: the one place its cancellation is written (the
    campaign table has no column for it, decision 0035)."""
    ids = [c.id for c in campaigns]
    areas = {
        a.id: a
        for a in session.scalars(select(Area).where(Area.id.in_({c.area_id for c in campaigns})))
    }
    out = {
        c.id: CampaignSummary(c, areas[c.area_id].code, areas[c.area_id].name) for c in campaigns
    }
    for campaign_id, state, count in session.execute(
        select(PatrolTask.campaign_id, PatrolTask.state, func.count())
        .where(PatrolTask.campaign_id.in_(ids))
        .group_by(PatrolTask.campaign_id, PatrolTask.state)
    ):
        setattr(out[campaign_id], TaskState(state).value, count)
    for subject_id, at in session.execute(
        select(AuditEvent.subject_id, AuditEvent.occurred_at).where(
            AuditEvent.action == CANCELLED, AuditEvent.subject_id.in_([str(i) for i in ids])
        )
    ):
        out[uuid.UUID(subject_id)].cancelled_at = at
    return [out[i] for i in ids]


@dataclass
class CampaignShare:
    """A campaign's tasks in one grid for one worker (None: held by the township station)."""

    grid_code: str
    grid_name: str
    assignee_id: uuid.UUID | None
    assignee_name: str | None
    open: int = 0
    done: int = 0
    cancelled: int = 0


def campaign_progress(
    session: Session, principal: Principal, campaign_id: uuid.UUID
) -> list[CampaignShare]:
    """A campaign's tasks done and open per grid and worker, within the caller's area."""
    campaign = campaign_in_scope(session, principal, campaign_id)
    rows = session.execute(
        select(
            Area.code,
            Area.name,
            PatrolTask.assignee_id,
            User.display_name,
            PatrolTask.state,
            func.count(),
        )
        .join(Area, Area.id == PatrolTask.area_id)
        .outerjoin(User, User.id == PatrolTask.assignee_id)
        .where(
            PatrolTask.campaign_id == campaign.id,
            scope_of(session, principal).area_clause_on(PatrolTask.area_path),
        )
        .group_by(Area.code, Area.name, PatrolTask.assignee_id, User.display_name, PatrolTask.state)
    ).all()
    shares: dict[tuple[str, uuid.UUID | None], CampaignShare] = {}
    for code, name, assignee, who, state, count in rows:
        share = shares.setdefault((code, assignee), CampaignShare(code, name, assignee, who))
        setattr(share, TaskState(state).value, count)
    return sorted(shares.values(), key=lambda s: (s.grid_code, s.assignee_name or ""))


def cancel_campaign(
    session: Session, principal: Principal, campaign_id: uuid.UUID, note: str
) -> CampaignSummary:
    """Stop a campaign: its open tasks are cancelled (phones drop them on the next sync), its
    done ones stay as evidence. Audited once, with how many tasks it cancelled."""
    demand(principal.role, Permission.RUN_CAMPAIGNS, "do this")
    campaign = campaign_in_scope(session, principal, campaign_id)
    if _summaries(session, [campaign])[0].cancelled_at is not None:
        raise Conflict("the campaign is cancelled already")
    open_tasks = list(
        session.scalars(
            select(PatrolTask).where(
                PatrolTask.campaign_id == campaign.id,
                PatrolTask.state == TaskState.OPEN.value,
            )
        )
    )
    for task in open_tasks:
        task.state = TaskState.CANCELLED.value
        task.escalate_at = None
        task.note = (task.note + "\n" if task.note else "") + note
        task.version += 1
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action=CANCELLED,
        subject_type="patrol_campaign",
        subject_id=campaign.id,
        after={"note": note, "tasks_cancelled": len(open_tasks)},
    )
    return _summaries(session, [campaign])[0]


# --- Work prompts ----------------------------------------------------------------------------------


def _recipients(session: Session, area: Area) -> list[uuid.UUID]:
    """Who patrols under an area: the workers of its grids and its villages' grid leaders."""
    workers = (
        select(GridAssignment.user_id)
        .join(Area, Area.id == GridAssignment.area_id)
        .where(Area.path.startswith(area.path, autoescape=True))
    )
    leaders = (
        select(User.id)
        .join(Area, Area.id == User.scope_area_id)
        .where(
            User.role == Role.GRID_LEADER.value, Area.path.startswith(area.path, autoescape=True)
        )
    )
    return list(
        session.scalars(
            select(User.id)
            .where(User.is_active.is_(True), or_(User.id.in_(workers), User.id.in_(leaders)))
            .order_by(User.username)
        )
    )


def send_prompt(
    session: Session, principal: Principal, *, area_code: str, title: str, body: str
) -> tuple[WorkPrompt, int]:
    demand(principal.role, Permission.RUN_CAMPAIGNS, "do this")
    area = area_in_scope(session, principal, area_code)
    prompt = WorkPrompt(
        area_id=area.id, area_path=area.path, title=title, body=body, created_by=principal.user_id
    )
    session.add(prompt)
    session.flush()
    told = notify.push(
        session,
        _recipients(session, area),
        title=title,
        body=body[:100],
        data={"prompt_id": str(prompt.id)},
        kind=NotificationKind.WORK_PROMPT,
    )
    audit.record(
        session,
        actor=principal.actor,
        action="patrol.prompt_sent",
        subject_type="work_prompt",
        subject_id=prompt.id,
        after={"area": area_code, "title": title, "recipients": told},
    )
    return prompt, told


def prompts_for(session: Session, principal: Principal) -> list[WorkPrompt]:
    """The prompts for the caller: those sent to their area, to an area inside it, or to an
    area above it (a grid worker hears what was sent to their township)."""
    return list(
        session.scalars(
            select(WorkPrompt)
            .where(prompts_clause(scope_of(session, principal)))
            .order_by(WorkPrompt.created_at.desc())
        )
    )


def prompts_clause(scope: Scope):
    """A WHERE clause on work prompts selecting those for someone with this scope."""
    above = {ancestor for path in scope.paths for ancestor in _ancestors(path)}
    return or_(scope.area_clause_on(WorkPrompt.area_path), WorkPrompt.area_path.in_(above))


def _ancestors(path: str) -> list[str]:
    """ "/a/b/c/" -> ["/a/", "/a/b/", "/a/b/c/"]."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: n + 1]) + "/" for n in range(len(parts))]


def mark_read(session: Session, principal: Principal, prompt_id: uuid.UUID) -> PromptRead:
    """Read a prompt: its notification in the caller's inbox is read with it."""
    prompt = next((p for p in prompts_for(session, principal) if p.id == prompt_id), None)
    if prompt is None:
        raise NotFound(f"no work prompt {prompt_id} for you")
    read = session.get(PromptRead, (prompt_id, principal.user_id))
    if read is None:  # the first reading counts
        first = inbox.first_readings(session, SubjectType.PROMPT, prompt_id, principal.user_id)
        read = PromptRead(
            prompt_id=prompt_id,
            user_id=principal.user_id,
            read_at=first.get(principal.user_id) or utcnow(),
        )
        session.add(read)
        session.flush()
    inbox.mark_read_about(session, principal.user_id, SubjectType.PROMPT, prompt_id)
    return read


@dataclass
class Receipts:
    prompt: WorkPrompt
    read: list[tuple[User, datetime]]
    unread: list[User]


def receipts(session: Session, principal: Principal, prompt_id: uuid.UUID) -> Receipts:
    """Who has read a prompt and who has not, among those it was sent to. A reading is either
    the prompt's own (`mark_read`) or a read mark on its notification (the inbox, a phone
    offline); the first of them counts."""
    demand(principal.role, Permission.RUN_CAMPAIGNS, "do this")
    prompt = session.get(WorkPrompt, prompt_id)
    if prompt is None or not scope_of(session, principal).covers_path(prompt.area_path):
        raise NotFound(f"no work prompt {prompt_id} in your area")
    area = session.get(Area, prompt.area_id)
    people = {
        u.id: u
        for u in session.scalars(select(User).where(User.id.in_(_recipients(session, area))))
    }
    reads = inbox.first_readings(session, SubjectType.PROMPT, prompt.id)
    for user_id, read_at in session.execute(
        select(PromptRead.user_id, PromptRead.read_at).where(PromptRead.prompt_id == prompt.id)
    ):
        reads[user_id] = min(read_at, reads.get(user_id, read_at))
    ordered = sorted(people.values(), key=lambda u: u.username)
    return Receipts(
        prompt,
        [(u, reads[u.id]) for u in ordered if u.id in reads],
        [u for u in ordered if u.id not in reads],
    )
