"""What the alarm feeds take and answer."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from alarms.enums import DeviceKind, DeviceStatus, EventKind, Outcome
from backend.core.types import Text
from grids.crs import Crs
from grids.schemas import Latitude, Longitude
from patrols.enums import TaskState


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lng: Longitude
    lat: Latitude
    crs: Crs = Crs.WGS84


class EventIn(BaseModel):
    """One event as a monitoring platform sends it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    event_id: str = Field(
        min_length=1,
        max_length=128,
        pattern=r"^[\x21-\x7e]+$",
        description="the platform's own id of the event; sent again, it is the same event",
    )
    device_id: str = Field(
        min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$", description="the platform's id"
    )
    kind: EventKind = Field(description="alarm 报警 | fault 故障 | recovered 恢复 | test 测试")
    occurred_at: AwareDatetime = Field(description="when the device saw it, with its offset")
    location: Location | None = Field(
        default=None,
        description="where the device is; registers an unknown device inside an area the "
        "platform serves",
    )
    device_kind: DeviceKind | None = Field(
        default=None, description="what the device is, for one registered by this event"
    )
    reading: Text | None = Field(
        default=None, max_length=2000, description="读数 or the platform's text, kept as sent"
    )


class EventBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    events: list[EventIn] = Field(min_length=1, max_length=500)


class EventReceipt(BaseModel):
    event_id: str = Field(description="the platform's id, as sent")
    id: uuid.UUID = Field(description="firegrid's id of the event (the original's for a repeat)")
    duplicate: bool = Field(description="sent before: nothing new was made")
    outcome: Outcome
    device_id: uuid.UUID | None = Field(description="firegrid's id of the device, if registered")
    task_id: uuid.UUID | None = None
    hazard_id: uuid.UUID | None = None


class BatchReceipt(BaseModel):
    events: list[EventReceipt] = Field(description="one per event sent, in the order sent")


class DeviceIn(BaseModel):
    """Staff register a device: the platform (partner) and its device id, what it is, where."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    partner: Text = Field(
        min_length=1, max_length=64, description="the platform's username (its integration client)"
    )
    external_id: str = Field(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")
    kind: DeviceKind
    premises_id: uuid.UUID | None = None
    location: Location | None = Field(
        default=None, description="where it is (default: the premises' pin)"
    )
    install_place: Text = Field(default="", max_length=200, description="e.g. 二楼厨房吊顶")


class PlatformOut(BaseModel):
    """A monitoring platform's account, as the register's form offers it."""

    username: str = Field(description="what `partner` names when registering a device")
    display_name: str
    area_name: str = Field(description="the area it serves; empty for one serving everywhere")
    devices: int = Field(description="its devices registered in your area")


class DeviceOut(BaseModel):
    id: uuid.UUID
    partner: str
    partner_name: str | None
    external_id: str
    kind: DeviceKind
    kind_name: str
    premises_id: uuid.UUID | None
    premises_name: str | None
    lng: float
    lat: float
    area_path: str
    grid_code: str | None
    install_place: str
    status: DeviceStatus
    auto_registered: bool
    last_event_at: datetime | None
    created_at: datetime
    version: int


class EventOut(BaseModel):
    id: uuid.UUID
    event_id: str
    partner: str = Field(description="the platform's username (to register its device)")
    device_ref: str
    device_id: uuid.UUID | None
    kind: EventKind
    kind_name: str
    occurred_at: datetime
    received_at: datetime
    reading: str | None
    premises_id: uuid.UUID | None
    area_path: str
    outcome: Outcome
    not_routed: bool
    task_id: uuid.UUID | None
    task_state: TaskState | None = Field(
        default=None, description="the task's state: open, done or cancelled"
    )
    task_assignee: str | None = Field(default=None, description="the worker it is assigned to")
    hazard_id: uuid.UUID | None
    rules_version: int


class RetireIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    note: Text | None = Field(default=None, max_length=500)
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)
