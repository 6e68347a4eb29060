from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from backend.core.types import Text
from fires.stations.enums import StationKind
from grids.enums import Crs
from grids.schemas import Latitude, Longitude


class StationIn(BaseModel):
    """A micro fire station or volunteer brigade of a township."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: Text = Field(min_length=1, max_length=100)
    kind: StationKind = Field(description="micro 微型消防站 | volunteer 志愿消防队")
    township: Text = Field(max_length=32, description="the code of its township (in your scope)")
    lng: Longitude
    lat: Latitude
    crs: Crs = Crs.WGS84
    contact_name: Text = Field(min_length=1, max_length=50)
    contact_phone: Text = Field(max_length=20, description="a mainland mobile number")
    duty_phone: Text | None = Field(
        default=None, max_length=20, description="alerts are texted here (a mobile number)"
    )
    members_count: int = Field(default=0, ge=0, le=10_000)
    member_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=100,
        description="accounts attached: alerts reach them by push (people in your scope)",
    )
    on_duty: bool = True


class StationPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    version: int = Field(ge=1, le=2**31 - 1, description="the version read")
    name: Text | None = Field(default=None, min_length=1, max_length=100)
    kind: StationKind | None = None
    lng: Longitude | None = None
    lat: Latitude | None = None
    crs: Crs = Crs.WGS84
    contact_name: Text | None = Field(default=None, min_length=1, max_length=50)
    contact_phone: Text | None = Field(default=None, max_length=20)
    duty_phone: Text | None = Field(default=None, max_length=20)
    members_count: int | None = Field(default=None, ge=0, le=10_000)
    member_ids: list[uuid.UUID] | None = Field(default=None, max_length=100)


class DutyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    on_duty: bool


class StationOut(BaseModel):
    id: uuid.UUID
    name: str
    kind: StationKind
    kind_name: str
    township: str
    township_name: str
    lng: float
    lat: float
    contact_name: str
    contact_phone: str | None = Field(description="masked unless you manage the register")
    duty_phone: str | None = Field(description="masked unless you manage the register")
    members_count: int
    member_ids: list[uuid.UUID]
    on_duty: bool
    version: int
    updated_at: datetime
