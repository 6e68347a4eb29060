"""What the citizens' page sends and reads (docs/citizens.md)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from backend.core.types import Text
from complaints.schemas import PHONE
from grids.enums import Crs
from grids.schemas import Latitude, Longitude
from hazards.enums import HazardCategory

SHA256 = r"^[0-9a-f]{64}$"


class ChallengeOut(BaseModel):
    token: str
    bits: int = Field(description="sha256(token + ':' + nonce) must begin with this many zero bits")


class ChallengeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(max_length=200)
    nonce: str = Field(max_length=64)


class Named(BaseModel):
    code: str
    name: str


class LimitsOut(BaseModel):
    photos: int
    photo_bytes: int
    description: int


class MapOut(BaseModel):
    center: tuple[float, float]
    bbox: tuple[float, float, float, float]
    tiles: str | None = Field(description="the deployment's own XYZ basemap, or none")
    tiles_crs: str
    areas_url: str = Field(description="the townships served, as GeoJSON, to draw without tiles")


class FormOut(BaseModel):
    enabled: bool
    area_name: str | None = None
    categories: list[Named] = []
    stages: list[Named] = Field(default=[], description="stages a reporter may be told of")
    challenge: ChallengeOut | None = None
    limits: LimitsOut | None = None
    dispute_days: int = 0
    map: MapOut | None = None
    public_map: bool = Field(
        default=False,
        description="the page offers 附近的举报, the published reports on its map (Open311's GET)",
    )


class PhotoDeclared(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: uuid.UUID
    sha256: str = Field(pattern=SHA256)
    size: int = Field(ge=1)


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    category: HazardCategory
    description: Text = Field(min_length=1, max_length=2000)
    lng: Longitude
    lat: Latitude
    crs: Crs = Crs.WGS84
    address: Text = Field(default="", max_length=300)
    phone: str | None = Field(default=None, pattern=PHONE, max_length=32)
    wants: list[str] = Field(default=[], max_length=6)
    photos: list[PhotoDeclared] = Field(default=[], max_length=9)
    challenge: ChallengeIn


class UploadOut(BaseModel):
    endpoint: str
    token: str
    expires_at: AwareDatetime


class ReportTaken(BaseModel):
    follow_code: str
    received_at: datetime
    upload: UploadOut


class StageOut(BaseModel):
    code: str
    name: str
    at: datetime | None


class PhotoOut(BaseModel):
    kind: str
    url: str


class ReportView(BaseModel):
    follow_code: str
    category: str | None
    category_name: str | None
    description: str = Field(description="masked as anything published is")
    received_at: datetime
    state: str
    state_name: str
    stages: list[StageOut]
    reply: str | None
    photos: list[PhotoOut] = Field(description="the reporter's own (report, not fixed)")
    after_photos: list[PhotoOut] = Field(description="the worker's, from the site, once replied")
    photos_waiting: int = Field(description="declared photos whose bytes have not arrived")
    may_dispute: bool
    dispute_until: datetime | None
    disputed_at: datetime | None


class DisputeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    note: Text = Field(min_length=1, max_length=1000)
    photos: list[PhotoDeclared] = Field(min_length=1, max_length=9)
    challenge: ChallengeIn


class DisputeTaken(BaseModel):
    report: ReportView
    upload: UploadOut


class PhoneCodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    phone: str = Field(max_length=32, description="the mobile number the reports were made with")
    challenge: ChallengeIn


class PhoneCodeSent(BaseModel):
    expires_at: datetime


class PhoneSessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    phone: str = Field(max_length=32)
    code: str = Field(min_length=6, max_length=6, pattern=r"^[0-9]{6}$")


class PhoneSessionOut(BaseModel):
    token: str = Field(description="send as `Authorization: Bearer <token>` to /my-reports")
    expires_at: datetime


class MyReport(BaseModel):
    follow_code: str
    category_name: str | None
    state: str
    state_name: str
    received_at: datetime
