"""Special campaigns 专项整治 (tasks for every matching premises of an area, pushed to the
workers who get them) and work prompts 工作提示 with read receipts: what the dispatch centre
and fire staff send to the people patrolling an area. No web imports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.core import audit
from backend.core.db import utcnow
from backend.core.errors import InvalidInput, NotFound
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
from patrols.enums import TaskKind
from patrols.models import Checklist, PatrolCampaign, PromptRead, WorkPrompt
from patrols.plans import PlanOutcome, insert_tasks, new_tasks, premises_under


@dataclass
class CampaignOutcome:
    campaign: PatrolCampaign
    tasks: PlanOutcome
    told: int


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
    outcome = PlanOutcome(period="")
    premises = premises_under(session, area, premises_types or None)
    routed = [row for row in premises if row.area_id is not None and row.area_path]
    outcome.unrouted = len(premises) - len(routed)
    rows = new_tasks(
        session,
        principal,
        outcome,
        routed,
        kind=TaskKind.CAMPAIGN,
        key_prefix=f"campaign:{campaign.id}:",
        due_at=lambda row: due_at,
        campaign_id=campaign.id,
        checklist=checklist,
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
