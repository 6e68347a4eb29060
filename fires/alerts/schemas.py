from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from backend.core.types import Text
from fires.alerts.enums import AckChannel, AlertChannel, AlertState, RecipientKind, UplinkOutcome
from grids.enums import Crs
from grids.schemas import Latitude, Longitude


class AlertIn(BaseModel):
    """一键报警 from the phone: small, so that it leaves on a poor connection. `id` is made by
    the phone before the first try: every retry sends the same one, and is the same alert."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    id: uuid.UUID = Field(description="the phone's own id for this press (a UUID, v7 preferred)")
    lng: Longitude
    lat: Latitude
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000, allow_inf_nan=False)
    crs: Crs = Crs.WGS84
    note: Text | None = Field(default=None, max_length=500, description="what is burning, 备注")


class PositionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lng: Longitude
    lat: Latitude
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000, allow_inf_nan=False)
    crs: Crs = Crs.WGS84
    at: datetime | None = Field(default=None, description="when the phone took it (default now)")


class PositionOut(BaseModel):
    kept: bool = Field(description="false: you are off duty or on leave today, nothing is kept")


class AlertedOut(BaseModel):
    """Someone alerted, as the reporter's receipt names them (no answers: the receipt is the
    same on every retry)."""

    kind: RecipientKind
    kind_name: str
    name: str
    distance_m: float | None


class RaisedOut(BaseModel):
    """The receipt of 一键报警: the same body on every retry of the same id."""

    id: uuid.UUID
    reported_at: datetime
    lng: float
    lat: float
    grid_code: str | None
    area_name: str | None
    premises_id: uuid.UUID | None
    premises_name: str | None
    advice: str = Field(description="what the reporter does now: call 119 (zh-CN)")
    alerted: list[AlertedOut]


class RecipientOut(BaseModel):
    id: uuid.UUID
    rank: int
    kind: RecipientKind
    kind_name: str
    user_id: uuid.UUID | None
    station_id: uuid.UUID | None
    name: str
    distance_m: float | None
    distance_from: str | None = Field(description="position | grid | station")
    channels: list[str] = Field(description="push, sms")
    sent_at: datetime = Field(description="queued for the worker's next pass")
    delivered_at: datetime | None = Field(description="the first channel that reached them")
    acked_at: datetime | None
    going: bool | None
    eta_minutes: int | None
    ack_channel: AckChannel | None


class AlertPhotoOut(BaseModel):
    sha256: str
    mime: str
    size: int
    width: int
    height: int
    taken_at: datetime | None
    uploaded_at: datetime
    thumbnail_url: str
    public_url: str
    original_url: str = Field(description="with EXIF: for the staff whose area covers the alert")


class AlertOut(BaseModel):
    id: uuid.UUID
    state: AlertState
    channel: AlertChannel
    reporter_id: uuid.UUID | None
    reporter_name: str | None
    reported_at: datetime
    lng: float
    lat: float
    accuracy_m: float | None
    place_source: str
    area_path: str
    grid_code: str | None
    premises_id: uuid.UUID | None
    premises_name: str | None
    premises_distance_m: float | None
    note: str | None
    closed_at: datetime | None
    close_note: str | None
    version: int
    going_count: int
    recipients: list[RecipientOut]
    photos: list[AlertPhotoOut]


class AckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    going: bool = Field(description="true 前往 | false 无法前往")
    eta_minutes: int | None = Field(default=None, ge=0, le=600, description="arriving in (min)")


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    outcome: AlertState = Field(description="closed 已处置 | false_alarm 误报")
    note: Text | None = Field(default=None, max_length=2000)
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)


class SmsIn(BaseModel):
    """A text to the platform's number, as the SMS gateway relays it (上行短信)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    message_id: Text = Field(min_length=1, max_length=64, description="the gateway's own id")
    sender: Text = Field(min_length=1, max_length=20, description="the sending phone")
    text: Text = Field(max_length=500)
    received_at: datetime = Field(description="when the gateway received it (with its offset)")


class SmsOut(BaseModel):
    outcome: UplinkOutcome
    reply: str = Field(description="what to text back to the sender (zh-CN)")
    alert_id: uuid.UUID | None
