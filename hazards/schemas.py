from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from backend.core.types import Text
from grids.enums import Crs, RouteStatus
from grids.schemas import Latitude, Longitude
from hazards.enums import (
    ExtensionState,
    HazardAction,
    HazardCategory,
    HazardSource,
    HazardState,
    ListingLevel,
    Severity,
)

if TYPE_CHECKING:
    from hazards.reading import TimelineStep


class HazardReport(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    id: uuid.UUID | None = Field(
        default=None, description="set by an offline device; re-sending is safe"
    )
    category: HazardCategory
    severity: Severity = Severity.ORDINARY
    source: HazardSource = HazardSource.PATROL
    description: Text = Field(min_length=1, max_length=2000)
    lng: Longitude
    lat: Latitude
    crs: Crs = Crs.WGS84
    premises_id: uuid.UUID | None = None
    device_time: AwareDatetime | None = None


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    action: HazardAction
    version: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="the version you read"
    )
    note: Text | None = Field(default=None, max_length=2000)
    deadline_working_days: int | None = Field(default=None, ge=1, le=365)
    period_days: int | None = Field(
        default=None,
        ge=1,
        le=365,
        description="an order's period in calendar days (自送达之日起N日内改正): printed on the "
        "notice, counted from its service; without it, `deadline_working_days` is the period",
    )
    duplicate_of: uuid.UUID | None = None
    listing_level: ListingLevel | None = None
    criteria: list[Text] | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        description="GB 35181 criteria met (determination)",
    )


class PendingApprovalOut(BaseModel):
    action: HazardAction
    approvals: int
    required: int
    approved_by_me: bool


class StepNeedsOut(BaseModel):
    """What one of the caller's next steps takes, from its row of the lifecycle table."""

    fields: list[str] = Field(
        description="what `POST …/actions` must carry for this step besides `action`, e.g. "
        "`note`, `deadline_working_days`, `duplicate_of`, `listing_level`, `criteria`"
    )
    approvers: int = Field(
        description="distinct certified officers who must each post the step before it applies "
        "(1: the caller alone)"
    )


class HazardOut(BaseModel):
    id: uuid.UUID
    source: HazardSource
    category: HazardCategory
    severity: Severity
    state: HazardState
    is_open: bool
    closed_at: datetime | None = Field(
        description="when it reached a closed state; null while open"
    )
    description: str
    lng: float
    lat: float
    crs: Crs
    area_code: str | None
    area_name: str | None = Field(description="the name of the area it is routed to")
    route_status: RouteStatus
    outside_own_grids: bool = Field(
        description="a grid worker or leader reported it outside the grids they look after"
    )
    premises_id: uuid.UUID | None
    premises_name: str | None
    reporter: str | None = Field(description="masked, e.g. 张*")
    handler_kind: str | None = Field(
        description="who holds it at its level now: primary_worker, backup_worker, grid_leader, "
        "township_station or county_brigade; null once closed"
    )
    handler_id: uuid.UUID | None = Field(description="the person, when one person holds it")
    handler_name: str | None = Field(
        description="their display name, or the station's or brigade's name (masked for citizens)"
    )
    duplicate_of: uuid.UUID | None
    possible_duplicate_of: uuid.UUID | None = Field(
        description="an open hazard of the same category close by; merge with mark_duplicate"
    )
    reported_at: datetime
    device_time: datetime | None
    level: int
    level_due_at: datetime | None
    overdue: bool
    rectification_deadline: datetime | None
    failed_rechecks: int
    listing_level: ListingLevel | None
    version: int
    next_actions: list[HazardAction] = Field(
        description="the steps you may take now: your role, your area, your certificate for an "
        "enforcement step, and not one you already approved"
    )
    step_needs: dict[HazardAction, StepNeedsOut] = Field(
        default_factory=dict,
        description="for each step in `next_actions`, what it must carry and how many officers "
        "must approve it (a console's form for the step)",
    )
    pending_approvals: list[PendingApprovalOut] = Field(
        default_factory=list,
        description="enforcement steps some officers approved, with the approvals still missing",
    )


class PendingDecisionOut(BaseModel):
    hazard_id: uuid.UUID
    action: HazardAction
    approvals: int
    required: int
    detail: str


class TimelineEntry(BaseModel):
    at: datetime
    action: str
    actor_role: str | None
    before: dict | None
    after: dict | None

    @classmethod
    def of(cls, event) -> TimelineEntry:
        """An audit event as a step of a record's timeline."""
        return cls(
            at=event.occurred_at,
            action=event.action,
            actor_role=event.actor_role,
            before=event.before,
            after=event.after,
        )


class HazardTimelineEntry(TimelineEntry):
    actor_name: str | None = Field(
        description="who took the step, by name: only for callers who may see people (station, "
        "brigade, admin), never a citizen's (群众); null for the system"
    )

    @classmethod
    def of_step(cls, step: TimelineStep) -> HazardTimelineEntry:
        """A step of a hazard's timeline (hazards.reading.timeline) as the API gives it."""
        return cls(**TimelineEntry.of(step.event).model_dump(), actor_name=step.actor_name)


class AreaCounts(BaseModel):
    code: str
    name: str
    open: int
    overdue: int
    closed_in_grid: int = Field(
        description="closed without leaving the grid level (一般隐患不出网格)"
    )
    escalated: int = Field(description="open above the grid level")


class PhotoOut(BaseModel):
    sha256: str
    kind: str
    mime: str
    size: int
    width: int
    height: int
    taken_at: datetime | None
    flags: list[str] = Field(
        description="evidence doubts: taken_far_from_report, taken_long_before_report"
    )
    thumbnail_url: str
    public_url: str
    original_url: str


class ExtensionRequestOut(BaseModel):
    """A unit's request for more time to rectify, and its decision."""

    id: uuid.UUID
    hazard_id: uuid.UUID
    state: ExtensionState
    reason: str
    days: int = Field(description="calendar days asked for")
    requested_at: datetime
    deadline_before: datetime | None
    decided_at: datetime | None
    granted_days: int | None
    decision_note: str | None
    deadline_after: datetime | None = Field(description="the deadline once granted")

    @classmethod
    def of(cls, request) -> ExtensionRequestOut:
        return cls(
            id=request.id,
            hazard_id=request.hazard_id,
            state=ExtensionState(request.state),
            reason=request.reason,
            days=request.days,
            requested_at=request.requested_at,
            deadline_before=request.deadline_before,
            decided_at=request.decided_at,
            granted_days=request.granted_days,
            decision_note=request.decision_note,
            deadline_after=request.deadline_after,
        )


class ExtensionHazard(BaseModel):
    """The hazard a request is about, as the queue shows it."""

    id: uuid.UUID
    description: str
    category: str
    state: str
    premises_id: uuid.UUID | None
    premises_name: str | None
    rectification_deadline: datetime | None = Field(description="as it stands now")


class ExtensionQueueItem(ExtensionRequestOut):
    """A request in the queue of those who decide them, with its hazard."""

    hazard: ExtensionHazard


class ExtensionDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    grant: bool = Field(description="true: the deadline moves; false: refused")
    days: int | None = Field(
        default=None, ge=1, le=365, description="days granted, at most those asked; none: all"
    )
    note: Text | None = Field(default=None, max_length=500)
