from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from backend.core.types import Text
from fires.incidents.enums import FireCause, IncidentSource, IncidentState, PlaceCategory
from grids.enums import Crs
from grids.schemas import Latitude, Longitude

MAX_COUNT = 100_000  # deaths or injuries: far beyond any fire, within every integer column
MAX_LOSS_YUAN = 10**12  # 直接经济损失: a trillion yuan, within a 64-bit column
MAX_AREA_M2 = 10**8  # 过火面积: 100 km², a forest fire's


class IncidentFields(BaseModel):
    """What the register keeps of a fire. The place is a point (`lng`, `lat`, in `crs`) or a
    premises (`premises_id`; its grid is then the incident's, and without a point its location
    is taken); `address` as typed (it is cut to the street or village when published)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    occurred_at: AwareDatetime = Field(description="起火时间, not in the future")
    reported_at: AwareDatetime | None = Field(
        default=None, description="报警时间, not before the fire broke out"
    )
    lng: Longitude | None = None
    lat: Latitude | None = None
    crs: Crs = Crs.WGS84
    address: Text = Field(min_length=1, max_length=300, description="起火地址")
    premises_id: uuid.UUID | None = Field(default=None, description="the premises that burned")
    cause: FireCause = Field(description="火灾原因 (the national statistics' categories)")
    place_category: PlaceCategory = Field(description="起火场所类别")
    deaths: int = Field(default=0, ge=0, le=MAX_COUNT)
    injuries: int = Field(default=0, ge=0, le=MAX_COUNT)
    direct_loss_yuan: int = Field(default=0, ge=0, le=MAX_LOSS_YUAN, description="直接经济损失, 元")
    burned_area_m2: float = Field(default=0, ge=0, le=MAX_AREA_M2, allow_inf_nan=False)
    summary: Text = Field(default="", max_length=4000, description="简要经过 (internal)")
    responders: Text = Field(
        default="", max_length=1000, description="who responded (internal: never published)"
    )
    arrived_at: AwareDatetime | None = Field(default=None, description="到场时间")
    responding_unit: Text = Field(
        default="", max_length=200, description="the micro fire station or brigade that went"
    )
    response_note: Text = Field(default="", max_length=2000)


class IncidentIn(IncidentFields):
    alert_id: uuid.UUID | None = Field(
        default=None,
        description="the 一键报警 alert it is recorded from (source `alert`); once per alert",
    )


class IncidentPatch(BaseModel):
    """A change while draft or confirmed: the fields given replace the stored ones; `version`
    is the one read (a stale edit is refused, not merged)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    version: int = Field(ge=1, le=2**31 - 1, description="the version you read")
    occurred_at: AwareDatetime | None = None
    reported_at: AwareDatetime | None = None
    lng: Longitude | None = None
    lat: Latitude | None = None
    crs: Crs | None = None
    address: Text | None = Field(default=None, min_length=1, max_length=300)
    premises_id: uuid.UUID | None = None
    cause: FireCause | None = None
    place_category: PlaceCategory | None = None
    deaths: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    injuries: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    direct_loss_yuan: int | None = Field(default=None, ge=0, le=MAX_LOSS_YUAN)
    burned_area_m2: float | None = Field(default=None, ge=0, le=MAX_AREA_M2, allow_inf_nan=False)
    summary: Text | None = Field(default=None, max_length=4000)
    responders: Text | None = Field(default=None, max_length=1000)
    arrived_at: AwareDatetime | None = None
    responding_unit: Text | None = Field(default=None, max_length=200)
    response_note: Text | None = Field(default=None, max_length=2000)


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: Text = Field(min_length=1, max_length=500)


class AreaName(BaseModel):
    code: str
    name: str


class IncidentOut(BaseModel):
    id: uuid.UUID
    state: IncidentState
    state_name: str
    occurred_at: datetime
    reported_at: datetime | None
    lng: float
    lat: float
    address: str
    area_code: str | None = Field(description="the grid's (or the township's) code")
    grid: AreaName | None
    township: AreaName | None
    county: AreaName | None
    premises_id: uuid.UUID | None
    premises_name: str | None
    cause: FireCause
    cause_name: str
    place_category: PlaceCategory
    place_name: str
    deaths: int
    injuries: int
    direct_loss_yuan: int
    burned_area_m2: float
    summary: str
    responders: str
    arrived_at: datetime | None
    responding_unit: str
    response_note: str
    source: IncidentSource
    alert_id: uuid.UUID | None
    recorded_at: datetime
    recorded_by: uuid.UUID | None
    confirmed_at: datetime | None
    published_at: datetime | None
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
    version: int
    actions: list[str] = Field(description="the steps you may take now (and `edit`)")


class PublicIncident(BaseModel):
    """A published incident as anyone may read it (decision 0056): the day, the county and
    township, the address cut to the street or village, the premises' name only for a public
    gathering place, the toll, the loss rounded; never a person's name or phone."""

    id: uuid.UUID
    occurred_on: date = Field(description="the day (Beijing)")
    county: str
    township: str
    address: str = Field(description="to the street or village, no house number")
    premises: str = Field(description="a public gathering place's name; else 某<场所类别>")
    place_name: str
    cause_name: str
    deaths: int
    injuries: int
    direct_loss_yuan: int = Field(description="rounded (decision 0056)")
    burned_area_m2: int = Field(description="rounded to 10 m²")
    published_at: datetime
