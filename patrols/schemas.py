"""Patrol requests and answers over HTTP."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from backend.core.types import Text
from grids.crs import Crs
from grids.premises.enums import PremisesType
from grids.schemas import Latitude, Longitude
from hazards.enums import HazardCategory
from patrols.enums import TaskKind, TaskState

PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    area_code: str = Field(min_length=1, max_length=32)
    period: str = Field(description="the month, YYYY-MM (Beijing time)", examples=["2026-12"])
    preview: bool = Field(default=False, description="count what would be made; make nothing")

    @field_validator("period")
    @classmethod
    def _month(cls, value: str) -> str:
        if not PERIOD.match(value):
            raise ValueError("a period is a month written YYYY-MM")
        return value


class GridShareOut(BaseModel):
    """One grid's part of a plan or campaign (made, or previewed)."""

    grid_code: str
    grid_name: str
    assignee_id: uuid.UUID | None = Field(description="none: the township station hands out")
    assignee_name: str | None
    tasks: int = Field(description="new tasks (or that would be, in a preview)")
    existing: int = Field(description="tasks the grid already had for this plan: left alone")


class PlanOut(BaseModel):
    period: str
    preview: bool
    created: int = Field(description="tasks made (or that would be, in a preview)")
    existing: int = Field(description="tasks this period already had: left alone")
    unassigned: int = Field(description="no worker on duty: the township station hands them out")
    unrouted: int = Field(description="premises in no grid: place them on the map first")
    not_due: int = Field(description="premises patrolled every few months, not in this one")
    per_grid: dict[str, int]
    grids: list[GridShareOut] = Field(description="per grid, by code: its worker and counts")


class PlanScheduleOut(BaseModel):
    day: int | None = Field(description="day of the month the worker plans next month; none: off")
    next_run_on: date | None
    next_period: str | None = Field(description="the month it will plan then, YYYY-MM")


class ChecklistItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")
    text: Text = Field(min_length=1, max_length=200)
    hazard_category: HazardCategory


class ChecklistIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_.]+$")
    title: Text = Field(min_length=1, max_length=200)
    premises_type: PremisesType | None = None
    items: list[ChecklistItem] = Field(min_length=1, max_length=100)


class ChecklistOut(BaseModel):
    id: uuid.UUID
    code: str
    version: int
    title: str
    premises_type: str | None
    items: list[ChecklistItem]
    active: bool


class TaskIn(BaseModel):
    """An ad-hoc task: a premises, or a point; for a named worker of its grid, or whoever
    handles the grid."""

    model_config = ConfigDict(extra="forbid")
    premises_id: uuid.UUID | None = None
    lng: Longitude | None = None
    lat: Latitude | None = None
    crs: Crs = Crs.WGS84
    due_at: AwareDatetime
    note: Text = Field(default="", max_length=2000)
    assignee_id: uuid.UUID | None = None


class ReassignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assignee_id: uuid.UUID | None = Field(
        default=None, description="a worker of the task's grid; none: whoever handles it now"
    )


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Text = Field(min_length=1, max_length=2000)


class TaskOut(BaseModel):
    id: uuid.UUID
    kind: TaskKind
    period: str | None
    premises_id: uuid.UUID | None
    lng: float
    lat: float
    area_path: str
    assignee_id: uuid.UUID | None
    checklist_id: uuid.UUID
    note: str
    due_at: datetime
    state: TaskState
    done_at: datetime | None
    level: int
    version: int
    visited_with_valid_check_in: bool
    campaign_id: uuid.UUID | None
    assignee_name: str | None
    premises_name: str | None
    grid_code: str | None
    grid_name: str | None
    may_reassign: bool = Field(description="the caller may reassign it (open, plans patrols)")
    may_cancel: bool = Field(description="the caller may cancel it (open, plans patrols)")


class CandidateOut(BaseModel):
    """A worker a task may be reassigned to: one assigned to its grid."""

    user_id: uuid.UUID
    username: str
    display_name: str


class ProgressOut(BaseModel):
    area_code: str
    area_name: str
    due: int
    done: int
    done_on_time: int
    overdue_open: int


class ContributionOut(BaseModel):
    metric: str = Field(description="tasks_on_time, valid_check_ins, hazards_found, ...")
    rate: float | None = Field(description="0-1; null: nothing to measure, left out this month")
    weight: float
    points: float = Field(description="what it adds to the score (weights scaled to 100)")


class WorkerMonthOut(BaseModel):
    user_id: uuid.UUID
    username: str
    display_name: str
    grids: list[str]
    tasks_due: int
    tasks_done_on_time: int
    visits: int
    visits_with_valid_check_in: int
    premises_visited: int
    hazards_found: int
    ordinary_closed_in_grid: int
    distance_km: float
    complaints: int
    complaints_signed_on_time: int
    complaints_replied_on_time: int
    score: float = Field(description="0-100 (docs/patrols.md#score)")
    rank: int = Field(description="1 is the best of this assessment; equal scores share a rank")
    contributions: list[ContributionOut]


class AreaMonthOut(BaseModel):
    area_code: str
    area_name: str
    level: str
    workers: int
    tasks_due: int
    tasks_done_on_time: int
    visits: int
    visits_with_valid_check_in: int
    hazards_found: int
    ordinary_closed_in_grid: int
    complaints: int
    complaints_signed_on_time: int
    complaints_replied_on_time: int
    score: float = Field(description="the mean score of the workers with a grid in it")
    rank: int = Field(description="among the areas of its level in this assessment")


class AssessmentOut(BaseModel):
    area_code: str
    period: str
    weights: dict[str, float] = Field(description="the weight of each metric, as configured")
    workers: list[WorkerMonthOut]
    areas: list[AreaMonthOut]


class CampaignIn(BaseModel):
    """专项整治: a task for every matching premises of the area, due at the end."""

    model_config = ConfigDict(extra="forbid")
    title: Text = Field(min_length=1, max_length=200)
    area_code: str = Field(min_length=1, max_length=32, description="any level")
    premises_types: list[PremisesType] = Field(default_factory=list, description="[] = all")
    starts_at: AwareDatetime
    due_at: AwareDatetime
    checklist_code: str | None = Field(default=None, description="default: the general checklist")


class CampaignPreviewOut(BaseModel):
    created: int = Field(description="tasks it would make")
    unassigned: int
    unrouted: int
    grids: list[GridShareOut]


class CampaignOut(BaseModel):
    id: uuid.UUID
    title: str
    created: int
    existing: int
    unassigned: int
    unrouted: int
    per_grid: dict[str, int]
    workers_told: int


class CampaignSummaryOut(BaseModel):
    id: uuid.UUID
    title: str
    area_code: str
    area_name: str
    premises_types: list[str]
    starts_at: datetime
    due_at: datetime
    created_at: datetime
    tasks: int
    open: int
    done: int
    cancelled: int
    cancelled_at: datetime | None = Field(description="set once the campaign was cancelled")
    may_cancel: bool = Field(description="the caller may cancel it (runs campaigns, not yet)")


class CampaignShareOut(BaseModel):
    grid_code: str
    grid_name: str
    assignee_id: uuid.UUID | None
    assignee_name: str | None
    open: int
    done: int
    cancelled: int


class PromptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    area_code: str = Field(min_length=1, max_length=32)
    title: Text = Field(min_length=1, max_length=200)
    body: Text = Field(min_length=1, max_length=5000)


class PromptOut(BaseModel):
    id: uuid.UUID
    title: str
    body: str
    area_path: str
    created_at: datetime
    recipients: int | None = None


class ReadOut(BaseModel):
    prompt_id: uuid.UUID
    read_at: datetime


class Reader(BaseModel):
    username: str
    display_name: str | None
    read_at: datetime | None = None


class ReceiptsOut(BaseModel):
    prompt_id: uuid.UUID
    read: list[Reader]
    unread: list[Reader]
