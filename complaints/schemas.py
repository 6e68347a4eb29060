from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from backend.core.types import Text
from complaints.enums import (
    CallbackDelivery,
    Channel,
    ComplaintAction,
    ComplaintState,
    ComplaintType,
    ExtensionState,
    Finding,
    RewardState,
    Stage,
)
from grids.enums import Crs
from grids.schemas import Latitude, Longitude, MemberOut
from hazards.enums import HazardCategory

PHONE = r"^\+?[0-9][0-9 -]{2,30}$"


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lng: Longitude
    lat: Latitude
    crs: Crs = Crs.WGS84


class Caller(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: Text | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, pattern=PHONE, max_length=32)


class ComplaintIntake(BaseModel):
    """What a hotline sends. The same (channel, external_id) again is answered with the same
    complaint; with another body it is refused (409)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    channel: Channel
    external_id: str = Field(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")
    received_at: AwareDatetime
    type: ComplaintType
    text: Text = Field(min_length=1, max_length=4000)
    address: Text = Field(default="", max_length=500)
    location: Location | None = None
    caller: Caller | None = None
    anonymous: bool = False
    hotline_deadline: AwareDatetime | None = None
    category: HazardCategory | None = Field(
        default=None, description="the hazard category, when the hotline classified it"
    )

    @model_validator(mode="after")
    def _anonymous_callers_are_not_named(self) -> ComplaintIntake:
        if self.anonymous and self.caller and (self.caller.name or self.caller.phone):
            raise ValueError("an anonymous complaint carries no caller name or phone")
        if not self.location and not self.address:
            raise ValueError("give a location or an address")
        if self.hotline_deadline and self.hotline_deadline <= self.received_at:
            raise ValueError("hotline_deadline must be after received_at")
        return self


class ComplaintActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    action: ComplaintAction
    version: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="the version you read"
    )
    note: Text | None = Field(default=None, max_length=2000)
    assignee_id: uuid.UUID | None = None
    finding: Finding | None = None
    reply: Text | None = Field(default=None, max_length=4000)
    # refer: the department it is transferred to (FIREGRID_REFERRAL_DEPARTMENTS' key)
    department: Text | None = Field(default=None, max_length=32)
    # A hazard found on site (finding hazard_found): what and where it is. The id may come
    # from a phone, so that photos of it can be declared offline.
    hazard_id: uuid.UUID | None = None
    hazard_category: HazardCategory | None = None
    premises_id: uuid.UUID | None = None
    location: Location | None = None


class PlaceIn(BaseModel):
    """Triage: staff put an address-only complaint on the map; it routes from there."""

    model_config = ConfigDict(extra="forbid")
    location: Location
    version: int | None = Field(default=None, ge=1)


class AddressCandidateOut(BaseModel):
    """A place the complaint's address may mean: an area it names, or a premises like it.
    Place the complaint at (`lng`, `lat`, WGS-84) with POST /complaints/{id}/location."""

    kind: Literal["area", "premises"]
    id: uuid.UUID
    name: str
    address: str | None
    area_code: str
    area_name: str
    lng: float
    lat: float
    likeness: float = Field(
        description="share of the address's character pairs it shares; 1 for a named area"
    )


class ExtensionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    working_days: int = Field(ge=1, le=30)
    reason: Text = Field(min_length=1, max_length=1000)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    approve: bool
    note: Text | None = Field(default=None, max_length=1000)
    amount_yuan: int | None = Field(default=None, ge=0, le=1_000_000)


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reference: Text = Field(min_length=1, max_length=100)


class ExclusionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    phone: str = Field(pattern=PHONE, max_length=32)
    relation: str = Field(pattern="^(staff|relative)$")
    note: Text = Field(min_length=1, max_length=500)


class PartnerCallbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    callback_url: str = Field(pattern=r"^https?://[^\s]+$", max_length=500)


class PartnerCallbackOut(BaseModel):
    username: str
    callback_url: str
    key_id: str
    secret: str | None = Field(
        description="shown once, when the partner's first address is set or its key rotated: "
        "the secret our callbacks are signed with; null when an address changes (the key stays)"
    )
    previous_key_id: str | None = None
    previous_until: datetime | None = Field(
        default=None, description="until then callbacks are signed with the previous key too"
    )


class CallbackKeyRotationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    overlap_hours: int = Field(
        default=168,
        ge=0,
        le=90 * 24,
        description="how long both keys sign, while the partner installs the new secret",
    )


class CallbackResultIn(BaseModel):
    """The hotline's own 回访: was the complainant satisfied?"""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    satisfied: bool
    note: Text | None = Field(default=None, max_length=2000)


class StepNeeds(BaseModel):
    """What one of the caller's next steps takes, from its row of the lifecycle table."""

    fields: list[str] = Field(
        description="what the step must carry besides `action`, e.g. `assignee_id`, `note`, "
        "`finding`, `reply`"
    )


class ComplaintOut(BaseModel):
    id: uuid.UUID
    channel: Channel
    external_id: str
    type: ComplaintType
    text: str
    address: str
    category: HazardCategory | None
    urgent: bool
    anonymous: bool
    caller_phone: str | None = Field(description="masked")
    received_at: datetime
    lng: float | None
    lat: float | None
    crs: Crs | None
    area_code: str | None
    area_name: str | None = Field(default=None, description="the name of the area it is in")
    route_status: str
    state: ComplaintState
    assignee_id: uuid.UUID | None
    assignee: str | None = Field(description="the assignee's display name")
    stage: Stage | None
    due_at: datetime | None
    overdue: bool
    escalation: int
    sign_due_at: datetime | None
    verify_due_at: datetime
    reply_due_at: datetime
    hotline_deadline: datetime | None
    finding: Finding | None
    reply: str | None
    return_reason: str | None
    hazard_id: uuid.UUID | None
    version: int
    next_actions: list[ComplaintAction] = Field(
        description="the lifecycle steps *you* may take now (POST …/actions); "
        "phones' synced copy lists every step from the state"
    )
    step_needs: dict[ComplaintAction, StepNeeds] = Field(
        default_factory=dict,
        description="for each step in `next_actions`, what `POST …/actions` must carry "
        "(a console's form for the step)",
    )
    may_place: bool = Field(default=False, description="you may put it on the map (triage)")
    may_ask_extension: bool = Field(
        default=False, description="you may ask for more time now (POST …/extensions)"
    )
    may_decide_extensions: bool = Field(
        default=False, description="you may approve or refuse its extension requests"
    )


class ExtensionOut(BaseModel):
    id: uuid.UUID
    complaint_id: uuid.UUID
    stage: Stage
    working_days: int
    reason: str
    state: ExtensionState
    requested_at: datetime
    decided_at: datetime | None
    decision_note: str | None


class CallbackOut(BaseModel):
    id: uuid.UUID
    complaint_id: uuid.UUID
    seq: int
    event: str
    status: CallbackDelivery
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None


class RewardOut(BaseModel):
    id: uuid.UUID
    complaint_id: uuid.UUID
    hazard_id: uuid.UUID
    state: RewardState
    tier: str
    amount_yuan: int
    reason: str | None
    caller_phone: str | None = Field(description="masked")
    decided_at: datetime | None
    payment_reference: str | None
    paid_at: datetime | None


class CallerOut(BaseModel):
    """Shown to staff of the area on request, and recorded in the audit log as seen."""

    name: str | None
    phone: str | None


class CandidateOut(MemberOut):
    """Someone a complaint may be dispatched to (`POST …/actions` with `assignee_id`)."""

    recommended: bool = Field(description="whom routing would choose now")
